package org.uneurons.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.WeightSource;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.ProcessedWeights;
import org.uneurons.models.RandomCheckpoint;
import org.uneurons.models.WeightProcessing;

/**
 * Planted roles in processed weights (W_U and W_out overwritten after processing, so the roles live in the space the
 * analysis reads): a w_out along one token's unembedding, its negative, one along a bimodal split of the vocabulary,
 * one in an exact null direction of W_U, random others.
 */
class RolesTest {
    @TempDir
    Path tmp;

    static ProcessedWeights shell(Path dir, int dModel, int dMlp, int vocab) {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.nLayers = 2;
        c.dModel = dModel;
        c.nHeads = 4;
        c.dMlp = dMlp;
        c.vocab = vocab;
        c.nCtx = 8;
        Path ck = c.writeGpt2(dir);
        ModelConfig cfg = ModelConfig.read(ck, Checkpoints.name(ck));
        try (CheckpointWeights st = CheckpointWeights.open(ck)) {
            return WeightProcessing.process(cfg, WeightSource.of(st));
        }
    }

    /** The planted model: d_model 384, 8 neurons a layer, vocabulary 1000; rows 0 (null) and 1 (split) of W_U. */
    static ProcessedWeights planted(Path dir) {
        int d = 384, m = 8, V = 1000;
        ProcessedWeights w = shell(dir, d, m, V);
        SplittableRandom rnd = new SplittableRandom(7);
        for (int r = 0; r < d; r++) {
            double mean = 0;
            for (int v = 0; v < V; v++) {
                double x = r == 0 ? 0 : r == 1 ? (v % 2 == 0 ? 3 : -3) : gauss(rnd);
                w.wU[r * V + v] = x;
                mean += x / V;
            }
            for (int v = 0; v < V; v++) {
                w.wU[r * V + v] -= mean; // centred over the vocabulary, as the processing does
            }
        }
        for (int l = 0; l < 2; l++) {
            for (int i = 0; i < m * d; i++) {
                w.wOut[l][i] = gauss(rnd);
            }
        }
        double[] out = w.wOut[1];
        for (int r = 0; r < d; r++) {
            out[r] = 2 * w.wU[r * V + 17];          // neuron 0: along token 17's unembedding
            out[d + r] = -2 * w.wU[r * V + 400];    // neuron 1: against token 400's
            out[2 * d + r] = r == 1 ? 1 : 0;        // neuron 2: the split direction
            out[3 * d + r] = r == 0 ? 3 : 0;        // neuron 3: W_U's null direction
        }
        return w;
    }

    @Test
    void plantedRolesAreRecovered() {
        ProcessedWeights w = planted(tmp.resolve("planted"));
        WeightsTool.Result r = WeightsTool.analyse(w, 10, Roles.EntropyFilter.MEDIUM, 97, 1);
        String[] expected = new String[16];
        Arrays.fill(expected, "none");
        expected[8] = "prediction";
        expected[9] = "suppression";
        expected[10] = "partition";
        assertArrayEquals(expected, r.role(), () -> Arrays.toString(r.columns().get("vocab_kurt")) + "\n"
                + Arrays.toString(r.columns().get("vocab_var")));
        double[] frac = r.columns().get("null_fraction");
        assertEquals(1.0, frac[11], 1e-9);
        for (int i = 0; i < 16; i++) {
            if (i != 11) {
                assertTrue(frac[i] < 0.2, "neuron " + i + " null fraction " + frac[i]);
            }
            assertEquals(i == 11, r.entropy()[i], "entropy candidate " + i);
        }
        // the small query has no variance bound: the partition neuron and random late neurons of large norm (their
        // ||w_in||^2 alone is about 15; layer >= n_layers - 2 admits both layers here) pass it too, the prediction
        // and suppression neurons (vocab_kurt > 10) not
        WeightsTool.Result small = WeightsTool.analyse(w, 10, Roles.EntropyFilter.SMALL, 97, 1);
        for (int i = 0; i < 16; i++) {
            assertEquals(i < 8 || i >= 10, small.entropy()[i], "small query, neuron " + i);
        }
        assertEquals(1, r.count("prediction"));
        assertEquals(1, r.count("suppression"));
        assertEquals(1, r.count("partition"));
        assertEquals(1, r.candidates());
    }

    /**
     * The bottom subspace against a W_U of known singular structure: R diag(s) Q with R a random rotation of the
     * residual space and Q orthonormal rows over the vocabulary, so W_U W_U^T = R diag(s^2) R^T.
     */
    @Test
    void bottomSubspaceIsTheSmallestSingularDirections() {
        int d = 24, V = 60, k = 3;
        ProcessedWeights w = shell(tmp.resolve("known"), d, 8, V);
        SplittableRandom rnd = new SplittableRandom(3);
        double[][] q = orthonormalRows(d, V, rnd);
        double[][] rot = orthonormalRows(d, d, rnd); // rows of R^T: the columns of R
        double[] s = new double[d];
        for (int i = 0; i < d; i++) {
            s[i] = i < k ? 0.01 * (i + 1) : 1 + i;
        }
        for (int r = 0; r < d; r++) {
            for (int v = 0; v < V; v++) {
                double x = 0;
                for (int i = 0; i < d; i++) {
                    x += rot[i][r] * s[i] * q[i][v];
                }
                w.wU[r * V + v] = x;
            }
        }
        double[] values = new double[d];
        double[][] basis = Roles.bottomSubspace(w, k, values);
        for (int i = 0; i < d; i++) {
            assertEquals(s[i] * s[i], values[i], 1e-9 * (1 + s[i] * s[i]), "eigenvalue " + i);
        }
        // w_out of layer 0 neuron i = the i-th column of R, scaled: fraction 1 for the bottom k, 0 above
        for (int j = 0; j < 8; j++) {
            for (int r = 0; r < d; r++) {
                w.wOut[0][j * d + r] = (j + 2) * rot[j][r];
            }
        }
        double[] f = Roles.nullFraction(w, basis);
        for (int j = 0; j < 8; j++) {
            assertEquals(j < k ? 1 : 0, f[j], 1e-9, "neuron " + j);
        }
    }

    @Test
    void roleRuleAndThresholds() {
        assertEquals("prediction", Roles.role(0, 0.1, 10.01));
        assertEquals("suppression", Roles.role(0, -0.1, 10.01));
        assertEquals("none", Roles.role(0.005, 1, 10));
        assertEquals("partition", Roles.role(0.0051, 1, 10));
        assertEquals("partition", Roles.role(0.0051, 0, 50));
        assertTrue(Roles.EntropyFilter.MEDIUM.passes(22, 24, 1, 0.001, 8));
        assertFalse(Roles.EntropyFilter.MEDIUM.passes(21, 24, 1, 0.001, 8));
        assertFalse(Roles.EntropyFilter.MEDIUM.passes(23, 24, 0.99, 0.001, 8));
        assertFalse(Roles.EntropyFilter.MEDIUM.passes(23, 24, 5, 0.0011, 8));
        assertFalse(Roles.EntropyFilter.MEDIUM.passes(23, 24, 5, 0.0001, 8.1));
        assertTrue(Roles.EntropyFilter.SMALL.passes(10, 12, 3, 0.5, 10));
        assertFalse(Roles.EntropyFilter.SMALL.passes(9, 12, 3, 0, 10));
        assertFalse(Roles.EntropyFilter.SMALL.passes(11, 12, 2.9, 0, 10));
        assertFalse(Roles.EntropyFilter.SMALL.passes(11, 12, 3, 0, 10.1));
        assertEquals(Roles.EntropyFilter.SMALL, Roles.EntropyFilter.forLayers(12));
        assertEquals(Roles.EntropyFilter.MEDIUM, Roles.EntropyFilter.forLayers(24));
    }

    /** numpy.percentile's default (linear) on hand-computed values. */
    @Test
    void percentilesInterpolateLinearly() {
        double[] x = {4, 1, 3, 2};
        assertEquals(2.5, org.uneurons.core.stats.Percentiles.linear(x, 50), 1e-15);
        assertEquals(1.3, org.uneurons.core.stats.Percentiles.linear(x, 10), 1e-15);
        assertEquals(3.85, org.uneurons.core.stats.Percentiles.linear(x, 95), 1e-15);
        assertEquals(1.15, org.uneurons.core.stats.Percentiles.linear(x, 5), 1e-15);
        assertEquals(7, org.uneurons.core.stats.Percentiles.linear(new double[] {7}, 90));
        assertArrayEquals(new double[] {4, 1, 3, 2}, x, "input unchanged");
    }

    static double gauss(SplittableRandom rnd) {
        double u = rnd.nextDouble(), v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }

    /** n orthonormal rows of length len (Gram-Schmidt on Gaussian rows, twice). */
    static double[][] orthonormalRows(int n, int len, SplittableRandom rnd) {
        double[][] a = new double[n][len];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < len; c++) {
                a[i][c] = gauss(rnd);
            }
            for (int pass = 0; pass < 2; pass++) {
                for (int j = 0; j < i; j++) {
                    double p = 0;
                    for (int c = 0; c < len; c++) {
                        p += a[i][c] * a[j][c];
                    }
                    for (int c = 0; c < len; c++) {
                        a[i][c] -= p * a[j][c];
                    }
                }
            }
            double s = 0;
            for (double x : a[i]) {
                s += x * x;
            }
            for (int c = 0; c < len; c++) {
                a[i][c] /= Math.sqrt(s);
            }
        }
        return a;
    }
}
