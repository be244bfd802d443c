package org.uneurons.core.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;

import org.junit.jupiter.api.Test;

/** Baselines from moments equal rotating b's activations explicitly and correlating them. */
class BaselinesTest {
    private static final Gemm PLAIN = new PlainGemm();

    @Test
    void gaussianRowsFromMomentsEqualExplicitRotation() {
        check(Rotations.Kind.GAUSSIAN_ROWS);
    }

    @Test
    void haarFromMomentsEqualsExplicitRotation() {
        check(Rotations.Kind.HAAR);
    }

    private void check(Rotations.Kind kind) {
        Synthetic s = Synthetic.adversarial(21, 800, 2, 6, 3, 8);
        PairMoments m = new PairMoments(s.shape());
        s.feed(m, 0, s.tokens, 200, PLAIN, Gemm.Precision.FLOAT64);
        long seed = 1234;
        int samples = 2;
        Baselines fromMoments = Baselines.of(m, kind, seed, samples, PLAIN, null);

        double[][] x = ReferencePearson.flatten(s.a, s.dA, s.tokens);
        double worst = 0;
        for (int sample = 0; sample < samples; sample++) {
            // rotate each token's b layer vectors: y~ = R_l y_l, then the plain two-pass reference
            double[][] y = new double[s.tokens][s.layersB * s.dB];
            for (int lb = 0; lb < s.layersB; lb++) {
                double[][] r = Rotations.matrix(kind, seed, sample, lb, s.dB);
                for (int t = 0; t < s.tokens; t++) {
                    for (int j = 0; j < s.dB; j++) {
                        double v = 0;
                        for (int q = 0; q < s.dB; q++) {
                            v += r[j][q] * s.b[lb][t * s.dB + q];
                        }
                        y[t][lb * s.dB + j] = v;
                    }
                }
            }
            double[][] ref = ReferencePearson.correlations(x, y);
            for (int i = 0; i < ref.length; i++) {
                double best = Double.NEGATIVE_INFINITY;
                int bestLayer = -1;
                for (int j = 0; j < ref[i].length; j++) {
                    if (ref[i][j] > best) {
                        best = ref[i][j];
                        bestLayer = j / s.dB;
                    }
                }
                worst = Math.max(worst, Math.abs(best - fromMoments.max[sample][i]));
                if (best != 0) {
                    assertEquals(bestLayer, fromMoments.maxLayer[sample][i], "layer of the max, row " + i);
                }
            }
        }
        System.out.printf(Locale.ROOT, "baseline %s: max |d baseline| moments vs explicit rotation = %.3e%n", kind.label, worst);
        assertTrue(worst <= 1e-6, kind.label + " max |d| " + worst);
        // dead a neuron (row 1) has baseline 0, at no layer
        assertTrue(SummariesTest.constant(s.a, s.dA, s.tokens, 1), "row 1 of the synthetic data is dead");
        assertEquals(0.0, fromMoments.max[0][1]);
        assertEquals(-1, fromMoments.maxLayer[0][1]);
    }

    @Test
    void rotationMatricesHaveTheirDefiningProperties() {
        int d = 40;
        double[][] g = Rotations.matrix(Rotations.Kind.GAUSSIAN_ROWS, 5, 0, 0, d);
        double[][] q = Rotations.matrix(Rotations.Kind.HAAR, 5, 0, 0, d);
        double worstNorm = 0, worstOrtho = 0;
        for (int i = 0; i < d; i++) {
            worstNorm = Math.max(worstNorm, Math.abs(Rotations.dot(g[i], g[i]) - 1));
            for (int j = 0; j < d; j++) {
                worstOrtho = Math.max(worstOrtho, Math.abs(Rotations.dot(q[i], q[j]) - (i == j ? 1 : 0)));
            }
        }
        assertTrue(worstNorm < 1e-12, "gaussian rows not unit norm: " + worstNorm);
        assertTrue(worstOrtho < 1e-12, "haar rows not orthonormal: " + worstOrtho);
        // the Gaussian rows are not orthogonal (the paper's baseline is not a rotation)
        assertTrue(Math.abs(Rotations.dot(g[0], g[1])) > 1e-6);
        // deterministic in the seed, different across seeds, samples and layers
        assertArrayEquals(q[3], Rotations.matrix(Rotations.Kind.HAAR, 5, 0, 0, d)[3]);
        assertNotEquals(q[0][0], Rotations.matrix(Rotations.Kind.HAAR, 6, 0, 0, d)[0][0]);
        assertNotEquals(q[0][0], Rotations.matrix(Rotations.Kind.HAAR, 5, 1, 0, d)[0][0]);
        assertNotEquals(q[0][0], Rotations.matrix(Rotations.Kind.HAAR, 5, 0, 1, d)[0][0]);
    }

    /** Each pair draws its own matrices from (seed, model a, model b); the same pair draws the same. */
    @Test
    void everyPairHasItsOwnDraw() {
        Synthetic s = Synthetic.adversarial(22, 300, 1, 5, 2, 6);
        PairMoments m = new PairMoments(s.shape());
        s.feed(m, 0, s.tokens, 100, PLAIN, Gemm.Precision.FLOAT64);
        Baselines ab = Baselines.forPair(m, Rotations.Kind.GAUSSIAN_ROWS, 7, "seed1", "seed2", 1, PLAIN, null);
        Baselines abAgain = Baselines.forPair(m, Rotations.Kind.GAUSSIAN_ROWS, 7, "seed1", "seed2", 1, PLAIN, null);
        Baselines ac = Baselines.forPair(m, Rotations.Kind.GAUSSIAN_ROWS, 7, "seed1", "seed3", 1, PLAIN, null);
        Baselines ba = Baselines.forPair(m, Rotations.Kind.GAUSSIAN_ROWS, 7, "seed2", "seed1", 1, PLAIN, null);
        Baselines otherSeed = Baselines.forPair(m, Rotations.Kind.GAUSSIAN_ROWS, 8, "seed1", "seed2", 1, PLAIN, null);
        assertArrayEquals(ab.max[0], abAgain.max[0], 0);
        for (Baselines other : new Baselines[] {ac, ba, otherSeed}) {
            assertTrue(!java.util.Arrays.equals(ab.max[0], other.max[0]), "another pair or seed, another draw");
        }
        // what is recorded: the run's seed and the seed drawn from, which is the pair seed
        assertEquals(7, ab.seed);
        assertEquals(Rotations.pairSeed(7, "seed1", "seed2"), ab.drawSeed);
        // and the draw is exactly the plain draw from that seed
        assertArrayEquals(Baselines.of(m, Rotations.Kind.GAUSSIAN_ROWS, ab.drawSeed, 1, PLAIN, null).max[0], ab.max[0], 0);
        // names are separated: ("ab", "c") and ("a", "bc") differ
        assertNotEquals(Rotations.pairSeed(7, "ab", "c"), Rotations.pairSeed(7, "a", "bc"));
    }
}
