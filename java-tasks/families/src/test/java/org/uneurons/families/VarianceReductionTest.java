package org.uneurons.families;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The grouped-sums engine against a plain two-pass float64 computation of the paper's formula, on adversarial data:
 * a neuron at 10⁶ plus noise, one at 10⁻³ with tiny noise, a constant one, outliers in the first batch (which sets
 * the shift), features true on 0, 1, 2 tokens or on all but one; and sharded = unsharded.
 */
class VarianceReductionTest {
    static final int K = 5;
    static final int CTX = 16;
    static final int VOCAB = 40;
    static final List<String> TAG_SETS = List.of("pos");
    static final String[] POS = {"NOUN", "VERB", "DET", "MULTI", "NONE"};

    /** Batches of {@code seqs} sequences; neuron values depend on token, previous token, position and tag. */
    static List<SequenceBatch> adversarial(long seed, int batches, int seqs) {
        SplittableRandom r = new SplittableRandom(seed);
        List<SequenceBatch> out = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            int[][] tokens = new int[seqs][CTX];
            String[][][] tags = new String[seqs][1][CTX];
            float[] pre = new float[seqs * CTX * K];
            float[] post = new float[seqs * CTX * K];
            for (int s = 0; s < seqs; s++) {
                for (int t = 0; t < CTX; t++) {
                    // token 39 occurs once in the whole data set, token 38 twice, token 0 is BOS
                    tokens[s][t] = t == 0 ? 0 : 1 + r.nextInt(VOCAB - 3);
                    tags[s][0][t] = t == 0 ? "NONE" : POS[r.nextInt(4)];
                }
            }
            if (b == 1) {
                tokens[0][5] = 39;
                tokens[1][7] = 38;
                tokens[2][3] = 38;
            }
            for (int s = 0; s < seqs; s++) {
                for (int t = 0; t < CTX; t++) {
                    int row = (s * CTX + t) * K;
                    int tok = tokens[s][t];
                    int prev = t == 0 ? -1 : tokens[s][t - 1];
                    boolean noun = tags[s][0][t].equals("NOUN");
                    double[] v = {
                        1e6 + (tok % 3 == 0 ? 1.0 : 0.0) + 0.5 * r.nextGaussian(),
                        1e-3 + (prev == 5 ? 1e-6 : 0) + 1e-7 * r.nextGaussian(),
                        3.0,
                        (b == 0 && t == 0 ? 500.0 : 0.0) + (noun ? 2.0 : 0.0) + r.nextGaussian(),
                        t * 0.1 + (tok == 38 ? 4.0 : 0.0) + 0.01 * r.nextGaussian(),
                    };
                    for (int j = 0; j < K; j++) {
                        post[row + j] = (float) v[j];
                        pre[row + j] = (float) (v[j] - 0.5);
                    }
                }
            }
            out.add(new SequenceBatch(tokens, tags, pre, post));
        }
        return out;
    }

    static List<Feature> features() {
        List<Feature> f = new ArrayList<>();
        f.add(new Feature("mod3", Feature.VOCAB, FamilyAccumulator.TOKEN, range(0, VOCAB, 3)));
        f.add(new Feature("once", Feature.VOCAB, FamilyAccumulator.TOKEN, new int[] {39}));
        f.add(new Feature("twice", Feature.VOCAB, FamilyAccumulator.TOKEN, new int[] {38}));
        f.add(new Feature("never", Feature.VOCAB, FamilyAccumulator.TOKEN, new int[] {VOCAB - 1 + 100}));
        f.add(new Feature("not_once", Feature.VOCAB, FamilyAccumulator.TOKEN, range(0, 39, 1)));
        f.add(new Feature("bos", Feature.VOCAB, FamilyAccumulator.TOKEN, new int[] {0}));
        List<Feature> prev = new ArrayList<>();
        for (Feature x : f) {
            prev.add(x.previous());
        }
        f.addAll(prev);
        f.add(new Feature("prev5", Feature.PREV_VOCAB, FamilyAccumulator.PREV_TOKEN, new int[] {5}));
        f.add(new Feature("pos_noun", Feature.SEQUENCE, FamilyAccumulator.SEQ + "pos", new int[] {0}));
        f.add(new Feature("pos_noun", Feature.SEQUENCE, FamilyAccumulator.SEQ + "pos", new int[] {0}).previous());
        f.add(new Feature("early", "position", FamilyAccumulator.POSITION, range(0, 4, 1)));
        return f;
    }

    static int[] range(int from, int to, int step) {
        List<Integer> l = new ArrayList<>();
        for (int i = from; i < to; i += step) {
            l.add(i);
        }
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The variable's value at every token, as the accumulator defines it (−1: none; tags by their string). */
    static int value(String variable, SequenceBatch b, int s, int t, FamilyAccumulator acc) {
        return switch (variable) {
            case FamilyAccumulator.TOKEN -> b.tokens()[s][t];
            case FamilyAccumulator.PREV_TOKEN -> t == 0 ? -1 : b.tokens()[s][t - 1];
            case FamilyAccumulator.POSITION -> t;
            case "seq:pos" -> acc.tagIndexOf("pos", b.tags()[s][0][t]);
            case "prev_seq:pos" -> acc.tagIndexOf("pos", t == 0 ? "NONE" : b.tags()[s][0][t - 1]);
            default -> throw new IllegalArgumentException(variable);
        };
    }

    /** pandas' formula with two-pass sample variances, every value in float64. */
    static double[][] reference(List<SequenceBatch> data, List<Feature> features, FamilyAccumulator acc) {
        double[][] out = new double[K][features.size()];
        for (int f = 0; f < features.size(); f++) {
            Feature feat = features.get(f);
            java.util.Set<Integer> set = new java.util.HashSet<>();
            for (int v : feat.values()) {
                set.add(v);
            }
            for (int j = 0; j < K; j++) {
                List<Double> all = new ArrayList<>();
                List<Double> yes = new ArrayList<>();
                List<Double> no = new ArrayList<>();
                for (SequenceBatch b : data) {
                    for (int s = 0; s < b.sequences(); s++) {
                        for (int t = 0; t < CTX; t++) {
                            double a = b.post()[(s * CTX + t) * K + j];
                            all.add(a);
                            (set.contains(value(feat.variable(), b, s, t, acc)) ? yes : no).add(a);
                        }
                    }
                }
                double v = var(all);
                double pF = (double) no.size() / all.size();
                out[j][f] = (v - (pF * var(no) + (1 - pF) * var(yes))) / v;
            }
        }
        return out;
    }

    /** Two-pass sample variance (ddof 1); NaN for fewer than 2 values, as pandas. */
    static double var(List<Double> x) {
        if (x.size() < 2) {
            return Double.NaN;
        }
        double m = 0;
        for (double v : x) {
            m += v;
        }
        m /= x.size();
        double ss = 0;
        for (double v : x) {
            ss += (v - m) * (v - m);
        }
        return ss / (x.size() - 1);
    }

    static FamilyAccumulator accumulate(List<SequenceBatch> data) {
        FamilyAccumulator acc = new FamilyAccumulator(K, TAG_SETS);
        data.forEach(acc::add);
        return acc;
    }

    static void assertClose(double[][] want, double[][] got, double tol, String what) {
        for (int j = 0; j < want.length; j++) {
            for (int f = 0; f < want[j].length; f++) {
                double w = want[j][f];
                double g = got[j][f];
                // pandas gives NaN for a side of < 2 tokens and for 0 / 0 (the constant neuron)
                if (Double.isNaN(w)) {
                    assertTrue(Double.isNaN(g), what + ": neuron " + j + " feature " + f + ": want NaN, got " + g);
                } else {
                    assertEquals(w, g, tol, what + ": neuron " + j + " feature " + f);
                }
            }
        }
    }

    @Test
    void equalsPlainTwoPassOnAdversarialData() {
        List<SequenceBatch> data = adversarial(7, 4, 12);
        FamilyAccumulator acc = accumulate(data);
        List<Feature> features = features();
        double[][] got = VarianceReduction.matrix(acc, features);
        double[][] want = reference(data, features, acc);
        assertClose(want, got, 1e-9, "engine vs two-pass");
        // the cases the data was built for
        int once = 1, twice = 2, never = 3, notOnce = 4, noun = 13;
        for (int j = 0; j < K; j++) {
            assertTrue(Double.isNaN(got[j][once]), "a feature true on 1 token is undefined (pandas: NaN)");
            assertTrue(Double.isNaN(got[j][never]), "a feature true on no token is undefined");
            assertTrue(Double.isNaN(got[j][notOnce]), "a feature false on 1 token is undefined");
            assertTrue(Double.isNaN(got[2][j]), "a constant neuron has no variance to reduce: NaN");
        }
        assertTrue(got[4][twice] > 0.1, "token 38 (2 tokens) explains neuron 4: " + got[4][twice]);
        assertTrue(got[0][0] > 0.3, "neuron at 1e6 explained by its token class: " + got[0][0]);
        assertTrue(got[3][noun] > 0, "tag feature (beside the first batch's outliers): " + got[3][noun]);
    }

    @Test
    void shardedEqualsUnsharded() {
        List<SequenceBatch> data = adversarial(11, 6, 8);
        List<Feature> features = features();
        FamilyAccumulator whole = accumulate(data);
        // three shards, each with its own shift (its first batch's mean), merged in another order
        FamilyAccumulator a = accumulate(data.subList(0, 2));
        FamilyAccumulator b = accumulate(data.subList(2, 3));
        FamilyAccumulator c = accumulate(data.subList(3, 6));
        c.merge(a);
        c.merge(b);
        assertEquals(whole.tokens(), c.tokens());
        assertClose(VarianceReduction.matrix(whole, features), VarianceReduction.matrix(c, features), 1e-12,
                "merged shards vs one pass");
        for (int j = 0; j < K; j++) {
            assertEquals(whole.positions().mutualInformation(j), c.positions().mutualInformation(j), 1e-15);
            assertEquals(whole.preMoments().kurtosis(j), c.preMoments().kurtosis(j), 1e-9);
        }
    }

    @Test
    void rawSumsWouldFailWhereShiftedSumsHold() {
        // the reason for the shift: Σa² − (Σa)²/n at 1e6 with noise 0.5 loses most digits
        List<SequenceBatch> data = adversarial(3, 2, 8);
        double s1 = 0;
        double s2 = 0;
        List<Double> all = new ArrayList<>();
        for (SequenceBatch b : data) {
            for (int t = 0; t < b.rows(); t++) {
                double a = b.post()[t * K];
                s1 += a;
                s2 += a * a;
                all.add(a);
            }
        }
        double raw = (s2 - s1 * s1 / all.size()) / (all.size() - 1);
        double exact = var(all);
        assertTrue(Math.abs(raw - exact) / exact > 1e-9, "raw sums are not accurate here: " + raw + " vs " + exact);
        FamilyAccumulator acc = accumulate(data);
        VarianceReduction.Totals tot = VarianceReduction.totals(acc.variable(FamilyAccumulator.TOKEN));
        double shifted = VarianceReduction.m2(tot.n(), tot.s1()[0], tot.s2()[0]) / (tot.n() - 1);
        assertEquals(exact, shifted, 1e-12 * exact);
    }
}
