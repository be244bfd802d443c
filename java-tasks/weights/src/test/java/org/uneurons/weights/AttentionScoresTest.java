package org.uneurons.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

    @Test
    void scoresEqualALoopOverPairs() {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.nLayers = 3;
        c.dMlp = 24;
        c.seed = 31;
        Path ck = c.writeGpt2(tmp.resolve("m"));
        ModelConfig cfg = ModelConfig.read(ck, "m");
        ProcessedWeights w = processed(ck);
        AttentionScores.Result a = AttentionScores.compute(w, cfg, 3, 50, 1);
        double[][][] k = a.kBos();
        int d = w.dModel, hd = w.dHead, nh = w.nHeads;
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
                        // (w_out W_Q) . k: the product taken in the other order
                        double s = 0;
                        for (int col = 0; col < hd; col++) {
                            double q = 0;
                            for (int r = 0; r < d; r++) {
                                q += w.wOut[l][j * d + r] * w.wQ[hl][(h * d + r) * hd + col];
                            }
                            s += q * k[hl][h][col];
                        }
                        s /= Math.sqrt(norm) * Math.sqrt(hd);
                        assertEquals(s, got, 1e-6 * Math.max(1, Math.abs(s)), "L" + l + "." + j + " head " + hl + "." + h);
                    }
                }
            }
        }
        // the best head, its ratio to the largest random |s| of that head, and the candidate rule
        for (int i = 0; i < 2 * 24; i++) {
            int kk = a.bestLayer()[i] * nh + a.bestHead()[i];
            for (int other = (i / 24 + 1) * nh; other < 3 * nh; other++) {
                assertTrue(Math.abs(a.scores()[i][other]) <= Math.abs(a.scores()[i][kk]));
            }
            double max = 0;
            for (float[] r : a.random()) {
                max = Math.max(max, Math.abs(r[kk]));
            }
            assertEquals(Math.abs(a.bestScore()[i]) / max, a.ratio()[i], 1e-12);
            assertEquals(a.bestScore()[i] > 0 && a.ratio()[i] > 1, a.candidate()[i]);
        }
        for (int i = 2 * 24; i < 3 * 24; i++) {
            assertEquals(-1, a.bestHead()[i], "last layer: no later head");
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
