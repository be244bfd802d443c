package org.uneurons.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;

import org.junit.jupiter.api.Test;

/** Streaming, blocked Pearson against the plain float64 two-pass reference, on adversarial activations. */
class PairMomentsAccuracyTest {
    private static final Gemm PLAIN = new PlainGemm();

    static double achievedError(Gemm gemm, Gemm.Precision p, Synthetic s, int batch) {
        PairMoments m = new PairMoments(s.shape());
        s.feed(m, 0, s.tokens, batch, gemm, p);
        double[][] ref = ReferencePearson.correlations(s.a, s.dA, s.b, s.dB, s.tokens);
        return ReferencePearson.maxAbsDiff(ReferencePearson.fromMoments(m), ref);
    }

    @Test
    void float64MatchesTwoPassReference() {
        Synthetic s = Synthetic.adversarial(1, 1500, 2, 10, 3, 7);
        double err = achievedError(PLAIN, Gemm.Precision.FLOAT64, s, 256);
        System.out.printf(Locale.ROOT, "core accuracy float64 (plain engine): max |dr| = %.3e%n", err);
        assertTrue(err <= 1e-6, "float64 max |dr| " + err);
    }

    @Test
    void withinLayerCoMomentsOfBHaveTheSumsOfSquaresOnTheirDiagonal() {
        Synthetic s = Synthetic.adversarial(6, 700, 1, 3, 2, 9);
        PairMoments m = new PairMoments(s.shape());
        s.feed(m, 0, s.tokens, 128, PLAIN, Gemm.Precision.FLOAT64);
        for (int l = 0; l < s.layersB; l++) {
            for (int j = 0; j < s.dB; j++) {
                double m2 = m.m2B()[l * s.dB + j];
                assertEquals(m2, m.covB(l)[j][j], 1e-9 * m2 + 1e-300, "layer " + l + " neuron " + j);
                for (int q = 0; q < s.dB; q++) {
                    assertEquals(m.covB(l)[j][q], m.covB(l)[q][j], 1e-9 * Math.sqrt(m2 * m.m2B()[l * s.dB + q]) + 1e-300);
                }
            }
        }
    }

    @Test
    void float32ProductsStayWithinTolerance() {
        Synthetic s = Synthetic.adversarial(2, 1500, 2, 10, 3, 7);
        double err = achievedError(PLAIN, Gemm.Precision.FLOAT32, s, 500);
        System.out.printf(Locale.ROOT, "core accuracy float32 products (plain engine): max |dr| = %.3e%n", err);
        assertTrue(err <= 1e-4, "float32 max |dr| " + err);
    }

    @Test
    void batchesOfSingleTokensAndRaggedBatchesAgree() {
        Synthetic s = Synthetic.adversarial(3, 300, 1, 6, 2, 5);
        PairMoments m = new PairMoments(s.shape());
        // ragged: single tokens, then a batch of 2, 7, 290
        int[] cuts = {0, 1, 2, 3, 5, 12, 300};
        for (int c = 0; c + 1 < cuts.length; c++) {
            m.update(Synthetic.rows(s.a, s.dA, cuts[c], cuts[c + 1]), Synthetic.rows(s.b, s.dB, cuts[c], cuts[c + 1]),
                    cuts[c + 1] - cuts[c], PLAIN, Gemm.Precision.FLOAT64);
        }
        double[][] ref = ReferencePearson.correlations(s.a, s.dA, s.b, s.dB, s.tokens);
        double err = ReferencePearson.maxAbsDiff(ReferencePearson.fromMoments(m), ref);
        assertTrue(err <= 1e-6, "ragged batches max |dr| " + err);
        assertEquals(300, m.count());
    }

    @Test
    void rawSumOfSquaresWouldFailThisData() {
        // Guards the test data: on these activations the textbook formula loses the variance entirely, so the
        // accuracy tests above really exercise the centring.
        Synthetic s = Synthetic.adversarial(1, 1500, 2, 10, 3, 7);
        double sum = 0, sumSq = 0;
        for (int t = 0; t < s.tokens; t++) {
            double v = s.a[0][t * s.dA]; // neuron 0: mean ~1e3, variance ~1e-2
            sum += (float) v;
            sumSq += (double) (float) v * (float) v;
        }
        double naive = (sumSq - sum * sum / s.tokens);
        double[][] x = ReferencePearson.flatten(s.a, s.dA, s.tokens);
        double mean = ReferencePearson.means(x)[0];
        double twoPass = 0;
        for (double[] row : x) {
            twoPass += (row[0] - mean) * (row[0] - mean);
        }
        // float32 accumulation of squares, as a naive GPU kernel would do, is hopeless; even float64 loses digits
        float naive32 = 0, sum32 = 0;
        for (int t = 0; t < s.tokens; t++) {
            float v = s.a[0][t * s.dA];
            sum32 += v;
            naive32 += v * v;
        }
        double naiveFloat = naive32 - (double) sum32 * sum32 / s.tokens;
        assertTrue(Math.abs(naiveFloat - twoPass) > 0.5 * twoPass, "float32 raw formula unexpectedly fine");
        assertTrue(Math.abs(naive - twoPass) > 1e-9 * twoPass, "float64 raw formula unexpectedly exact");
    }

    @Test
    void deadNeuronsGiveZeroNotNaN() {
        Synthetic s = Synthetic.adversarial(4, 200, 1, 8, 1, 9);
        PairMoments m = new PairMoments(s.shape());
        s.feed(m, 0, s.tokens, 64, PLAIN, Gemm.Precision.FLOAT64);
        double[][] r = ReferencePearson.fromMoments(m);
        // neuron 1 of a is dead (kind 1, i % 7 == 1), neuron 4 of b is dead (j % 9 == 4)
        assertEquals(0.0, m.m2A()[1]);
        assertEquals(0.0, m.m2B()[4]);
        for (int j = 0; j < r[1].length; j++) {
            assertEquals(0.0, r[1][j]);
        }
        for (double[] row : r) {
            assertEquals(0.0, row[4]);
            for (double v : row) {
                assertFalse(Double.isNaN(v));
            }
        }
    }

    @Test
    void layerRangeOfAEqualsTheSameRowsOfTheFullMatrix() {
        Synthetic s = Synthetic.adversarial(5, 400, 3, 4, 2, 5);
        PairMoments full = new PairMoments(s.shape());
        s.feed(full, 0, s.tokens, 100, PLAIN, Gemm.Precision.FLOAT64);
        PairMoments part = new PairMoments(new MomentShape(3, 4, 1, 2, 2, 5));
        for (int t = 0; t < s.tokens; t += 100) {
            float[][] a = Synthetic.rows(s.a, s.dA, t, t + 100);
            part.update(new float[][] {a[1], a[2]}, Synthetic.rows(s.b, s.dB, t, t + 100), 100, PLAIN, Gemm.Precision.FLOAT64);
        }
        double[][] rf = ReferencePearson.fromMoments(full);
        double[][] rp = ReferencePearson.fromMoments(part);
        for (int i = 0; i < rp.length; i++) {
            for (int j = 0; j < rp[i].length; j++) {
                assertEquals(rf[4 + i][j], rp[i][j], 1e-12);
            }
        }
    }
}
