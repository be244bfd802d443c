package org.uneurons.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Row summaries against the full reference matrix, and the two sanity experiments of the paper's method. */
class SummariesTest {
    private static final Gemm PLAIN = new PlainGemm();

    /** Whether every value of neuron {@code i} (column of [tokens x d] layers, flat layer-major) is the same. */
    static boolean constant(float[][] layers, int d, int tokens, int i) {
        float[] x = layers[i / d];
        int j = i % d;
        for (int t = 1; t < tokens; t++) {
            if (x[t * d + j] != x[j]) {
                return false;
            }
        }
        return true;
    }

    @Test
    void summariesMatchTheFullMatrix() {
        Synthetic s = Synthetic.adversarial(31, 500, 2, 5, 3, 6);
        PairMoments m = new PairMoments(s.shape());
        s.feed(m, 0, s.tokens, 128, PLAIN, Gemm.Precision.FLOAT64);
        int k = 4;
        RowSummaries sum = RowSummaries.of(m, k);
        double[][] ref = ReferencePearson.correlations(s.a, s.dA, s.b, s.dB, s.tokens);
        int nb = s.layersB * s.dB;
        boolean[] deadB = new boolean[nb];
        int deadCount = 0;
        for (int j = 0; j < nb; j++) {
            deadB[j] = constant(s.b, s.dB, s.tokens, j);
            assertEquals(deadB[j], sum.deadB[j], "b neuron " + j);
            deadCount += deadB[j] ? 1 : 0;
        }
        int deadRows = 0;
        for (int i = 0; i < ref.length; i++) {
            double[] row = ref[i];
            boolean deadA = constant(s.a, s.dA, s.tokens, i);
            assertEquals(deadA, sum.deadA[i], "row " + i);
            if (deadA) {
                deadRows++;
                assertEquals(0.0, sum.max[i]);
                assertEquals(0.0, sum.min[i]);
                assertEquals(0.0, sum.mean[i]);
                assertEquals(-1, sum.maxLayer[i], "a dead row has no partner");
                assertEquals(-1, sum.maxNeuron[i]);
                for (int t = 0; t < k; t++) {
                    assertEquals(-1, sum.topIndices[i][t]);
                    assertEquals(0.0, sum.topValues[i][t]);
                }
                continue;
            }
            double max = Double.NEGATIVE_INFINITY, min = Double.POSITIVE_INFINITY, mean = 0, liveMax = max;
            int arg = -1;
            List<Double> live = new ArrayList<>();
            for (int j = 0; j < row.length; j++) {
                max = Math.max(max, row[j]); // a dead neuron of b counts as 0, as the paper's NaN set to 0
                min = Math.min(min, row[j]);
                mean += row[j] / row.length;
                if (!deadB[j]) {
                    live.add(row[j]);
                    if (row[j] > liveMax) {
                        liveMax = row[j];
                        arg = j;
                    }
                }
            }
            assertEquals(max, sum.max[i], 1e-9);
            assertEquals(min, sum.min[i], 1e-9);
            assertEquals(mean, sum.mean[i], 1e-9);
            if (liveMax == max) {
                assertEquals(arg / s.dB, sum.maxLayer[i], "row " + i);
                assertEquals(arg % s.dB, sum.maxNeuron[i], "row " + i);
                assertEquals(sum.max[i], sum.topValues[i][0], 1e-9);
            } else {
                assertEquals(-1, sum.maxLayer[i], "row " + i + ": only a dead neuron's 0 reaches the max");
            }
            live.sort((p, q) -> Double.compare(q, p));
            for (int t = 0; t < k; t++) {
                assertEquals(live.get(t), sum.topValues[i][t], 1e-9);
                assertTrue(!deadB[sum.topIndices[i][t]], "a dead neuron of b in the top-k of row " + i);
                assertEquals(row[sum.topIndices[i][t]], sum.topValues[i][t], 1e-9);
            }
        }
        assertTrue(deadRows > 0 && deadCount > 0, "the data has dead neurons in a (" + deadRows + ") and b (" + deadCount
                + ")");
    }

    /**
     * Planted: a's neuron 1 constant, b's neurons 0 and 2 constant; a's neuron 0 is anti-correlated with every live
     * neuron of b, so only the dead ones' 0 reaches its max; a's neuron 2 copies b's neuron 1.
     */
    @Test
    void plantedDeadNeuronsAreFlaggedAndNobodysPartner() {
        int n = 64;
        float[][] a = new float[1][n * 3];
        float[][] b = new float[1][n * 3];
        SplittableRandom r = new SplittableRandom(3);
        for (int t = 0; t < n; t++) {
            float z = (float) r.nextGaussian();
            a[0][t * 3] = z;
            a[0][t * 3 + 1] = 2.5f;
            a[0][t * 3 + 2] = (float) r.nextGaussian();
            b[0][t * 3] = -7;
            b[0][t * 3 + 1] = -z;
            b[0][t * 3 + 2] = 0;
        }
        for (int t = 0; t < n; t++) {
            a[0][t * 3 + 2] = b[0][t * 3 + 1];
        }
        PairMoments m = new PairMoments(MomentShape.full(1, 3, 1, 3));
        m.update(a, b, n, PLAIN, Gemm.Precision.FLOAT64);
        RowSummaries sum = RowSummaries.of(m, 3);
        assertEquals(List.of(false, true, false), List.of(sum.deadA[0], sum.deadA[1], sum.deadA[2]));
        assertEquals(List.of(true, false, true), List.of(sum.deadB[0], sum.deadB[1], sum.deadB[2]));
        assertEquals(0.0, sum.max[0], "the paper's max: a dead neuron of b counts as r = 0");
        assertEquals(-1, sum.maxNeuron[0], "but it is no partner");
        assertEquals(-1.0, sum.topValues[0][0], 1e-12);
        assertEquals(1, sum.topIndices[0][0]);
        assertEquals(-1, sum.topIndices[0][1], "no live neuron fills the second slot");
        assertEquals(-1, sum.maxNeuron[1]);
        assertEquals(-1, sum.maxLayer[1]);
        assertEquals(1.0, sum.max[2], 1e-12);
        assertEquals(1, sum.maxNeuron[2]);
        assertEquals(0, sum.maxLayer[2]);
    }

    @Test
    void permutedCopyIsRecoveredExactlyWithCorrelationOne() {
        Synthetic s = Synthetic.adversarial(32, 400, 3, 7, 1, 1);
        // b = a with neurons permuted within each layer; skip dead neurons of a (their r is 0 by definition)
        SplittableRandom rng = new SplittableRandom(9);
        int[][] perm = new int[s.layersA][s.dA];
        float[][] b = new float[s.layersA][s.tokens * s.dA];
        for (int l = 0; l < s.layersA; l++) {
            int[] p = perm[l];
            for (int i = 0; i < p.length; i++) {
                p[i] = i;
            }
            for (int i = p.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
            for (int t = 0; t < s.tokens; t++) {
                for (int i = 0; i < s.dA; i++) {
                    b[l][t * s.dA + p[i]] = s.a[l][t * s.dA + i];
                }
            }
        }
        PairMoments m = new PairMoments(MomentShape.full(s.layersA, s.dA, s.layersA, s.dA));
        for (int t = 0; t < s.tokens; t += 100) {
            m.update(Synthetic.rows(s.a, s.dA, t, t + 100), Synthetic.rows(b, s.dA, t, t + 100), 100, PLAIN, Gemm.Precision.FLOAT64);
        }
        RowSummaries sum = RowSummaries.of(m, 2);
        int live = 0;
        for (int l = 0; l < s.layersA; l++) {
            for (int i = 0; i < s.dA; i++) {
                int row = l * s.dA + i;
                if (m.m2A()[row] == 0) {
                    assertEquals(0.0, sum.max[row]);
                    continue;
                }
                live++;
                assertEquals(l, sum.maxLayer[row], "layer of neuron " + row);
                assertEquals(perm[l][i], sum.maxNeuron[row], "partner of neuron " + row);
                assertEquals(1.0, sum.max[row], 1e-12);
                assertTrue(sum.topValues[row][1] < 1 - 1e-6, "a second perfect partner for " + row);
            }
        }
        assertTrue(live >= 15);
    }

    @Test
    void independentActivationsHaveLowMaxima() {
        Synthetic s = Synthetic.independent(33, 4000, 2, 16, 2, 16);
        PairMoments m = new PairMoments(s.shape());
        s.feed(m, 0, s.tokens, 1000, PLAIN, Gemm.Precision.FLOAT64);
        RowSummaries sum = RowSummaries.of(m, 1);
        double worst = 0;
        for (double v : sum.max) {
            worst = Math.max(worst, v);
        }
        // max of 32 x 32 null correlations over 4000 tokens is about sqrt(2 ln 1024 / 4000) ~ 0.06
        assertTrue(worst < 0.12, "independent data gave max r " + worst);
        assertTrue(worst > 0, "no positive correlation at all is implausible");
    }
}
