package org.uneurons.intervene;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;

import org.uneurons.core.stats.Percentiles;

/**
 * Which neurons each check tests (flat indices layer * d_mlp + neuron), the role's top candidates and a seeded random
 * baseline drawn as the paper draws it (METHOD 7.2: late-layer neurons of ordinary norm and vocabulary variance).
 */
record Choices(int[] entropy, int[] entropyRandom, int[] attention, int[] attentionRandom, int[] prediction,
               int[] suppression, int[] predictionRandom) {

    static Choices of(RolesTable r, int topK, int random, long seed) {
        int n = r.role().length;
        int lateFrom = Math.max(0, r.nLayers() - 2);
        IntPredicate late = i -> r.layer(i) >= lateFrom;

        // entropy: the last two layers, query candidates first, then by the share of w_out in W_U's null space
        int[] entropy = top(n, late, Comparator.<Integer>comparingInt(i -> r.entropyCandidate()[i] ? 0 : 1)
                .thenComparing(i -> -r.nullFraction()[i]), topK);
        double[] lateL2 = select(r.l2Penalty(), n, late);
        double[] lateVar = select(r.vocabVar(), n, late);
        double l2Max = percentile(lateL2, 90);
        double varMin = percentile(lateVar, 10);
        int[] entropyRandom = sample(n, i -> late.test(i) && r.l2Penalty()[i] <= l2Max && r.vocabVar()[i] >= varMin
                && !contains(entropy, i), random, new Random(seed));

        // attention deactivation: neurons raising a later head's BOS score, by their ratio to random directions
        int[] attention = top(n, i -> r.bosHead()[i] >= 0 && r.bosScore()[i] > 0,
                Comparator.<Integer>comparingDouble(i -> -r.bosRatio()[i]), topK);
        int[] attentionRandom = sample(n, i -> r.bosHead()[i] >= 0 && !contains(attention, i), random,
                new Random(seed + 1));

        // prediction and suppression: the most kurtotic of each role
        Comparator<Integer> byKurt = Comparator.comparingDouble(i -> -r.vocabKurt()[i]);
        int[] prediction = top(n, i -> r.role()[i].equals("prediction"), byKurt, topK);
        int[] suppression = top(n, i -> r.role()[i].equals("suppression"), byKurt, topK);
        int half = r.nLayers() / 2;
        int[] predictionRandom = sample(n, i -> r.layer(i) >= half && !contains(prediction, i) && !contains(suppression, i),
                random, new Random(seed + 2));
        return new Choices(entropy, entropyRandom, attention, attentionRandom, prediction, suppression, predictionRandom);
    }

    /** The first k neurons passing {@code keep} in {@code order} (ties by index, so the choice is reproducible). */
    static int[] top(int n, IntPredicate keep, Comparator<Integer> order, int k) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (keep.test(i)) {
                ids.add(i);
            }
        }
        ids.sort(order.thenComparingInt(i -> i));
        return ids.stream().limit(k).mapToInt(Integer::intValue).toArray();
    }

    /** Up to k neurons passing {@code keep}, drawn without replacement, returned in index order. */
    static int[] sample(int n, IntPredicate keep, int k, Random rnd) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (keep.test(i)) {
                ids.add(i);
            }
        }
        Collections.shuffle(ids, rnd);
        int[] out = ids.stream().limit(k).mapToInt(Integer::intValue).toArray();
        Arrays.sort(out);
        return out;
    }

    private static double[] select(double[] v, int n, IntPredicate keep) {
        double[] out = new double[n];
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (keep.test(i)) {
                out[m++] = v[i];
            }
        }
        return Arrays.copyOf(out, m);
    }

    private static double percentile(double[] v, double p) {
        return v.length == 0 ? Double.NaN : Percentiles.linear(v, p);
    }

    static boolean contains(int[] a, int x) {
        for (int v : a) {
            if (v == x) {
                return true;
            }
        }
        return false;
    }
}
