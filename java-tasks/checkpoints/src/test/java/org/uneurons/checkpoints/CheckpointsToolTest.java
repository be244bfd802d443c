package org.uneurons.checkpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.testing.TestData;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.formats.ModelConfig;

/**
 * The checkpoint check on the reference fixtures and their pytorch_model.bin twins (one JSON line each), on a GPT-2
 * medium-sized checkpoint whose data section was never written (headers only), and on each kind of bad checkpoint
 * (one error line naming the file).
 */
class CheckpointsToolTest {
    @TempDir
    Path tmp;

    private static ToolRunner run(String... args) {
        return ToolRunner.run(new CheckpointsTool(), args);
    }

    private static List<JsonObject> lines(ToolRunner r) {
        assertEquals(0, r.exitCode, r.toString());
        return r.stdout.lines().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }

    @Test
    void everyFixtureOneLineInOrderWithNamesFromTheCommandLineOrTheDirectory() {
        ToolRunner r = run("--checkpoint", "anchor=" + TestData.hf("gpt2-tiny"),
                "--checkpoint", "seed-b=" + TestData.hf("gpt2-tiny-bin") + ",seed_c.16=" + TestData.hf("gpt2-tiny-bin16"),
                "--checkpoint", TestData.hf("neox-tiny").toString(), "--checkpoint", TestData.hf("neox-tiny-bin").toString(),
                "--ctx", "64", "--vocab-size", "900");
        List<JsonObject> l = lines(r);
        assertEquals(5, l.size());
        assertEquals("{\"name\":\"anchor\",\"path\":\"" + TestData.hf("gpt2-tiny").toAbsolutePath().normalize()
                + "\",\"architecture\":\"gpt2\",\"n_layers\":2,\"d_model\":48,\"d_mlp\":192,\"n_heads\":4,"
                + "\"vocab_size\":1000,\"n_ctx\":64,\"format\":\"safetensors\",\"dtype\":\"float32\",\"n_params\":107712}",
                r.stdout.lines().findFirst().orElseThrow());
        String[][] want = {{"anchor", "gpt2", "safetensors", "float32"}, {"seed-b", "gpt2", "pytorch", "float32"},
            {"seed_c.16", "gpt2", "pytorch", "float16"}, {"neox-tiny", "gpt_neox", "safetensors", "float32"},
            {"neox-tiny-bin", "gpt_neox", "pytorch", "bfloat16"}};
        for (int i = 0; i < want.length; i++) {
            JsonObject o = l.get(i);
            assertEquals(want[i][0], o.get("name").getAsString());
            assertEquals(want[i][1], o.get("architecture").getAsString());
            assertEquals(want[i][2], o.get("format").getAsString());
            assertEquals(want[i][3], o.get("dtype").getAsString(), want[i][0]);
        }
        assertEquals(l.get(0).get("n_params"), l.get(1).get("n_params"));
        assertEquals(l.get(3).get("n_params"), l.get(4).get("n_params"));
        assertEquals(128, l.get(4).get("n_ctx").getAsInt());
        assertEquals("checkpoints: 5 checked\n", r.stderr);
    }

    /** GPT-2 medium's shapes with a sparse data section: only the header exists on disk, and that is all the check reads. */
    @Test
    void gpt2MediumIsCheckedFromItsHeaderAlone() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("arwen-gpt2-medium-x21"));
        Files.writeString(dir.resolve("config.json"), ModelConfig.gpt2Json(24, 1024, 16, 4096, 1024, 50257, 50256, 50256));
        long bytes = sparseSafetensors(dir.resolve("model.safetensors"), gpt2Shapes(24, 1024, 4096, 1024, 50257));
        long t0 = System.nanoTime();
        List<JsonObject> l = lines(run("--checkpoint", dir.toString(), "--ctx", "512", "--vocab-size", "50257"));
        double seconds = (System.nanoTime() - t0) / 1e9;
        JsonObject o = l.get(0);
        assertEquals("arwen-gpt2-medium-x21", o.get("name").getAsString());
        assertEquals(24, o.get("n_layers").getAsInt());
        assertEquals(4096, o.get("d_mlp").getAsInt());
        assertEquals(bytes / 4, o.get("n_params").getAsLong());
        assertTrue(seconds < 5, "header-only check of GPT-2 medium took " + seconds + " s");
    }

    @Test
    void configThatDoesNotMatchThePytorchWeightsNamesTheWeightsFile() throws IOException {
        Path dir = copy("gpt2-tiny-bin", "seed-x");
        edit(dir.resolve("config.json"), "\"vocab_size\": 1000", "\"vocab_size\": 1001");
        ToolRunner r = run("--checkpoint", dir.toString());
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("", r.stdout);
        assertEquals("checkpoints: error: checkpoint seed-x: tensor 'transformer.wte.weight' in "
                + dir.resolve("pytorch_model.bin") + " has shape [1000, 48] but config.json (vocab_size 1001, n_embd 48) "
                + "implies [1001, 48]", r.errorLine());
    }

    @Test
    void aDamagedWeightsFileIsNamedAndNothingIsPrinted() throws IOException {
        Path good = TestData.hf("gpt2-tiny").toAbsolutePath();
        Path dir = copy("gpt2-tiny-bin16", "b");
        Path shard = dir.resolve("pytorch_model-00002-of-00002.bin");
        byte[] all = Files.readAllBytes(shard);
        Files.write(shard, java.util.Arrays.copyOf(all, all.length - 100));
        ToolRunner r = run("--checkpoint", "a=" + good, "--checkpoint", "b=" + dir);
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("", r.stdout);
        assertTrue(r.errorLine().startsWith("checkpoints: error: " + shard + ": cannot read the zip directory ("),
                r.errorLine());
    }

    @Test
    void theRunsContextAndVocabularyMustFitEveryModel() {
        Path gpt2 = TestData.hf("gpt2-tiny");
        ToolRunner r = run("--checkpoint", gpt2.toString(), "--ctx", "65");
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("checkpoints: error: " + gpt2.resolve("config.json") + ": checkpoint gpt2-tiny (n_positions 64) has a "
                + "context of 64 positions, shorter than the run's sequences of 65 tokens (--ctx)", r.errorLine());
        Path neox = TestData.hf("neox-tiny-bin");
        r = run("--checkpoint", gpt2.toString(), "--checkpoint", neox.toString(), "--vocab-size", "1000");
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("checkpoints: error: " + neox.resolve("config.json") + ": checkpoint neox-tiny-bin (vocab_size 900) "
                + "has a vocabulary of 900 ids, smaller than the run's token ids' vocabulary of 1000 (--vocab-size)",
                r.errorLine());
    }

    @Test
    void namesMustBeUsableAndDistinct() {
        Path gpt2 = TestData.hf("gpt2-tiny");
        ToolRunner r = run("--checkpoint", "a__b=" + gpt2);
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("checkpoints: error: --checkpoint a__b=" + gpt2 + ": the model name 'a__b' must match "
                + "[A-Za-z0-9][A-Za-z0-9._-]* without '__' (it names output files; '__' separates the models of a pair)",
                r.errorLine());
        r = run("--checkpoint", "m=" + gpt2, "--checkpoint", "m=" + TestData.hf("neox-tiny"));
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("checkpoints: error: " + TestData.hf("neox-tiny") + ": another checkpoint (" + gpt2
                + ") is also named 'm'; model names must differ (give them as NAME=DIR)", r.errorLine());
        r = run("--checkpoint", "m=" + tmp.resolve("nope"));
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("checkpoints: error: " + tmp.resolve("nope") + ": no such checkpoint directory (--checkpoint)",
                r.errorLine());
        r = run();
        assertEquals(2, r.exitCode, r.toString());
    }

    @Test
    void aDirectoryWithoutWeights() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        Files.copy(TestData.hf("gpt2-tiny").resolve("config.json"), dir.resolve("config.json"));
        ToolRunner r = run("--checkpoint", dir.toString());
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("checkpoints: error: " + dir + ": no model.safetensors, model.safetensors.index.json, "
                + "pytorch_model.bin or pytorch_model.bin.index.json in the checkpoint directory", r.errorLine());
    }

    // ---- helpers ----

    private Path copy(String fixture, String as) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(as));
        try (Stream<Path> files = Files.list(TestData.hf(fixture))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    private static void edit(Path file, String from, String to) throws IOException {
        String s = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(s.contains(from), from);
        Files.writeString(file, s.replace(from, to), StandardCharsets.UTF_8);
    }

    /** The tensors of a tied GPT2LMHeadModel save, name -> shape. */
    private static Map<String, long[]> gpt2Shapes(int layers, int d, int mlp, int ctx, int vocab) {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("transformer.wte.weight", new long[] {vocab, d});
        m.put("transformer.wpe.weight", new long[] {ctx, d});
        for (int l = 0; l < layers; l++) {
            String p = "transformer.h." + l + ".";
            for (String ln : new String[] {"ln_1", "ln_2"}) {
                m.put(p + ln + ".weight", new long[] {d});
                m.put(p + ln + ".bias", new long[] {d});
            }
            m.put(p + "attn.c_attn.weight", new long[] {d, 3L * d});
            m.put(p + "attn.c_attn.bias", new long[] {3L * d});
            m.put(p + "attn.c_proj.weight", new long[] {d, d});
            m.put(p + "attn.c_proj.bias", new long[] {d});
            m.put(p + "mlp.c_fc.weight", new long[] {d, mlp});
            m.put(p + "mlp.c_fc.bias", new long[] {mlp});
            m.put(p + "mlp.c_proj.weight", new long[] {mlp, d});
            m.put(p + "mlp.c_proj.bias", new long[] {d});
        }
        m.put("transformer.ln_f.weight", new long[] {d});
        m.put("transformer.ln_f.bias", new long[] {d});
        return m;
    }

    /** A float32 safetensors file whose data section is a hole (sparse on disk); returns its data bytes. */
    private static long sparseSafetensors(Path file, Map<String, long[]> shapes) throws IOException {
        JsonObject header = new JsonObject();
        long at = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long n = 4;
            com.google.gson.JsonArray shape = new com.google.gson.JsonArray();
            for (long x : e.getValue()) {
                n *= x;
                shape.add(x);
            }
            JsonObject t = new JsonObject();
            t.addProperty("dtype", "F32");
            t.add("shape", shape);
            com.google.gson.JsonArray offs = new com.google.gson.JsonArray();
            offs.add(at);
            offs.add(at + n);
            t.add("data_offsets", offs);
            header.add(e.getKey(), t);
            at += n;
        }
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            f.write(h);
            f.setLength(8 + h.length + at);
        }
        return at;
    }
}
