package org.uneurons.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.blas.OpenBlasGemm;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.core.io.Hdf5Reader;
import org.uneurons.core.io.SafetensorsWriter;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.WeightSource;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.models.ProcessedWeights;
import org.uneurons.models.RandomCheckpoint;
import org.uneurons.models.TransformerModel;
import org.uneurons.models.WeightProcessing;

/**
 * Attention-deactivation scores: the BOS keys of the processed float64 model against the keys the DJL model computes
 * on the raw checkpoint (TransformerLens' processing leaves keys unchanged), the scores against a loop over pairs
 * written the other way round, and a neuron planted in a checkpoint to write a head's BOS query found by the tool.
 */
class AttentionScoresTest {
    @TempDir
    Path tmp;

    static ProcessedWeights processed(Path ck) {
        try (CheckpointWeights st = CheckpointWeights.open(ck)) {
            return WeightProcessing.process(ModelConfig.read(ck, "m"), WeightSource.of(st));
        }
    }

    /** A checkpoint's tensors edited in place: every tensor read, {@code edit} applied, the file written again. */
    static void rewrite(Path ck, Consumer<Map<String, float[]>> edit) {
        Map<String, float[]> data = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (CheckpointWeights st = CheckpointWeights.open(ck)) {
            for (String name : st.names().stream().sorted().toList()) {
                data.put(name, st.floats(name));
                shapes.put(name, st.info(name).shape());
            }
        }
        edit.accept(data);
        SafetensorsWriter sw = new SafetensorsWriter();
        data.forEach((name, x) -> sw.putF32(name, x, shapes.get(name)));
        Path file = ck.resolve(CheckpointWeights.SAFETENSORS);
        try {
            Files.delete(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sw.write(file);
    }

    /** bos_token_id written into a checkpoint's config.json. */
    static void setBos(Path ck, int bos) throws IOException {
        Path cfg = ck.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replaceFirst("\\{", "{\n  \"bos_token_id\": " + bos + ","));
    }

    /**
     * The BOS keys of the processed model against a plain float64 forward on the raw tensors (RawBosKeys), to 1e-9:
     * GPT-2 (tanh and exact GELU) and NeoX (parallel and sequential residual). Adversarial inputs: the BOS row of the
     * embedding a large constant plus tiny noise (the raw LayerNorm removes the constant, the processing centres it
     * away; the variance, 1e-6, is below eps 1e-5, so eps must enter both the same way), LayerNorm scales with sign
     * flips, and the BOS id taken from the config's bos_token_id.
     */
    @Test
    void bosKeysEqualAPlainFloat64ForwardOnTheRawCheckpoint() throws IOException {
        RandomCheckpoint g = RandomCheckpoint.gpt2();
        g.nLayers = 3;
        g.seed = 51;
        RandomCheckpoint ge = RandomCheckpoint.gpt2();
        ge.nLayers = 2;
        ge.gpt2Activation = "gelu";
        ge.prefixed = false;
        ge.seed = 52;
        RandomCheckpoint np = RandomCheckpoint.neox();
        np.nLayers = 3;
        np.seed = 53;
        RandomCheckpoint ns = RandomCheckpoint.neox();
        ns.nLayers = 3;
        ns.parallel = false;
        ns.seed = 54;
        Path[] cks = {g.writeGpt2(tmp.resolve("g")), ge.writeGpt2(tmp.resolve("ge")), np.writeNeox(tmp.resolve("np")),
            ns.writeNeox(tmp.resolve("ns"))};
        int bos = 11, d = 32;
        for (Path ck : cks) {
            setBos(ck, bos);
            rewrite(ck, t -> {
                java.util.Random r = new java.util.Random(3);
                for (String name : t.keySet()) {
                    float[] x = t.get(name);
                    if (name.endsWith("wte.weight") || name.endsWith("embed_in.weight")) {
                        for (int i = 0; i < d; i++) {
                            x[bos * d + i] = (float) (40 + 1e-3 * r.nextGaussian());
                        }
                    } else if (name.endsWith("wpe.weight")) {
                        for (int i = 0; i < d; i++) {
                            x[i] = (float) (-7 + 1e-3 * r.nextGaussian());
                        }
                    } else if (name.endsWith("ln_1.weight") || name.endsWith("input_layernorm.weight")) {
                        for (int i = 0; i < d; i += 3) {
                            x[i] = -2 * x[i];
                        }
                    }
                }
            });
            ModelConfig cfg = ModelConfig.read(ck, "m");
            assertEquals(bos, cfg.bosTokenId);
            double[][][] got = AttentionScores.bosKeys(processed(ck), cfg, cfg.bosTokenId);
            double[][][] want = RawBosKeys.keys(ck, bos);
            double worst = 0, size = 0;
            for (int l = 0; l < cfg.nLayers; l++) {
                for (int h = 0; h < cfg.nHeads; h++) {
                    for (int c = 0; c < cfg.headDim(); c++) {
                        worst = Math.max(worst, Math.abs(got[l][h][c] - want[l][h][c]));
                        size = Math.max(size, Math.abs(want[l][h][c]));
                    }
                }
            }
            assertTrue(size > 0.1, ck + ": keys of size " + size);
            assertTrue(worst < 1e-9 * size, ck + ": BOS keys differ by " + worst + " (largest " + size + ")");
        }
        // the same keys for another token would not do: the check can tell tokens apart
        Path ck = cks[0];
        double[][][] other = RawBosKeys.keys(ck, bos + 1);
        assertTrue(Math.abs(other[0][0][0] - AttentionScores.bosKeys(processed(ck), ModelConfig.read(ck, "m"), bos)[0][0][0])
                > 1e-6);
    }

    @Test
    void bosKeysEqualTheModelsKeysOnTheRawCheckpoint() {
        RandomCheckpoint g = RandomCheckpoint.gpt2();
        g.nLayers = 3;
        g.seed = 21;
        RandomCheckpoint ge = RandomCheckpoint.gpt2();
        ge.nLayers = 2;
        ge.gpt2Activation = "gelu";
        ge.seed = 22;
        RandomCheckpoint np = RandomCheckpoint.neox();
        np.nLayers = 3;
        np.seed = 23;
        RandomCheckpoint ns = RandomCheckpoint.neox();
        ns.nLayers = 2;
        ns.parallel = false;
        ns.seed = 24;
        Path[] cks = {g.writeGpt2(tmp.resolve("g")), ge.writeGpt2(tmp.resolve("ge")), np.writeNeox(tmp.resolve("np")),
            ns.writeNeox(tmp.resolve("ns"))};
        for (Path ck : cks) {
            ModelConfig cfg = ModelConfig.read(ck, "m");
            int bos = 7;
            double[][][] k = AttentionScores.bosKeys(processed(ck), cfg, bos);
            try (TransformerModel m = Checkpoints.load(ck, Device.cpu());
                 ForwardResult r = m.forward(new int[][] {{bos}}, EnumSet.of(Hook.ATTN_K))) {
                double worst = 0;
                for (int l = 0; l < cfg.nLayers; l++) {
                    float[] djl = ForwardResult.floats(r.attnK(l)); // [heads, 1, d_head]
                    for (int h = 0; h < cfg.nHeads; h++) {
                        for (int c = 0; c < cfg.headDim(); c++) {
                            worst = Math.max(worst, Math.abs(djl[h * cfg.headDim() + c] - k[l][h][c]));
                        }
                    }
                }
                assertTrue(worst < 2e-5, ck + ": BOS keys differ by " + worst);
            }
        }
    }

    /**
     * Every score against a loop over (neuron, head) pairs taking the product in the other order, (w_out W_Q) . k, to
     * one float32 step. Adversarial rows in layer 0: a zero w_out (score 0, not NaN), one scaled by 1e30 and one by
     * 1e-30 (the unit normalisation must not overflow or lose them), and one along a head's query direction (all four
     * switched off at BOS); a zero row in layer 1 whose first later head, (2, 0), has W_Q = 0 (ratio 0 / 0).
     */
    @Test
    void scoresEqualALoopOverPairs() {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.nLayers = 3;
        c.dMlp = 24;
        c.seed = 31;
        Path ck = c.writeGpt2(tmp.resolve("m"));
        ModelConfig cfg = ModelConfig.read(ck, "m");
        ProcessedWeights w = processed(ck);
        int d = w.dModel, hd = w.dHead, nh = w.nHeads;
        for (int j = 0; j < 4; j++) { // off at BOS, so that the query direction below is the planted model's
            for (int r = 0; r < d; r++) {
                w.wIn[0][r * 24 + j] = 0;
            }
            w.bIn[0][j] = -30;
        }
        java.util.Arrays.fill(w.wOut[1], 0, d, 0);
        java.util.Arrays.fill(w.wQ[2], 0, d * hd, 0); // head (2, 0) reads nothing: its scores and baseline are all 0
        double[] q = AttentionScores.queryDirections(w, AttentionScores.bosKeys(w, cfg, 3))[2 * nh + 3];
        for (int r = 0; r < d; r++) {
            w.wOut[0][r] = 0;
            w.wOut[0][d + r] *= 1e30;
            w.wOut[0][2 * d + r] *= 1e-30;
            w.wOut[0][3 * d + r] = q[r];
        }
        AttentionScores.Result a;
        try (OpenBlasGemm gemm = new OpenBlasGemm(1)) {
            a = AttentionScores.compute(w, cfg, 3, 50, 1, gemm);
        }
        double[][][] k = a.kBos();
        for (int l = 0; l < 3; l++) {
            for (int j = 0; j < 24; j++) {
                double norm = 0;
                for (int r = 0; r < d; r++) {
                    norm += w.wOut[l][j * d + r] * w.wOut[l][j * d + r];
                }
                for (int hl = 0; hl < 3; hl++) {
                    for (int h = 0; h < nh; h++) {
                        float got = a.scores()[l * 24 + j][hl * nh + h];
                        if (hl <= l) {
                            assertTrue(Float.isNaN(got), "not a later head");
                            continue;
                        }
                        double s = 0;
                        for (int col = 0; col < hd; col++) {
                            double qq = 0;
                            for (int r = 0; r < d; r++) {
                                qq += w.wOut[l][j * d + r] * w.wQ[hl][(h * d + r) * hd + col];
                            }
                            s += qq * k[hl][h][col];
                        }
                        s = norm == 0 ? 0 : s / (Math.sqrt(norm) * Math.sqrt(hd));
                        assertEquals(s, got, Math.ulp((float) s) + 1e-13, "L" + l + "." + j + " head " + hl + "." + h);
                    }
                }
            }
        }
        double qNorm = Math.sqrt(java.util.Arrays.stream(q).map(x -> x * x).sum());
        assertEquals(qNorm, a.scores()[3][2 * nh + 3], Math.ulp((float) qNorm), "along the query direction: |q|");
        assertEquals(0f, a.scores()[0][nh]);
        // the best head, its ratio to the largest random |s| of that head, and the candidate rule
        for (int i = 0; i < 2 * 24; i++) {
            int kk = a.bestLayer()[i] * nh + a.bestHead()[i];
            assertTrue(a.bestLayer()[i] > i / 24, "a later head");
            for (int other = (i / 24 + 1) * nh; other < 3 * nh; other++) {
                assertTrue(Math.abs(a.scores()[i][other]) <= Math.abs(a.scores()[i][kk]));
            }
            double max = 0;
            for (float[] r : a.random()) {
                max = Math.max(max, Math.abs(r[kk]));
            }
            assertEquals(a.scores()[i][kk], a.bestScore()[i]);
            assertEquals(max == 0 ? 0 : Math.abs(a.bestScore()[i]) / max, a.ratio()[i], 1e-12);
            assertEquals(a.bestScore()[i] > 0 && a.ratio()[i] > 1, a.candidate()[i]);
        }
        assertTrue(a.candidate()[3], "the row along head (2, 3)'s query direction");
        assertFalse(a.candidate()[0], "the zero row");
        assertEquals(0, a.bestScore()[24]);
        assertEquals(2 * nh, a.bestLayer()[24] * nh + a.bestHead()[24], "a zero row in layer 1: the first later head");
        assertEquals(0, a.ratio()[24], "0 / 0 with head (2, 0)'s zero baseline: no evidence, ratio 0");
        assertFalse(a.candidate()[24]);
        for (int i = 2 * 24; i < 3 * 24; i++) {
            assertEquals(-1, a.bestHead()[i], "last layer: no later head");
            assertTrue(Double.isNaN(a.bestScore()[i]) && Double.isNaN(a.ratio()[i]) && !a.candidate()[i]);
        }
    }

    /**
     * Neurons planted in processed weights (3 layers, 64 neurons each): in layer 0, neuron 5's w_out is 1000 x head
     * (1, 2)'s query direction W_Q k_BOS / sqrt(d_head), neuron 6's -0.001 x the same, and in layer 1 neuron 9's is
     * head (2, 0)'s plus an equal-norm random part orthogonal to it (cosine 1/sqrt 2). Each is switched off at BOS
     * (w_in column 0, b_in -30: GELU gives exactly 0) before the keys are computed, so the keys the directions were
     * made from are those of the planted model.
     */
    @Test
    void neuronsPlantedInProcessedWeights() {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.nLayers = 3;
        c.dModel = 48;
        c.nHeads = 4;
        c.dMlp = 64;
        c.seed = 61;
        Path ck = c.writeGpt2(tmp.resolve("p"));
        ModelConfig cfg = ModelConfig.read(ck, "m");
        ProcessedWeights w = processed(ck);
        int d = 48, m = 64, nh = 4, bos = cfg.bosTokenId;
        // switched off first: the keys below are then those of the planted model
        for (int[] ln : new int[][] {{0, 5}, {0, 6}, {1, 9}}) {
            for (int r = 0; r < d; r++) {
                w.wIn[ln[0]][r * m + ln[1]] = 0;
            }
            w.bIn[ln[0]][ln[1]] = -30;
        }
        double[][][] keys = AttentionScores.bosKeys(w, cfg, bos);
        double[][] q = AttentionScores.queryDirections(w, keys);
        double[] q12 = q[nh + 2], q20 = q[2 * nh];
        double[] orth = new double[d];
        java.util.Random rnd = new java.util.Random(5);
        for (int r = 0; r < d; r++) {
            orth[r] = rnd.nextGaussian();
        }
        double mean = java.util.Arrays.stream(orth).average().orElseThrow(); // centred, as processed w_out rows are
        double dot = 0, n20 = 0;
        for (int r = 0; r < d; r++) {
            orth[r] -= mean;
            dot += orth[r] * q20[r];
            n20 += q20[r] * q20[r];
        }
        double no = 0;
        for (int r = 0; r < d; r++) {
            orth[r] -= dot / n20 * q20[r];
            no += orth[r] * orth[r];
        }
        for (int r = 0; r < d; r++) {
            w.wOut[0][5 * d + r] = 1000 * q12[r];
            w.wOut[0][6 * d + r] = -0.001 * q12[r];
            w.wOut[1][9 * d + r] = q20[r] + orth[r] * Math.sqrt(n20 / no);
        }
        AttentionScores.Result a;
        try (OpenBlasGemm gemm = new OpenBlasGemm(1)) {
            a = AttentionScores.compute(w, cfg, bos, 1000, WeightsTool.BOS_SEED, gemm);
        }
        assertTrue(java.util.Arrays.deepEquals(keys, a.kBos()), "the planted neurons are off at BOS: keys unchanged");
        double norm12 = Math.sqrt(java.util.Arrays.stream(q12).map(x -> x * x).sum());
        int[] planted = {5, 6, m + 9};
        assertEquals(1, a.bestLayer()[5]);
        assertEquals(2, a.bestHead()[5]);
        assertEquals(norm12, a.bestScore()[5], 1e-6 * norm12, "s = |q| along the query direction");
        assertTrue(a.ratio()[5] > 1 && a.candidate()[5], "ratio " + a.ratio()[5]);
        assertEquals(1, a.bestLayer()[6]);
        assertEquals(2, a.bestHead()[6]);
        assertEquals(-norm12, a.bestScore()[6], 1e-6 * norm12, "the same score negated, whatever the scale");
        assertEquals(a.ratio()[5], a.ratio()[6], 1e-6);
        assertFalse(a.candidate()[6]);
        assertEquals(2, a.bestLayer()[m + 9]);
        assertEquals(0, a.bestHead()[m + 9]);
        assertEquals(Math.sqrt(n20 / 2), a.bestScore()[m + 9], 1e-6 * Math.sqrt(n20), "cosine 1/sqrt 2");
        assertTrue(a.candidate()[m + 9], "ratio " + a.ratio()[m + 9]);
        // random neurons: a random direction beats all 1000 random ones on its best head about once in 1001 tries per
        // head it could pick, so a handful at most of the 125 (layers 0 and 1 without the planted three)
        int above = 0;
        for (int i = 0; i < 2 * m; i++) {
            if (i != planted[0] && i != planted[1] && i != planted[2]) {
                above += a.ratio()[i] > 1 ? 1 : 0;
            }
        }
        assertTrue(above <= 3, above + " random neurons above the baseline");
        for (int i = 2 * m; i < 3 * m; i++) {
            assertEquals(-1, a.bestLayer()[i]);
            assertFalse(a.candidate()[i]);
        }
    }

    /**
     * In layer 1 of a 3-layer GPT-2, neuron 7's c_proj row is 5 W_Q k_BOS of head (2, 1) and neuron 8's its negative;
     * both have c_fc column 0 and bias -20, so they are off everywhere (GELU(-20) ~ 0) and leave the BOS keys alone.
     */
    @Test
    void aNeuronWritingAHeadsBosQueryIsFoundByTheTool() throws Exception {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.nLayers = 3;
        c.dModel = 48;
        c.nHeads = 4;
        c.dMlp = 64;
        c.seed = 41;
        Path ck = c.writeGpt2(tmp.resolve("planted"));
        ModelConfig cfg = ModelConfig.read(ck, "m");
        int d = 48, m = 64, head = 1;
        double[] q = AttentionScores.queryDirections(processed(ck),
                AttentionScores.bosKeys(processed(ck), cfg, cfg.bosTokenId))[2 * 4 + head];
        Map<String, float[]> data = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (CheckpointWeights st = CheckpointWeights.open(ck)) {
            for (String name : st.names().stream().sorted().toList()) {
                data.put(name, st.floats(name));
                shapes.put(name, st.info(name).shape());
            }
        }
        float[] fc = data.get("transformer.h.1.mlp.c_fc.weight"); // [d_model, d_mlp]
        float[] fcBias = data.get("transformer.h.1.mlp.c_fc.bias");
        float[] proj = data.get("transformer.h.1.mlp.c_proj.weight"); // [d_mlp, d_model]
        for (int n : new int[] {7, 8}) {
            for (int r = 0; r < d; r++) {
                fc[r * m + n] = 0;
                proj[n * d + r] = (float) ((n == 7 ? 5 : -5) * q[r]);
            }
            fcBias[n] = -20;
        }
        SafetensorsWriter sw = new SafetensorsWriter();
        data.forEach((name, x) -> sw.putF32(name, x, shapes.get(name)));
        Path file = ck.resolve(CheckpointWeights.SAFETENSORS);
        Files.delete(file);
        sw.write(file);

        Path out = tmp.resolve("out");
        ToolRunner r = ToolRunner.run(new WeightsTool(), "--checkpoint", ck.toString(), "--outdir", out.toString(),
                "--null-k", "4", "--threads", "1");
        assertEquals(0, r.exitCode, r::toString);
        List<String> rows = Files.readAllLines(out.resolve("roles.csv"));
        List<String> header = List.of(rows.get(0).split(","));
        String[] planted = rows.get(1 + m + 7).split(",", -1);
        String[] negative = rows.get(1 + m + 8).split(",", -1);
        assertEquals("2", planted[header.indexOf("bos_layer")]);
        assertEquals(String.valueOf(head), planted[header.indexOf("bos_head")]);
        assertTrue(Double.parseDouble(planted[header.indexOf("bos_score")]) > 0);
        assertTrue(Double.parseDouble(planted[header.indexOf("bos_ratio")]) > 1);
        assertEquals("true", planted[header.indexOf("attention_candidate")]);
        assertEquals(String.valueOf(head), negative[header.indexOf("bos_head")]);
        assertTrue(Double.parseDouble(negative[header.indexOf("bos_score")]) < 0);
        assertEquals("false", negative[header.indexOf("attention_candidate")]);
        long random = rows.stream().skip(1).filter(x -> x.endsWith(",true")).count();
        assertTrue(random <= 1 + 3, "the planted neuron and at most a few random ones pass: " + random);
        String[] last = rows.get(1 + 2 * m).split(",", -1);
        assertEquals("", last[header.indexOf("bos_layer")]);
        assertEquals("false", last[header.indexOf("attention_candidate")]);
        try (Hdf5Reader h = Hdf5Reader.open(out.resolve("attention_scores.h5"))) {
            assertArrayEquals(new int[] {3, m, 3, 4}, h.shape("/scores", "scores"));
            assertArrayEquals(new int[] {1000, 3, 4}, h.shape("/random_scores", "scores"));
            assertArrayEquals(new int[] {3, 4, 12}, h.shape("/k_bos", "scores"));
        }
        assertTrue(r.stderr.contains("attention-deactivation candidate(s) (BOS token " + cfg.bosTokenId), r.stderr);
    }
}
