package org.uneurons.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.jhdf.HdfFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.core.io.SafetensorsWriter;
import org.uneurons.core.io.TensorInfo;
import org.uneurons.core.stats.PlainGemm;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.TopTokensFile;
import org.uneurons.formats.WeightSource;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.ProcessedWeights;
import org.uneurons.models.RandomCheckpoint;
import org.uneurons.models.WeightProcessing;
import org.uneurons.models.WeightStats;

/** The tool on a random GPT-2 checkpoint: what it writes against the vocabulary statistics and its own percentiles. */
class WeightsToolTest {
    @TempDir
    Path tmp;

    @Test
    void writesOneRowPerNeuronAndPerLayer() throws Exception {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.nLayers = 3;
        c.dMlp = 40;
        Path ck = c.writeGpt2(tmp.resolve("m3"));
        Path out = tmp.resolve("out");
        ToolRunner r = ToolRunner.run(new WeightsTool(), "--checkpoint", ck.toString(), "--outdir", out.toString(),
                "--null-k", "4", "--vocab-block", "37", "--threads", "1");
        assertEquals(0, r.exitCode, r::toString);
        assertTrue(r.stderr.contains("weights: m3, 3 x 40 neurons:"), r.stderr);

        ProcessedWeights w;
        try (CheckpointWeights st = CheckpointWeights.open(ck)) {
            w = WeightProcessing.process(ModelConfig.read(ck, Checkpoints.name(ck)), WeightSource.of(st));
        }
        var vocab = WeightStats.vocab(w, new PlainGemm(), 300);
        List<String> rows = Files.readAllLines(out.resolve("roles.csv"));
        assertEquals("layer,neuron,vocab_mean,vocab_var,vocab_skew,vocab_kurt,w_out_norm,l2_penalty,null_fraction,role,"
                + "entropy_candidate,bos_layer,bos_head,bos_score,bos_ratio,attention_candidate", rows.get(0));
        assertEquals(1 + 3 * 40, rows.size());
        double[][] kurt = new double[3][40], skew = new double[3][40];
        for (int i = 0; i < 120; i++) {
            String[] f = rows.get(1 + i).split(",");
            assertEquals(i / 40, Integer.parseInt(f[0]));
            assertEquals(i % 40, Integer.parseInt(f[1]));
            assertEquals(vocab.get("vocab_var")[i], Double.parseDouble(f[3]), 1e-12);
            assertEquals(vocab.get("vocab_kurt")[i], Double.parseDouble(f[5]), 1e-9);
            double frac = Double.parseDouble(f[8]);
            assertTrue(frac >= 0 && frac <= 1, f[8]);
            assertEquals(Roles.role(vocab.get("vocab_var")[i], vocab.get("vocab_skew")[i], vocab.get("vocab_kurt")[i]), f[9]);
            kurt[i / 40][i % 40] = Double.parseDouble(f[5]);
            skew[i / 40][i % 40] = Double.parseDouble(f[4]);
        }
        List<String> layers = Files.readAllLines(out.resolve("roles_layers.csv"));
        assertEquals("layer,prediction,suppression,partition,entropy_candidates,attention_candidates,vocab_kurt_p5,vocab_kurt_p10,vocab_kurt_p50,"
                + "vocab_kurt_p90,vocab_kurt_p95,vocab_skew_p5,vocab_skew_p10,vocab_skew_p50,vocab_skew_p90,vocab_skew_p95",
                layers.get(0));
        assertEquals(4, layers.size());
        for (int l = 0; l < 3; l++) {
            String[] f = layers.get(1 + l).split(",");
            // the median by sorting, as its own reference (40 values: the mean of the 20th and 21st)
            double[] k = kurt[l].clone(), s = skew[l].clone();
            Arrays.sort(k);
            Arrays.sort(s);
            assertEquals((k[19] + k[20]) / 2, Double.parseDouble(f[8]), 1e-12);
            assertEquals((s[19] + s[20]) / 2, Double.parseDouble(f[13]), 1e-12);
            // p5 of 40 values: position 0.05 * 39 = 1.95 in the sorted order
            assertEquals(k[1] + 0.95 * (k[2] - k[1]), Double.parseDouble(f[6]), 1e-12);
            String layer = l + ",";
            long counted = rows.stream().skip(1).filter(x -> x.startsWith(layer)).filter(x -> x.contains(",prediction,"))
                    .count();
            assertEquals(counted, Long.parseLong(f[1]));
        }
    }

    /**
     * top_tokens.h5 of the tool on a random checkpoint (vocabulary 300, a block size that does not divide it): the
     * attributes and shapes, and every kept token's product against W_U^T w_out of the processed weights computed
     * plainly in float64 (ranks by a plain sort where the values are apart by more than rounding); more tokens than
     * the vocabulary is refused in one line with nothing written.
     */
    @Test
    void topTokensFollowThePlainProduct() throws Exception {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.nLayers = 2;
        c.dMlp = 24;
        c.seed = 5;
        Path ck = c.writeGpt2(tmp.resolve("t2"));
        Path out = tmp.resolve("out");
        ToolRunner r = ToolRunner.run(new WeightsTool(), "--checkpoint", ck.toString(), "--outdir", out.toString(),
                "--null-k", "4", "--vocab-block", "37", "--threads", "1", "--top-tokens", "6");
        assertEquals(0, r.exitCode, r::toString);
        ProcessedWeights w;
        try (CheckpointWeights st = CheckpointWeights.open(ck)) {
            w = WeightProcessing.process(ModelConfig.read(ck, Checkpoints.name(ck)), WeightSource.of(st));
        }
        int d = w.dModel, m = w.dMlp, V = w.vocab, k = 6;
        try (HdfFile h = new HdfFile(out.resolve("top_tokens.h5"))) {
            assertEquals("uneurons-top-tokens/1", h.getAttribute("format").getData());
            assertArrayEquals(new int[] {2 * m, k}, h.getDatasetByPath("/top_ids").getDimensions());
        }
        TopTokensFile.TopTokens t = TopTokensFile.read(out.resolve("top_tokens.h5"));
        assertEquals("t2", t.model());
        assertEquals(V, t.vocabSize());
        for (int l = 0; l < 2; l++) {
            for (int j = 0; j < m; j++) {
                double[] p = new double[V];
                for (int v = 0; v < V; v++) {
                    for (int e = 0; e < d; e++) {
                        p[v] += w.wOut[l][j * d + e] * w.wU[e * V + v];
                    }
                }
                double[] sorted = p.clone();
                Arrays.sort(sorted);
                int row = l * m + j;
                for (int i = 0; i < k; i++) {
                    double tol = 1e-6 * Math.max(1, Math.abs(sorted[V - 1]));
                    String at = " " + i + " of " + l + "." + j;
                    assertEquals(sorted[V - 1 - i], t.topValues()[row][i], tol, "top value" + at);
                    assertEquals(sorted[i], t.bottomValues()[row][i], tol, "bottom value" + at);
                    assertEquals(p[t.topIds()[row][i]], t.topValues()[row][i], tol, "top id" + at);
                    assertEquals(p[t.bottomIds()[row][i]], t.bottomValues()[row][i], tol, "bottom id" + at);
                }
            }
        }
        ToolRunner bad = ToolRunner.run(new WeightsTool(), "--checkpoint", ck.toString(), "--outdir",
                tmp.resolve("o").toString(), "--top-tokens", "301");
        assertEquals(2, bad.exitCode, bad::toString);
        assertEquals("weights: error: --top-tokens 301 is more than the vocabulary's 300 tokens", bad.errorLine());
        assertFalse(Files.exists(tmp.resolve("o").resolve("top_tokens.h5")));
    }

    /**
     * The attention-deactivation outputs of the tool on a random GPT-2 checkpoint (3 layers, 40 neurons, 4 heads,
     * bos_token_id 5 in the config; 3 random directions, so that many neurons pass): attention_scores.h5's attributes
     * and shapes, NaN exactly where the head's layer is not after the neuron's, its keys against the plain float64
     * forward on the raw tensors; roles.csv's bos_* columns against the argmax of |/scores| over later heads and the
     * largest |/random_scores|, the candidate rule, empty fields for the last layer, roles_layers.csv's
     * attention_candidates. --bos-token overriding the config with the default 1000 directions: the baseline's mean
     * square per head against |W_Q k / sqrt(d_head)|^2 / d_model (what unit random directions give); the same bytes
     * from a second run; a token out of the vocabulary refused.
     */
    @Test
    void attentionScoresFileAgreesWithRolesCsv() throws Exception {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.nLayers = 3;
        c.dMlp = 40;
        c.seed = 71;
        Path ck = c.writeGpt2(tmp.resolve("a3"));
        AttentionScoresTest.setBos(ck, 5);
        Path out = tmp.resolve("out");
        ToolRunner r = ToolRunner.run(new WeightsTool(), "--checkpoint", "a3=" + ck, "--outdir", out.toString(),
                "--null-k", "4", "--threads", "1", "--bos-random", "3");
        assertEquals(0, r.exitCode, r::toString);
        int nl = 3, m = 40, nh = 4, hd = 8, d = 32, nr = 3;
        float[][][][] s;
        float[][][] rs;
        try (HdfFile h = new HdfFile(out.resolve("attention_scores.h5"))) {
            assertEquals("uneurons-attention-scores-1", h.getAttribute("format").getData());
            assertEquals("a3", h.getAttribute("model").getData());
            assertEquals(5, ((Number) h.getAttribute("bos_id").getData()).intValue());
            assertEquals(nr, ((Number) h.getAttribute("n_random").getData()).intValue());
            assertEquals(WeightsTool.BOS_SEED, ((Number) h.getAttribute("seed").getData()).longValue());
            assertArrayEquals(new int[] {nl, m, nl, nh}, h.getDatasetByPath("/scores").getDimensions());
            assertArrayEquals(new int[] {nr, nl, nh}, h.getDatasetByPath("/random_scores").getDimensions());
            s = (float[][][][]) h.getDatasetByPath("/scores").getData();
            rs = (float[][][]) h.getDatasetByPath("/random_scores").getData();
            double[][][] k = (double[][][]) h.getDatasetByPath("/k_bos").getData();
            assertKeys(RawBosKeys.keys(ck, 5), k);
        }
        List<String> rows = Files.readAllLines(out.resolve("roles.csv"));
        List<String> header = List.of(rows.get(0).split(","));
        int[] perLayer = new int[nl];
        for (int i = 0; i < nl * m; i++) {
            int l = i / m;
            String[] f = rows.get(1 + i).split(",", -1);
            assertEquals(header.size(), f.length, rows.get(1 + i));
            int bestL = -1, bestH = -1;
            for (int hl = 0; hl < nl; hl++) {
                for (int h = 0; h < nh; h++) {
                    float x = s[l][i % m][hl][h];
                    assertEquals(hl <= l, Float.isNaN(x), "NaN exactly below the diagonal");
                    if (hl > l && (bestL < 0 || Math.abs(x) > Math.abs(s[l][i % m][bestL][bestH]))) {
                        bestL = hl;
                        bestH = h;
                    }
                }
            }
            String cand = f[header.indexOf("attention_candidate")];
            if (bestL < 0) {
                for (String col : new String[] {"bos_layer", "bos_head", "bos_score", "bos_ratio"}) {
                    assertEquals("", f[header.indexOf(col)], "last layer: " + col);
                }
                assertEquals("false", cand);
                continue;
            }
            assertEquals(bestL, Integer.parseInt(f[header.indexOf("bos_layer")]));
            assertEquals(bestH, Integer.parseInt(f[header.indexOf("bos_head")]));
            double score = Double.parseDouble(f[header.indexOf("bos_score")]);
            assertEquals(s[l][i % m][bestL][bestH], score, 0.0);
            double max = 0;
            for (float[][] x : rs) {
                max = Math.max(max, Math.abs(x[bestL][bestH]));
            }
            double ratio = Double.parseDouble(f[header.indexOf("bos_ratio")]);
            assertEquals(Math.abs(score) / max, ratio, 1e-12 * ratio);
            assertEquals(String.valueOf(score > 0 && ratio > 1), cand);
            perLayer[l] += cand.equals("true") ? 1 : 0;
        }
                List<String> layers = Files.readAllLines(out.resolve("roles_layers.csv"));
        int col = List.of(layers.get(0).split(",")).indexOf("attention_candidates");
        for (int l = 0; l < nl; l++) {
            assertEquals(perLayer[l], Integer.parseInt(layers.get(1 + l).split(",")[col]));
        }
        assertTrue(r.stderr.contains(", " + (perLayer[0] + perLayer[1]) + " attention-deactivation candidate(s) (BOS token 5,"
                + " 3 random directions)"), r.stderr);
        // 3 random directions are a low bar: both outcomes of the rule occur
        assertTrue(perLayer[0] + perLayer[1] > 5 && perLayer[0] + perLayer[1] < 2 * m - 5, Arrays.toString(perLayer));

        Path out9 = tmp.resolve("out9");
        ToolRunner r9 = ToolRunner.run(new WeightsTool(), "--checkpoint", ck.toString(), "--outdir", out9.toString(),
                "--null-k", "4", "--threads", "1", "--bos-token", "9");
        assertEquals(0, r9.exitCode, r9::toString);
        try (HdfFile h = new HdfFile(out9.resolve("attention_scores.h5"))) {
            assertEquals(9, ((Number) h.getAttribute("bos_id").getData()).intValue());
            assertArrayEquals(new int[] {1000, nl, nh}, h.getDatasetByPath("/random_scores").getDimensions());
            assertKeys(RawBosKeys.keys(ck, 9), (double[][][]) h.getDatasetByPath("/k_bos").getData());
            rs = (float[][][]) h.getDatasetByPath("/random_scores").getData();
        }
        ProcessedWeights w;
        try (CheckpointWeights st = CheckpointWeights.open(ck)) {
            w = WeightProcessing.process(ModelConfig.read(ck, "a3"), WeightSource.of(st));
        }
        double[][][] kRef = RawBosKeys.keys(ck, 9);
        for (int hl = 0; hl < nl; hl++) {
            for (int h = 0; h < nh; h++) {
                double q2 = 0, ms = 0;
                for (int row = 0; row < d; row++) {
                    double q = 0;
                    for (int e = 0; e < hd; e++) {
                        q += w.wQ[hl][(h * d + row) * hd + e] * kRef[hl][h][e];
                    }
                    q2 += q * q / hd;
                }
                for (float[][] x : rs) {
                    ms += x[hl][h] * x[hl][h] / 1000;
                }
                // E (u . q)^2 = |q|^2 / d for u uniform on the sphere; 1000 draws: relative error about 4.5%
                assertEquals(q2 / d, ms, 0.2 * q2 / d, "baseline of head " + hl + "." + h);
            }
        }
        // the baseline is seeded and the files record no path or time: the same run elsewhere writes the same bytes
        Path again = tmp.resolve("elsewhere").resolve("out");
        assertEquals(0, ToolRunner.run(new WeightsTool(), "--checkpoint", ck.toString(), "--outdir", again.toString(),
                "--null-k", "4", "--threads", "1", "--bos-token", "9").exitCode);
        for (String f : new String[] {"roles.csv", "roles_layers.csv", "attention_scores.h5", "top_tokens.h5"}) {
            assertArrayEquals(Files.readAllBytes(out9.resolve(f)), Files.readAllBytes(again.resolve(f)), f);
        }
        ToolRunner bad = ToolRunner.run(new WeightsTool(), "--checkpoint", ck.toString(), "--outdir",
                tmp.resolve("o").toString(), "--bos-token", "300");
        assertEquals(2, bad.exitCode, bad::toString);
        assertEquals("weights: error: --bos-token 300 is outside the vocabulary [0, 300)", bad.errorLine());
        assertFalse(Files.exists(tmp.resolve("o").resolve("roles.csv")));
    }

    private static void assertKeys(double[][][] want, double[][][] got) {
        assertEquals(want.length, got.length);
        for (int l = 0; l < want.length; l++) {
            for (int h = 0; h < want[l].length; h++) {
                for (int c = 0; c < want[l][h].length; c++) {
                    assertEquals(want[l][h][c], got[l][h][c], 1e-9 * Math.max(1, Math.abs(want[l][h][c])));
                }
            }
        }
    }

    /**
     * Roles planted in the raw GPT-2 checkpoint, through the processing: final LayerNorm weight 1, residual
     * coordinates 0 and 1 of the embedding equal (so e_0 - e_1, whose mean is 0 and which centring leaves alone, is an
     * exact null direction of the processed W_U), and in the last layer c_proj rows 2 x token 17's embedding,
     * -2 x token 400's and 3 (e_0 - e_1); the others random.
     */
    @Test
    void rolesPlantedInACheckpointSurviveTheProcessing() throws Exception {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.nLayers = 2;
        c.dModel = 384;
        c.nHeads = 4;
        c.dMlp = 8;
        c.vocab = 1000;
        c.nCtx = 8;
        Path ck = c.writeGpt2(tmp.resolve("planted"));
        int d = 384;
        Map<String, float[]> data = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (CheckpointWeights st = CheckpointWeights.open(ck)) {
            for (String name : st.names().stream().sorted().toList()) {
                TensorInfo info = st.info(name);
                data.put(name, st.floats(name));
                shapes.put(name, info.shape());
            }
        }
        float[] wte = data.get("transformer.wte.weight");
        for (int v = 0; v < 1000; v++) {
            wte[v * d + 1] = wte[v * d];
        }
        Arrays.fill(data.get("transformer.ln_f.weight"), 1f);
        float[] proj = data.get("transformer.h.1.mlp.c_proj.weight"); // [d_mlp, d_model]
        for (int r = 0; r < d; r++) {
            proj[r] = 2 * wte[17 * d + r];
            proj[d + r] = -2 * wte[400 * d + r];
            proj[2 * d + r] = r == 0 ? 3 : r == 1 ? -3 : 0;
        }
        SafetensorsWriter w = new SafetensorsWriter();
        data.forEach((name, x) -> w.putF32(name, x, shapes.get(name)));
        Path file = ck.resolve(CheckpointWeights.SAFETENSORS);
        Files.delete(file);
        w.write(file);

        Path out = tmp.resolve("out");
        ToolRunner r = ToolRunner.run(new WeightsTool(), "--checkpoint", ck.toString(), "--outdir", out.toString(),
                "--entropy-filter", "medium", "--threads", "1");
        assertEquals(0, r.exitCode, r::toString);
        List<String> rows = Files.readAllLines(out.resolve("roles.csv"));
        for (int i = 0; i < 16; i++) {
            String[] f = rows.get(1 + i).split(",");
            String role = i == 8 ? "prediction" : i == 9 ? "suppression" : "none";
            assertEquals(role, f[9], rows.get(1 + i));
            double frac = Double.parseDouble(f[8]);
            if (i == 10) {
                assertEquals(1.0, frac, 1e-6, rows.get(1 + i));
            } else {
                assertTrue(frac < 0.2, rows.get(1 + i));
            }
            assertEquals(String.valueOf(i == 10), f[10], rows.get(1 + i));
        }
        assertTrue(r.stderr.contains(": 1 prediction, 1 suppression, 0 partition, 1 entropy candidate(s) (medium filter,"
                + " bottom 10 of 384 singular directions),"), r.stderr);
    }

    @Test
    void refusesABottomSubspaceAsLargeAsTheResidual() {
        Path ck = RandomCheckpoint.gpt2().writeGpt2(tmp.resolve("m"));
        ToolRunner r = ToolRunner.run(new WeightsTool(), "--checkpoint", ck.toString(), "--outdir",
                tmp.resolve("o").toString(), "--null-k", "32");
        assertEquals(2, r.exitCode, r::toString);
        assertEquals("weights: error: --null-k 32 must be below d_model 32", r.errorLine());
    }
}
