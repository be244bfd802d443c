package org.uneurons.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.io.Hdf5;
import org.uneurons.core.io.InjectedFaults;
import org.uneurons.core.io.Safetensors;
import org.uneurons.formats.TokenShard;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.formats.ModelConfig;
import org.uneurons.models.TransformerModel;

class TrainToolTest {
    static final int VOCAB = 16;
    static final int CTX = 16;

    @TempDir
    Path tmp;

    /**
     * A shard cut from a periodic stream (period 7 over ids 1..7, BOS 0 + 15 stream tokens per row): the next token is
     * a function of the current one, so a model can drive the loss towards 0.
     */
    static Path periodicShard(Path file, int rows, int vocab) {
        int[][] t = new int[rows][CTX];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            t[r][0] = 0;
            for (int c = 1; c < CTX; c++) {
                t[r][c] = 1 + (k++ % 7);
            }
        }
        TokenShard.write(file, t, new TokenShard.Meta("test-periodic", vocab, 0, 0, "synthetic"));
        return file;
    }

    /** A tiny model's command line; {@code extra} options replace the defaults of the same name. */
    static List<String> tinyArgs(Path train, Path valid, Path out, String... extra) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("--train", train.toString());
        o.put("--outdir", out.toString());
        o.put("--n-layer", "2");
        o.put("--d-model", "32");
        o.put("--n-head", "4");
        o.put("--d-mlp", "64");
        o.put("--batch-size", "8");
        o.put("--eval-every", "10");
        o.put("--log-every", "5");
        o.put("--steps", "4");
        if (valid != null) {
            o.put("--valid", valid.toString());
        }
        List<String> flags = new ArrayList<>();
        for (int i = 0; i < extra.length; i++) {
            if (i + 1 < extra.length && !extra[i + 1].startsWith("--")) {
                o.put(extra[i], extra[++i]);
            } else {
                flags.add(extra[i]);
            }
        }
        List<String> a = new ArrayList<>();
        o.forEach((k, v) -> {
            a.add(k);
            a.add(v);
        });
        a.addAll(flags);
        return a;
    }

    static ToolRunner train(List<String> args) {
        return ToolRunner.run(new TrainTool(), args.toArray(new String[0]));
    }

    static JsonObject json(Path f) throws Exception {
        return JsonParser.parseString(Files.readString(f)).getAsJsonObject();
    }

    /** A checkpoint is published whole or not at all: training.json failing leaves no model.safetensors behind. */
    @Test
    void theCheckpointsFilesArePublishedTogether() throws Exception {
        Path train = periodicShard(tmp.resolve("train.h5"), 16, VOCAB);
        Path out = tmp.resolve("together");
        try (InjectedFaults f = InjectedFaults.failWriting("training.json",
                new java.io.IOException("No space left on device"))) {
            ToolRunner r = train(tinyArgs(train, null, out, "--steps", "0"));
            assertEquals(1, r.exitCode, r.toString());
            assertEquals("train: error: " + out.resolve("training.json") + ": No space left on device", r.errorLine());
        }
        try (var left = Files.list(out)) {
            assertEquals(List.of(), left.toList(), "no file of the checkpoint, no temporary");
        }
        ToolRunner r = train(tinyArgs(train, null, out, "--steps", "0"));
        assertEquals(0, r.exitCode, r.toString());
        try (var files = Files.list(out)) {
            assertEquals(List.of("config.json", "model.safetensors", "train_log.csv", "training.json"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void learnsAPeriodicSequenceAndTheCheckpointRunsThroughTheModelsCode() throws Exception {
        Path train = periodicShard(tmp.resolve("train.h5"), 64, VOCAB);
        Path valid = periodicShard(tmp.resolve("valid.h5"), 8, VOCAB);
        Path out = tmp.resolve("model");
        ToolRunner r = train(tinyArgs(train, valid, out, "--steps", "60", "--lr", "0.01", "--warmup", "5"));
        assertEquals(0, r.exitCode, r.toString());

        JsonObject info = json(out.resolve("training.json"));
        double finalVal = info.get("final_val_loss").getAsDouble();
        double finalTrain = info.get("final_train_loss").getAsDouble();
        assertTrue(finalVal < 0.1 * Math.log(VOCAB), "val loss " + finalVal + " not far below log(vocab)");
        assertTrue(finalTrain < 0.1 * Math.log(VOCAB), "train loss " + finalTrain);
        String[] log = Files.readString(out.resolve("train_log.csv")).split("\n");
        assertEquals("step,lr,train_loss,val_loss,grad_norm,tokens,elapsed_s", log[0]);
        assertTrue(log[1].startsWith("0,"), "validation loss of the initialisation first: " + log[1]);
        double initVal = Double.parseDouble(log[1].split(",")[3]);
        assertTrue(Math.abs(initVal - Math.log(VOCAB)) < 0.5, "initial loss " + initVal + " near log(vocab)");
        assertTrue(log[log.length - 1].startsWith("60,"));

        // The checkpoint as the rest of the pipeline sees it.
        ModelConfig cfg = ModelConfig.read(out, "model");
        assertEquals(2, cfg.nLayers);
        assertEquals(32, cfg.dModel);
        assertEquals(64, cfg.dMlp);
        assertEquals(CTX, cfg.nCtx);
        assertEquals(VOCAB, cfg.vocabSize);
        assertTrue(cfg.tiedUnembed);
        JsonObject config = json(out.resolve("config.json"));
        assertEquals("gpt2", config.get("model_type").getAsString());
        assertEquals("gelu_new", config.get("activation_function").getAsString());
        assertTrue(config.get("tie_word_embeddings").getAsBoolean());
        try (Safetensors st = Safetensors.open(out.resolve("model.safetensors"))) {
            assertTrue(st.names().contains("transformer.h.1.mlp.c_fc.weight"));
            assertArrayEquals(new long[] {32, 64}, st.info("transformer.h.1.mlp.c_fc.weight").shape(), "Conv1D [in, out]");
            assertFalse(st.names().contains("lm_head.weight"), "tied: no lm_head");
        }

        // Logits of the models code vs the training forward, on rows the model has not seen in this order.
        int[][] batch = TokenShard.read(valid).tokens();
        float[] viaModels;
        try (TransformerModel m = Checkpoints.load(out, Device.cpu());
             ForwardResult fr = m.forward(batch, EnumSet.of(Hook.LOGITS))) {
            viaModels = fr.logits().toFloatArray();
        }
        float[] viaTraining;
        Gpt2Shape shape = new Gpt2Shape(2, 32, 4, 64, CTX, VOCAB);
        try (TrainableGpt2 t = new TrainableGpt2(shape, readWeights(out, shape), Device.cpu());
             NDManager scratch = t.manager().newSubManager()) {
            int[] rows = new int[batch.length];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = i;
            }
            NDArray ids = TrainTool.ids(scratch, batch, rows);
            viaTraining = t.logits(ids).toFloatArray();
        }
        assertEquals(viaTraining.length, viaModels.length);
        double maxDiff = 0;
        double maxAbs = 0;
        for (int i = 0; i < viaModels.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(viaModels[i] - viaTraining[i]));
            maxAbs = Math.max(maxAbs, Math.abs(viaModels[i]));
        }
        assertTrue(maxDiff < 1e-4, "max |logit difference| " + maxDiff);
        assertTrue(maxAbs > 1, "trained logits are not trivially small: " + maxAbs);
    }

    static Map<String, float[]> readWeights(Path dir, Gpt2Shape shape) {
        Map<String, float[]> w = new LinkedHashMap<>();
        try (Safetensors st = Safetensors.open(dir.resolve("model.safetensors"))) {
            for (String n : shape.tensors().keySet()) {
                w.put(n, st.floats(n));
            }
        }
        return w;
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws Exception {
        Path train = periodicShard(tmp.resolve("train.h5"), 32, VOCAB);
        byte[][] ckpt = new byte[4][];
        String[][] runs = {{"--seed", "3", "--steps", "6"}, {"--seed", "3", "--steps", "6"},
                           {"--seed", "4", "--steps", "6"}, {"--seed", "3", "--steps", "0"}};
        for (int i = 0; i < runs.length; i++) {
            Path out = tmp.resolve("m" + i);
            ToolRunner r = train(tinyArgs(train, null, out, runs[i]));
            assertEquals(0, r.exitCode, r.toString());
            ckpt[i] = Files.readAllBytes(out.resolve("model.safetensors"));
        }
        assertArrayEquals(ckpt[0], ckpt[1], "same seed, same checkpoint bytes");
        assertFalse(java.util.Arrays.equals(ckpt[0], ckpt[2]), "another seed, another checkpoint");
        assertFalse(java.util.Arrays.equals(ckpt[0], ckpt[3]), "training changes the initialisation");

        // --steps 0 is exactly the seeded GPT-2 initialisation.
        Gpt2Shape shape = new Gpt2Shape(2, 32, 4, 64, CTX, VOCAB);
        Map<String, float[]> init = Gpt2Init.initialise(shape, 3);
        Map<String, float[]> saved = readWeights(tmp.resolve("m3"), shape);
        for (String n : shape.tensors().keySet()) {
            assertArrayEquals(init.get(n), saved.get(n), n);
        }
    }

    @Test
    void initialisationFollowsGpt2() {
        Gpt2Shape shape = new Gpt2Shape(4, 64, 4, 256, 32, 512);
        Map<String, float[]> w = Gpt2Init.initialise(shape, 11);
        for (Map.Entry<String, float[]> e : w.entrySet()) {
            String n = e.getKey();
            float[] v = e.getValue();
            if (n.contains(".ln_") && n.endsWith(".weight")) {
                for (float x : v) {
                    assertEquals(1f, x, n);
                }
            } else if (n.endsWith(".bias")) {
                for (float x : v) {
                    assertEquals(0f, x, n);
                }
            } else {
                double mean = 0;
                double sq = 0;
                for (float x : v) {
                    mean += x;
                    sq += (double) x * x;
                }
                mean /= v.length;
                double std = Math.sqrt(sq / v.length - mean * mean);
                double want = Gpt2Shape.isResidualProjection(n) ? 0.02 / Math.sqrt(8) : 0.02;
                assertEquals(want, std, want * 0.05, n);
                assertEquals(0, mean, want * 0.05, n);
            }
        }
        assertFalse(java.util.Arrays.equals(w.get("transformer.h.0.mlp.c_fc.weight"),
                Gpt2Init.initialise(shape, 12).get("transformer.h.0.mlp.c_fc.weight")));
    }

    @Test
    void badInputsAreOneLine() throws Exception {
        Path train = periodicShard(tmp.resolve("train.h5"), 16, VOCAB);
        ToolRunner r = train(tinyArgs(train, null, tmp.resolve("o"), "--vocab-size", "10", "--steps", "1"));
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("train: error: " + train + ": vocab_size 16 is larger than --vocab-size 10 (the model's "
                + "vocabulary must cover every id of the shards)", r.errorLine());

        Path empty = tmp.resolve("empty.h5");
        try (WritableHdfFile h = HdfFile.write(empty)) {
            h.putAttribute("tokenizer", "test");
            h.putAttribute("vocab_size", VOCAB);
            h.putAttribute("bos_id", 0);
            h.putAttribute("eos_id", 0);
            h.putAttribute("source", "empty");
            Hdf5.putStreamed(h, "tokens", Hdf5.Element.INT32, new long[] {0, CTX}, o -> { });
        }
        r = train(tinyArgs(empty, null, tmp.resolve("o"), "--steps", "1"));
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("train: error: " + empty + ": /tokens is empty (shape [0, 16]); a token shard needs at least one "
                + "sequence", r.errorLine());

        Path oneRow = periodicShard(tmp.resolve("one.h5"), 1, VOCAB);
        r = train(tinyArgs(oneRow, null, tmp.resolve("o"), "--steps", "1"));
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("train: error: " + oneRow + ": 1 row(s) of 16 tokens give no training example at --ctx 16 (the "
                + "last row only continues the one before it)", r.errorLine());

        r = train(tinyArgs(train, null, tmp.resolve("o"), "--bogus"));
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("train: error: unrecognized option: --bogus (see --help)", r.errorLine());

        r = train(tinyArgs(train, null, tmp.resolve("o"), "--d-model", "30"));
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("train: error: --d-model 30 is not divisible by --n-head 4", r.errorLine());
        assertFalse(Files.exists(tmp.resolve("o").resolve("model.safetensors")));
    }

    @Test
    void targetsContinueIntoTheNextRow() {
        Path shard = periodicShard(tmp.resolve("s.h5"), 3, VOCAB);
        TrainingRows full = TrainingRows.read(List.of(shard), 0, "train");
        assertEquals(2, full.size());
        int[][] t = TokenShard.read(shard).tokens();
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(t[i], full.inputs[i]);
            for (int c = 0; c < CTX - 1; c++) {
                assertEquals(t[i][c + 1], full.targets[i][c]);
            }
            assertEquals(t[i + 1][1], full.targets[i][CTX - 1], "the stream continues after BOS of the next row");
        }
        TrainingRows shorter = TrainingRows.read(List.of(shard), 8, "train");
        assertEquals(3, shorter.size());
        assertEquals(t[2][8], shorter.targets[2][7]);
    }
}
