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

    @Test
    void summariesMatchTheFullMatrix() {
        Synthetic s = Synthetic.adversarial(31, 500, 2, 5, 3, 6);
        PairMoments m = new PairMoments(s.shape());
        s.feed(m, 0, s.tokens, 128, PLAIN, Gemm.Precision.FLOAT64);
        int k = 4;
        RowSummaries sum = RowSummaries.of(m, k);
        double[][] ref = ReferencePearson.correlations(s.a, s.dA, s.b, s.dB, s.tokens);
        for (int i = 0; i < ref.length; i++) {
            double[] row = ref[i];
            double max = Double.NEGATIVE_INFINITY, min = Double.POSITIVE_INFINITY, mean = 0;
            int arg = -1;
            for (int j = 0; j < row.length; j++) {
                if (row[j] > max) {
                    max = row[j];
                    arg = j;
                }
                min = Math.min(min, row[j]);
                mean += row[j] / row.length;
            }
            assertEquals(max, sum.max[i], 1e-9);
            assertEquals(min, sum.min[i], 1e-9);
            assertEquals(mean, sum.mean[i], 1e-9);
            if (max > 0) {
                assertEquals(arg / s.dB, sum.maxLayer[i], "row " + i);
                assertEquals(arg % s.dB, sum.maxNeuron[i], "row " + i);
            }
            List<Double> sorted = new ArrayList<>();
            for (double v : row) {
                sorted.add(v);
            }
            sorted.sort((p, q) -> Double.compare(q, p));
            for (int t = 0; t < k; t++) {
                assertEquals(sorted.get(t), sum.topValues[i][t], 1e-9);
                assertEquals(row[sum.topIndices[i][t]], sum.topValues[i][t], 1e-9);
            }
            assertEquals(sum.max[i], sum.topValues[i][0]);
        }
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
