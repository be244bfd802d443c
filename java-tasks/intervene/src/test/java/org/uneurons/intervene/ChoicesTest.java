package org.uneurons.intervene;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The neurons each check tests, against the rules written out plainly. */
class ChoicesTest {
    static final int L = 4, M = 50, N = L * M;

    static RolesTable table(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        String[] role = new String[N];
        boolean[] cand = new boolean[N];
        double[] nf = new double[N], l2 = new double[N], var = new double[N], kurt = new double[N], skew = new double[N];
        int[] bl = new int[N], bh = new int[N];
        double[] bs = new double[N], br = new double[N];
        for (int i = 0; i < N; i++) {
            role[i] = r.nextInt(10) == 0 ? "prediction" : r.nextInt(10) == 0 ? "suppression" : "none";
            cand[i] = r.nextInt(20) == 0;
            nf[i] = r.nextDouble();
            l2[i] = r.nextDouble() * 10;
            var[i] = r.nextDouble() * 0.01;
            kurt[i] = 3 + r.nextDouble() * 40;
            skew[i] = r.nextDouble() - 0.5;
            boolean last = i / M == L - 1;
            bl[i] = last ? -1 : L - 1;
            bh[i] = last ? -1 : r.nextInt(4);
            bs[i] = last ? Double.NaN : r.nextDouble() - 0.5;
            br[i] = last ? Double.NaN : r.nextDouble() * 2;
        }
        return new RolesTable(L, M, role, cand, nf, l2, var, kurt, skew, bl, bh, bs, br);
    }

    @Test
    void chosenNeuronsFollowTheRules() {
        RolesTable t = table(3);
        Choices c = Choices.of(t, 5, 12, 9);
        // entropy: last two layers, candidates first, then null fraction descending
        Integer[] late = java.util.stream.IntStream.range(2 * M, N).boxed().toArray(Integer[]::new);
        Arrays.sort(late, (a, b) -> t.entropyCandidate()[a] != t.entropyCandidate()[b] ? (t.entropyCandidate()[a] ? -1 : 1)
                : Double.compare(t.nullFraction()[b], t.nullFraction()[a]));
        assertArrayEquals(Arrays.stream(late).limit(5).mapToInt(Integer::intValue).toArray(), c.entropy());
        // the random baseline: late, l2 <= p90 and var >= p10 of the late neurons, not chosen
        double[] l2 = Arrays.stream(late).mapToDouble(i -> t.l2Penalty()[i]).sorted().toArray();
        double[] var = Arrays.stream(late).mapToDouble(i -> t.vocabVar()[i]).sorted().toArray();
        double l2Max = numpy(l2, 90), varMin = numpy(var, 10);
        assertEquals(12, c.entropyRandom().length);
        for (int i : c.entropyRandom()) {
            assertTrue(i >= 2 * M && t.l2Penalty()[i] <= l2Max && t.vocabVar()[i] >= varMin, "neuron " + i);
            assertFalse(Choices.contains(c.entropy(), i));
        }
        // attention: positive scores by ratio; random ones have a head
        for (int k = 0; k < c.attention().length; k++) {
            int i = c.attention()[k];
            assertTrue(t.bosScore()[i] > 0);
            for (int j = 0; j < N; j++) {
                if (t.bosHead()[j] >= 0 && t.bosScore()[j] > 0 && !Choices.contains(c.attention(), j)) {
                    assertTrue(t.bosRatio()[j] <= t.bosRatio()[c.attention()[c.attention().length - 1]]);
                }
            }
        }
        for (int i : c.attentionRandom()) {
            assertTrue(i / M < L - 1 && !Choices.contains(c.attention(), i));
        }
        // prediction / suppression: their role, by kurtosis; random ones from the second half
        for (int i : c.prediction()) {
            assertEquals("prediction", t.role()[i]);
        }
        for (int i : c.suppression()) {
            assertEquals("suppression", t.role()[i]);
        }
        for (int i : c.predictionRandom()) {
            assertTrue(i / M >= L / 2);
        }
        assertArrayEquals(c.entropyRandom(), Choices.of(t, 5, 12, 9).entropyRandom(), "seeded");
    }

    @Test
    void fewerEligibleNeuronsThanAskedGivesAllOfThem() {
        RolesTable t = table(4);
        Choices c = Choices.of(t, 1000, 1000, 1);
        assertEquals(2 * M, c.entropy().length);
        assertEquals(0, c.entropyRandom().length, "every late neuron is already chosen");
    }

    static double numpy(double[] sorted, double p) {
        double pos = p / 100 * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
