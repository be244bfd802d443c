package org.uneurons.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.formats.ActivationFile;
import org.uneurons.core.io.Hdf5;
import org.uneurons.core.io.Safetensors;
import org.uneurons.formats.TokenShard;
import org.uneurons.core.testing.TestData;
import org.uneurons.core.testing.ToolRunner;

/** The extract CLI: golden activations against transformers, float16 output, and every bad input's one line. */
class ExtractToolTest {
    @TempDir
    Path tmp;

    /** A shard holding the fixture's input_ids as they are ([batch, seq] rows). */
    private Path fixtureShard(String fixture, int vocab) {
        try (Safetensors ref = Safetensors.open(TestData.hf(fixture).resolve("reference.safetensors"))) {
            long[] shape = ref.info("input_ids").shape();
            int[] flat = ref.ints("input_ids");
            int[][] rows = new int[(int) shape[0]][(int) shape[1]];
            for (int s = 0; s < rows.length; s++) {
                System.arraycopy(flat, s * rows[s].length, rows[s], 0, rows[s].length);
            }
            Path f = tmp.resolve(fixture + ".shard.h5");
            TokenShard.write(f, rows, new TokenShard.Meta("ids", vocab, -1, -1, fixture + " reference input_ids"));
            return f;
        }
    }

    private static double maxAbs(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    private void golden(String fixture, int vocab, int batchSize) {
        Path shard = fixtureShard(fixture, vocab);
        Path out = tmp.resolve(fixture + ".acts.h5");
        ToolRunner r = ToolRunner.run(new ExtractTool(), "--checkpoint", TestData.hf(fixture).toString(),
                "--shard", shard.toString(), "--output", out.toString(), "--batch-size", String.valueOf(batchSize),
                "--hooks", "mlp_post,mlp_pre");
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.stderr.contains("done"), "progress on stderr: " + r.stderr);
        try (Safetensors ref = Safetensors.open(TestData.hf(fixture).resolve("reference.safetensors"));
             ActivationFile.Reader acts = ActivationFile.Reader.open(out)) {
            long[] shape = ref.info("input_ids").shape();
            int n = (int) (shape[0] * shape[1]);
            assertEquals(fixture, acts.model());
            assertEquals(shard.getFileName().toString(), acts.shard());
            assertEquals(n, acts.nTokens());
            assertEquals(List.of("mlp_post", "mlp_pre"), acts.hooks());
            assertArrayEquals(ref.ints("input_ids"), acts.tokenIds());
            int[] pos = acts.positions();
            for (int i = 0; i < n; i++) {
                assertEquals(i % shape[1], pos[i]);
            }
            double err = 0;
            for (int l = 0; l < acts.nLayers(); l++) {
                err = Math.max(err, maxAbs(acts.layer("mlp_post", l), ref.floats("mlp_post." + l)));
            }
            System.out.println("golden " + fixture + " (extract CLI, HDF5 float32 vs transformers): max abs error mlp_post "
                    + String.format(Locale.ROOT, "%.2e", err));
            assertTrue(err <= 1e-4, fixture + " mlp_post error " + err);
        }
    }

    @Test
    void gpt2TinyActivationsMatchTransformers() {
        golden("gpt2-tiny", 1000, 2); // 3 sequences in batches of 2 and 1
    }

    @Test
    void neoxTinyActivationsMatchTransformers() {
        golden("neox-tiny", 900, 4);
    }

    @Test
    void float16OutputAndMaxSeqs() {
        Path shard = fixtureShard("gpt2-tiny", 1000);
        Path out = tmp.resolve("half.h5");
        ToolRunner r = ToolRunner.run(new ExtractTool(), "--checkpoint", TestData.hf("gpt2-tiny").toString(),
                "--shard", shard.toString(), "--output", out.toString(), "--dtype", "float16", "--max-seqs", "2",
                "--model-name", "tiny-a");
        assertEquals(0, r.exitCode, r.toString());
        try (Safetensors ref = Safetensors.open(TestData.hf("gpt2-tiny").resolve("reference.safetensors"));
             ActivationFile.Reader acts = ActivationFile.Reader.open(out)) {
            assertEquals("tiny-a", acts.model());
            assertEquals(64, acts.nTokens());
            // the shard's token filter travels with the activations (no BOS/EOS in these ids: nothing to drop)
            assertEquals(TokenShard.read(shard).filter(), acts.filter());
            assertEquals("none", String.valueOf(acts.attribute("filter_ids")));
            assertEquals(-1, acts.unkId(), "a shard without an unknown id gives none");
            assertEquals(List.of("mlp_post"), acts.hooks());
            // what made the file: gpt2-tiny's weights (testdata/hf/weights_sha256.py) and the 2 sequences read
            assertEquals("2e87fca4f7811dfb4fa24529d70dba4e39bbb82b7569634752aca1b0a5a26fad", acts.modelSha256());
            assertEquals(TokenShard.read(shard).contentSha256(2), acts.shardSha256());
            assertTrue(!acts.shardSha256().equals(TokenShard.read(shard).contentSha256()), "2 of 3 sequences");
            for (int l = 0; l < 2; l++) {
                float[] got = acts.layer("mlp_post", l);
                float[] want = ref.floats("mlp_post." + l);
                for (int i = 0; i < got.length; i++) {
                    // float16 keeps 11 significant bits: half an ulp is 2^-11 relative (normal range)
                    assertEquals(want[i], got[i], Math.abs(want[i]) * 4.9e-4 + 1e-4, "layer " + l + " value " + i);
                }
            }
        }
    }

    /** The shard's unknown id travels with the activations, beside its filter (statistics read both). */
    @Test
    void theShardsUnknownIdTravelsWithTheActivations() {
        Path plain = fixtureShard("gpt2-tiny", 1000);
        Path shard = tmp.resolve("unk.shard.h5");
        TokenShard s = TokenShard.read(plain);
        TokenShard.write(shard, s.tokens(), s.meta(), null, new org.uneurons.core.stats.TokenFilter(5, 999), 999);
        Path out = tmp.resolve("unk.acts.h5");
        ToolRunner r = ToolRunner.run(new ExtractTool(), "--checkpoint", TestData.hf("gpt2-tiny").toString(),
                "--shard", shard.toString(), "--output", out.toString(), "--max-seqs", "1");
        assertEquals(0, r.exitCode, r.toString());
        try (ActivationFile.Reader acts = ActivationFile.Reader.open(out)) {
            assertEquals(999, acts.unkId());
            assertEquals(999, ((Number) acts.attribute("unk_id")).intValue());
            assertEquals("5,999", String.valueOf(acts.attribute("filter_ids")));
        }
    }

    /** --checkpoint NAME=DIR names the model; a pytorch_model.bin twin gives the safetensors activations bit for bit. */
    @Test
    void namedPytorchCheckpointGivesTheSafetensorsActivations() {
        Path shard = fixtureShard("gpt2-tiny", 1000);
        Path st = tmp.resolve("st.h5");
        Path bin = tmp.resolve("bin.h5");
        ToolRunner r = ToolRunner.run(new ExtractTool(), "--checkpoint", TestData.hf("gpt2-tiny").toString(),
                "--shard", shard.toString(), "--output", st.toString(), "--hooks", "mlp_post,mlp_pre");
        assertEquals(0, r.exitCode, r.toString());
        r = ToolRunner.run(new ExtractTool(), "--checkpoint", "seed-a=" + TestData.hf("gpt2-tiny-bin"),
                "--shard", shard.toString(), "--output", bin.toString(), "--hooks", "mlp_post,mlp_pre");
        assertEquals(0, r.exitCode, r.toString());
        try (ActivationFile.Reader a = ActivationFile.Reader.open(st); ActivationFile.Reader b = ActivationFile.Reader.open(bin)) {
            assertEquals("gpt2-tiny", a.model());
            assertEquals("seed-a", b.model());
            // the twin holds more tensors (the tied lm_head, attention buffers): another identity, as Python computes it
            assertEquals("b76f4ac4253cc3f39f7dfd9f60a2fb8ddf92c2c2b7a78756e502a476981216dd", b.modelSha256());
            assertEquals(a.shardSha256(), b.shardSha256());
            for (String hook : List.of("mlp_post", "mlp_pre")) {
                for (int l = 0; l < 2; l++) {
                    assertArrayEquals(a.layer(hook, l), b.layer(hook, l), hook + " " + l);
                }
            }
        }
        r = ToolRunner.run(new ExtractTool(), "--checkpoint", "seed-a=" + TestData.hf("gpt2-tiny-bin"),
                "--model-name", "other", "--shard", shard.toString(), "--output", bin.toString());
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("extract: error: --model-name other and --checkpoint seed-a=" + TestData.hf("gpt2-tiny-bin")
                + " name the model twice", r.errorLine());
    }

    @Test
    void helpListsTheContractOptions() {
        ToolRunner r = ToolRunner.run(new ExtractTool(), "--help");
        assertEquals(0, r.exitCode, r.toString());
        for (String opt : List.of("--checkpoint", "--shard", "--output", "--batch-size", "--dtype", "--hooks", "--device",
                "--max-seqs", "--model-name")) {
            assertTrue(r.stdout.contains(opt), opt + " in --help: " + r.stdout);
        }
    }

    // ---- bad inputs: one line, exit code, and no output file (nor leftovers) after the failure

    private Path copyFixture(String fixture, String name) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(TestData.hf(fixture).resolve(f), dir.resolve(f));
        }
        return dir;
    }

    private ToolRunner failing(Path checkpoint, Path shard, String... extra) {
        Path outDir = tmp.resolve("out-" + System.nanoTime());
        Path out = outDir.resolve("acts.h5");
        String[] base = {"--checkpoint", checkpoint.toString(), "--shard", shard.toString(), "--output", out.toString()};
        String[] argv = Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new);
        try {
            Files.createDirectories(outDir); // an output's directory must exist
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        ToolRunner r = ToolRunner.run(new ExtractTool(), argv);
        assertFalse(Files.exists(out), "no output after a failure");
        try (Stream<Path> left = Files.list(outDir)) {
            assertEquals(List.of(), left.collect(Collectors.toList()), "nothing left beside the output");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return r;
    }

    @Test
    void truncatedSafetensors() throws IOException {
        Path ckpt = copyFixture("gpt2-tiny", "gpt2-cut");
        Path st = ckpt.resolve("model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(st.toFile(), "rw")) {
            f.setLength(f.length() - 1000);
        }
        ToolRunner r = failing(ckpt, fixtureShard("gpt2-tiny", 1000));
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("extract: error: " + st + ": " + truncationMessage(st), r.errorLine());
    }

    /** What the safetensors reader says about this truncated file (its own wording, tested in core). */
    private static String truncationMessage(Path st) {
        try {
            Safetensors.open(st).close();
            throw new AssertionError("truncated file opened");
        } catch (org.uneurons.core.cli.InputException e) {
            assertTrue(e.getMessage().startsWith(st + ": "), e.getMessage());
            return e.getMessage().substring(st.toString().length() + 2);
        }
    }

    @Test
    void configDoesNotMatchWeights() throws IOException {
        Path ckpt = copyFixture("gpt2-tiny", "gpt2-x");
        Path cfg = ckpt.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"n_inner\": 192", "\"n_inner\": 256"),
                StandardCharsets.UTF_8);
        ToolRunner r = failing(ckpt, fixtureShard("gpt2-tiny", 1000));
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("extract: error: checkpoint gpt2-x: tensor 'transformer.h.0.mlp.c_fc.weight' in "
                + ckpt.resolve("model.safetensors") + " has shape [48, 192] "
                + "but config.json (n_embd 48, n_inner 256) implies [48, 256]", r.errorLine());
    }

    @Test
    void missingTensor() throws IOException {
        Path ckpt = copyFixture("gpt2-tiny", "gpt2-untied");
        Path cfg = ckpt.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"tie_word_embeddings\": true",
                "\"tie_word_embeddings\": false"), StandardCharsets.UTF_8);
        ToolRunner r = failing(ckpt, fixtureShard("gpt2-tiny", 1000));
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("extract: error: checkpoint gpt2-untied: tensor 'lm_head.weight' is missing from "
                + ckpt.resolve("model.safetensors") + " (config.json "
                + "(vocab_size 1000, n_embd 48, tie_word_embeddings false) implies shape [1000, 48])", r.errorLine());
    }

    @Test
    void tokenIdsOutsideThisModelsVocabulary() {
        // gpt2-tiny's ids (vocabulary 1000) run on neox-tiny (vocabulary 900): valid shard, wrong model
        Path shard = fixtureShard("gpt2-tiny", 1000);
        int[][] t = TokenShard.read(shard).tokens();
        int s0 = -1;
        int t0 = -1;
        for (int s = 0; s < t.length && s0 < 0; s++) {
            for (int i = 0; i < t[s].length; i++) {
                if (t[s][i] >= 900) {
                    s0 = s;
                    t0 = i;
                    break;
                }
            }
        }
        assertTrue(s0 >= 0, "fixture has an id >= 900");
        ToolRunner r = failing(TestData.hf("neox-tiny"), shard);
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("extract: error: " + shard + ": token id " + t[s0][t0] + " at sequence " + s0 + ", position " + t0
                + " is outside the vocabulary of checkpoint neox-tiny [0, 900)", r.errorLine());
    }

    @Test
    void sequencesLongerThanTheContext() {
        Path shard = tmp.resolve("long.h5");
        TokenShard.write(shard, new int[2][65], new TokenShard.Meta("ids", 1000, -1, -1, "zeros"));
        ToolRunner r = failing(TestData.hf("gpt2-tiny"), shard);
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("extract: error: " + shard + ": sequences of 65 tokens exceed the context of checkpoint gpt2-tiny "
                + "(64 positions)", r.errorLine());
    }

    /** A token shard cut short by an interrupted copy: one line saying so, not a vocabulary error or a missing dataset. */
    @Test
    void truncatedShard() throws IOException {
        Path whole = fixtureShard("gpt2-tiny", 1000);
        long size = Files.size(whole);
        Path shard = tmp.resolve("cut.h5");
        Files.write(shard, java.util.Arrays.copyOf(Files.readAllBytes(whole), (int) (size / 2)));
        ToolRunner r = failing(TestData.hf("gpt2-tiny"), shard);
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("extract: error: " + shard + ": truncated: " + size / 2 + " bytes, its datasets need at least " + size
                + " (an interrupted copy or write?)", r.errorLine());
    }

    @Test
    void emptyShard() {
        Path shard = tmp.resolve("empty.h5");
        try (WritableHdfFile h = HdfFile.write(shard)) {
            h.putAttribute("tokenizer", "gpt2");
            h.putAttribute("vocab_size", 1000);
            h.putAttribute("bos_id", -1);
            h.putAttribute("eos_id", -1);
            h.putAttribute("source", "nothing");
            Hdf5.putStreamed(h, "tokens", Hdf5.Element.INT32, new long[] {0, 32}, o -> { });
        }
        ToolRunner r = failing(TestData.hf("gpt2-tiny"), shard);
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("extract: error: " + shard + ": /tokens is empty (shape [0, 32]); a token shard needs at least one "
                + "sequence", r.errorLine());
    }

    @Test
    void nonFiniteActivationsAreAnErrorNotAFile() {
        org.uneurons.models.RandomCheckpoint c = org.uneurons.models.RandomCheckpoint.gpt2();
        c.nLayers = 2;
        c.dModel = 16;
        c.nHeads = 2;
        c.dMlp = 32;
        c.vocab = 50;
        c.nCtx = 8;
        c.nanTensor = "transformer.h.1.mlp.c_fc.bias"; // neuron 0 of layer 1 is NaN at every token
        Path ckpt = c.writeGpt2(tmp.resolve("gpt2-nan"));
        Path shard = tmp.resolve("small.h5");
        TokenShard.write(shard, new int[][] {{1, 2, 3, 4}}, new TokenShard.Meta("ids", 50, -1, -1, "hand"));
        ToolRunner r = failing(ckpt, shard);
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("extract: error: checkpoint gpt2-nan: mlp_post of layer 1 is NaN at sequence 0, position 0, neuron 0 "
                + "(the weights produce non-finite activations)", r.errorLine());
    }

    @Test
    void float16StorageRefusesAValueBeyondItsRange() {
        org.uneurons.models.RandomCheckpoint c = org.uneurons.models.RandomCheckpoint.gpt2();
        c.nLayers = 2;
        c.dModel = 16;
        c.nHeads = 2;
        c.dMlp = 32;
        c.vocab = 50;
        c.nCtx = 8;
        c.nanTensor = "transformer.h.1.mlp.c_fc.bias";
        c.nanValue = 1e5f; // neuron 0 of layer 1 is about 1e5 at every token: finite, but not in float16
        Path ckpt = c.writeGpt2(tmp.resolve("gpt2-big"));
        Path shard = tmp.resolve("small-big.h5");
        TokenShard.write(shard, new int[][] {{1, 2, 3, 4}}, new TokenShard.Meta("ids", 50, -1, -1, "hand"));
        ToolRunner r = failing(ckpt, shard, "--dtype", "float16");
        assertEquals(1, r.exitCode, r.toString());
        assertTrue(r.errorLine().matches("extract: error: checkpoint gpt2-big: mlp_post of layer 1 is \\d{5,6}\\.\\d+ at"
                + " sequence 0, position 0, neuron 0, beyond float16's range \\(65504\\): use --dtype float32"), r.errorLine());
    }

    @Test
    void unknownOptionAndBadValues() {
        Path shard = fixtureShard("gpt2-tiny", 1000);
        ToolRunner r = failing(TestData.hf("gpt2-tiny"), shard, "--frobnicate");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("extract: error: unrecognized option: --frobnicate (see --help)", r.errorLine());
        r = failing(TestData.hf("gpt2-tiny"), shard, "--dtype", "bfloat16");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("extract: error: --dtype expects one of float32, float16, got 'bfloat16'", r.errorLine());
        r = failing(TestData.hf("gpt2-tiny"), shard, "--hooks", "mlp_pre");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("extract: error: --hooks must include mlp_post (activation files always hold it), got 'mlp_pre'",
                r.errorLine());
        r = failing(TestData.hf("gpt2-tiny"), shard, "--hooks", "resid");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("extract: error: --hooks expects mlp_post or mlp_post,mlp_pre, got 'resid'", r.errorLine());
        r = failing(TestData.hf("gpt2-tiny"), shard, "--batch-size", "0");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("extract: error: --batch-size expects a positive integer, got 0", r.errorLine());
        r = failing(TestData.hf("gpt2-tiny"), shard, "--device", "tpu");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("extract: error: --device expects cpu, gpu or gpu:N, got 'tpu'", r.errorLine());
        r = failing(tmp.resolve("no-such-dir"), shard);
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("extract: error: " + tmp.resolve("no-such-dir") + ": no such file or directory (--checkpoint)",
                r.errorLine());
    }
}
