package org.uneurons.core.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The lazy block-wise merge (merge's streaming path) against merging whole PairMoments in the same order: every
 * vector and block bit-identical, with an empty and a one-token partial among the sources and a layer range in a.
 */
class MomentMergerTest {
    private static final Gemm PLAIN = new PlainGemm();

    private static List<PairMoments> partials(Synthetic s, int[] cuts) {
        List<PairMoments> out = new ArrayList<>();
        for (int c = 0; c + 1 < cuts.length; c++) {
            PairMoments p = new PairMoments(s.shape());
            s.feed(p, cuts[c], cuts[c + 1], 53, PLAIN, Gemm.Precision.FLOAT64);
            out.add(p);
        }
        return out;
    }

    private static void assertSameMoments(PairMoments expected, MomentBlocks actual) {
        MomentShape sh = expected.shape();
        assertEquals(sh, actual.shape());
        assertEquals(expected.count(), actual.count());
        assertArrayEquals(expected.meanA(), actual.meanA());
        assertArrayEquals(expected.meanB(), actual.meanB());
        assertArrayEquals(expected.m2A(), actual.m2A());
        assertArrayEquals(expected.m2B(), actual.m2B());
        for (int la = 0; la < sh.layersInRangeA(); la++) {
            for (int lb = 0; lb < sh.nLayersB(); lb++) {
                double[][] e = expected.comoment(la, lb), a = actual.comoment(la, lb);
                for (int i = 0; i < e.length; i++) {
                    assertArrayEquals(e[i], a[i], "comoment " + la + "," + lb + " row " + i);
                }
            }
        }
        for (int lb = 0; lb < sh.nLayersB(); lb++) {
            double[][] e = expected.covB(lb), a = actual.covB(lb);
            for (int i = 0; i < e.length; i++) {
                assertArrayEquals(e[i], a[i], "cov_b " + lb + " row " + i);
            }
        }
    }

    @Test
    void blockwiseMergeIsBitIdenticalToWholeMerge() {
        Synthetic s = Synthetic.adversarial(31, 900, 3, 5, 2, 4);
        // an empty partial first and in the middle, a one-token partial, uneven sizes
        int[] cuts = {0, 0, 1, 300, 300, 611, 900};
        List<PairMoments> sources = partials(s, cuts);
        PairMoments whole = sources.get(0).copy();
        for (int i = 1; i < sources.size(); i++) {
            whole.merge(sources.get(i).copy());
        }
        MomentMerger lazy = MomentMerger.of(sources);
        assertSameMoments(whole, lazy);
        // asking twice gives the same blocks and leaves the sources untouched
        assertSameMoments(whole, lazy);
        PairMoments first = new PairMoments(s.shape());
        s.feed(first, 0, 0, 53, PLAIN, Gemm.Precision.FLOAT64);
        assertSameMoments(first, sources.get(0));
    }

    @Test
    void oneSourceIsItself() {
        Synthetic s = Synthetic.adversarial(32, 200, 2, 3, 2, 3);
        PairMoments p = partials(s, new int[] {0, 200}).get(0);
        assertSameMoments(p, MomentMerger.of(List.of(p)));
    }

    @Test
    void refusesSourcesOfOtherShapes() {
        Synthetic a = Synthetic.adversarial(33, 50, 2, 3, 2, 3);
        Synthetic b = Synthetic.adversarial(34, 50, 2, 3, 2, 4);
        List<PairMoments> mixed = List.of(partials(a, new int[] {0, 50}).get(0), partials(b, new int[] {0, 50}).get(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MomentMerger.of(mixed));
        assertEquals("cannot merge moments of different shapes: " + a.shape() + " vs " + b.shape(), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MomentMerger.of(List.of()));
    }
}
