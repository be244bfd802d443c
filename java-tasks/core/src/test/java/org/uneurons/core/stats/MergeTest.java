package org.uneurons.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Shards merged with the Chan update equal one pass over all tokens, in any order and grouping. */
class MergeTest {
    private static final Gemm PLAIN = new PlainGemm();

    @Test
    void shardedAndMergedEqualsSinglePassInAnyOrder() {
        Synthetic s = Synthetic.adversarial(11, 1200, 2, 6, 2, 5);
        PairMoments single = new PairMoments(s.shape());
        s.feed(single, 0, s.tokens, 300, PLAIN, Gemm.Precision.FLOAT64);
        double[][] rSingle = ReferencePearson.fromMoments(single);

        // uneven shards, one of them a single token, one empty
        int[] cuts = {0, 1, 1, 250, 251, 700, 1200};
        List<PairMoments> shards = new ArrayList<>();
        for (int c = 0; c + 1 < cuts.length; c++) {
            PairMoments p = new PairMoments(s.shape());
            s.feed(p, cuts[c], cuts[c + 1], 97, PLAIN, Gemm.Precision.FLOAT64);
            shards.add(p);
        }
        Random order = new Random(7);
        double worst = 0;
        for (int perm = 0; perm < 6; perm++) {
            List<PairMoments> copy = new ArrayList<>();
            for (PairMoments p : shards) {
                copy.add(p.copy());
            }
            Collections.shuffle(copy, order);
            PairMoments merged;
            if (perm % 2 == 0) { // left fold
                merged = copy.get(0);
                for (int i = 1; i < copy.size(); i++) {
                    merged.merge(copy.get(i));
                }
            } else { // pairwise tree
                while (copy.size() > 1) {
                    List<PairMoments> next = new ArrayList<>();
                    for (int i = 0; i + 1 < copy.size(); i += 2) {
                        copy.get(i).merge(copy.get(i + 1));
                        next.add(copy.get(i));
                    }
                    if (copy.size() % 2 == 1) {
                        next.add(copy.get(copy.size() - 1));
                    }
                    copy = next;
                }
                merged = copy.get(0);
            }
            assertEquals(single.count(), merged.count());
            double err = ReferencePearson.maxAbsDiff(ReferencePearson.fromMoments(merged), rSingle);
            worst = Math.max(worst, err);
            for (int i = 0; i < single.meanA().length; i++) {
                assertEquals(single.meanA()[i], merged.meanA()[i], 1e-12 * Math.max(1, Math.abs(single.meanA()[i])));
                assertEquals(single.m2A()[i], merged.m2A()[i], 1e-9 * Math.max(1e-300, single.m2A()[i]) + 1e-300);
            }
        }
        System.out.printf(Locale.ROOT, "merge: max |dr| sharded+merged vs single pass over 6 orders = %.3e%n", worst);
        assertTrue(worst <= 1e-9, "merged vs single pass max |dr| " + worst);
    }

    @Test
    void mergingSingleTokenShardsEqualsOnePass() {
        Synthetic s = Synthetic.adversarial(12, 60, 1, 4, 1, 3);
        PairMoments single = new PairMoments(s.shape());
        s.feed(single, 0, s.tokens, 60, PLAIN, Gemm.Precision.FLOAT64);
        PairMoments merged = new PairMoments(s.shape());
        for (int t = 0; t < s.tokens; t++) {
            PairMoments one = new PairMoments(s.shape());
            s.feed(one, t, t + 1, 1, PLAIN, Gemm.Precision.FLOAT64);
            merged.merge(one);
        }
        double err = ReferencePearson.maxAbsDiff(ReferencePearson.fromMoments(merged), ReferencePearson.fromMoments(single));
        assertTrue(err <= 1e-9, "single-token shards max |dr| " + err);
    }

    @Test
    void refusesDifferentShapes() {
        PairMoments x = new PairMoments(MomentShape.full(2, 3, 2, 3));
        PairMoments y = new PairMoments(MomentShape.full(2, 3, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> x.merge(y));
    }
}
