package org.uneurons.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.core.stats.PlainGemm;
import org.uneurons.core.testing.TestData;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.WeightSource;

/** The weight and vocabulary columns of the statistics, against their definitions computed plainly in float64. */
class WeightStatsTest {
    private static ProcessedWeights load(Path dir, boolean process) {
        ModelConfig cfg = ModelConfig.read(dir, Checkpoints.name(dir));
        try (CheckpointWeights st = CheckpointWeights.open(dir)) {
            return process ? WeightProcessing.process(cfg, WeightSource.of(st)) : WeightProcessing.convert(cfg, WeightSource.of(st));
        }
    }

    /** The statistics of a pytorch_model.bin twin (float32, views of shared and transposed storages) are the same. */
    @Test
    void pytorchCheckpointGivesTheSameColumns() {
        ProcessedWeights st = load(TestData.hf("gpt2-tiny"), true);
        ProcessedWeights bin = load(TestData.hf("gpt2-tiny-bin"), true);
        Map<String, double[]> a = WeightStats.weights(st);
        a.putAll(WeightStats.vocab(st, new PlainGemm(), 97));
        Map<String, double[]> b = WeightStats.weights(bin);
        b.putAll(WeightStats.vocab(bin, new PlainGemm(), 97));
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k), b.get(k), k);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neox-tiny"})
    void weightAndVocabularyStatisticsFollowTheirDefinitions(String fixture) {
        ProcessedWeights w = load(TestData.hf(fixture), true);
        Map<String, double[]> ws = WeightStats.weights(w);
        Map<String, double[]> vs = WeightStats.vocab(w, new PlainGemm(), 97);
        int d = w.dModel, m = w.dMlp, V = w.vocab;
        double worst = 0;
        for (int l = 0; l < w.nLayers; l++) {
            for (int j = 0; j < m; j += 7) {
                int i = l * m + j;
                double[] in = new double[d], out = new double[d];
                for (int r = 0; r < d; r++) {
                    in[r] = w.wIn[l][r * m + j];
                    out[r] = w.wOut[l][j * d + r];
                }
                double ni = norm(in), no = norm(out);
                worst = Math.max(worst, Math.abs(ni - ws.get("w_in_norm")[i]));
                worst = Math.max(worst, Math.abs(no - ws.get("w_out_norm")[i]));
                worst = Math.max(worst, Math.abs(dot(in, out) / (ni * no) - ws.get("in_out_sim")[i]));
                worst = Math.max(worst, Math.abs(ni * ni + no * no - ws.get("l2_penalty")[i]));
                assertEquals(w.bIn[l][j], ws.get("input_bias")[i]);
                // vocabulary composition by its definition: two passes over cos(w_out, W_U[:, v])
                double[] c = new double[V];
                for (int v = 0; v < V; v++) {
                    double[] u = new double[d];
                    for (int r = 0; r < d; r++) {
                        u[r] = w.wU[r * V + v];
                    }
                    c[v] = dot(out, u) / (no * norm(u));
                }
                double mean = 0;
                for (double x : c) {
                    mean += x;
                }
                mean /= V;
                double s2 = 0, s3 = 0, s4 = 0;
                for (double x : c) {
                    double e = x - mean;
                    s2 += e * e;
                    s3 += e * e * e;
                    s4 += e * e * e * e;
                }
                double var = s2 / V;
                worst = Math.max(worst, Math.abs(mean - vs.get("vocab_mean")[i]));
                worst = Math.max(worst, Math.abs(var - vs.get("vocab_var")[i]));
                worst = Math.max(worst, Math.abs(s3 / V / Math.pow(var, 1.5) - vs.get("vocab_skew")[i]));
                worst = Math.max(worst, Math.abs(s4 / V / (var * var) - vs.get("vocab_kurt")[i]));
            }
        }
        assertTrue(worst < 1e-9, "weight/vocab statistics vs definitions: " + worst);
        // input_bias carries the folded LayerNorm bias: it is not the checkpoint's b_in
        ProcessedWeights raw = load(TestData.hf(fixture), false);
        assertTrue(Math.abs(raw.bIn[0][0] - w.bIn[0][0]) > 1e-6);
    }

    private static double norm(double[] x) {
        return Math.sqrt(dot(x, x));
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
