package org.uneurons.core.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.uneurons.core.cli.InputException;

/**
 * ActivationStats: the paper's histogram and binned columns against a plain reference (linear search over the
 * reference edges, float64 moments of the bin centres), merging shards equals one pass over both (histogram
 * exactly), and kept rows: left-out tokens enter nothing, top activations keep the shard's own rows.
 */
class ActivationStatsTest {
    static final int LAYERS = 2;
    static final int D = 7;

    /**
     * [rows x D] pre-activations per layer; neuron 0 constant (one bin), 1 on and beside edges, 2 beyond float16's
     * range now and then, 3 a large mean, 4 negative zero and zero, 5 and 6 Gaussian of different scales.
     */
    static float[][] pre(int rows, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] edges = PaperHistogramTest.referenceEdges();
        float[][] x = new float[LAYERS][rows * D];
        for (int l = 0; l < LAYERS; l++) {
            for (int t = 0; t < rows; t++) {
                float e = edges[r.nextInt(256)];
                float[] v = {-0.05f, r.nextBoolean() ? e : (r.nextBoolean() ? Math.nextUp(e) : Math.nextDown(e)),
                        r.nextInt(10) == 0 ? (r.nextBoolean() ? 70000f : -1e6f) : (float) r.nextGaussian(),
                        (float) (12 + 0.01 * r.nextGaussian()), r.nextBoolean() ? -0f : 0f, (float) r.nextGaussian(),
                        (float) (3 * r.nextGaussian() - 1)};
                System.arraycopy(v, 0, x[l], t * D, D);
            }
        }
        return x;
    }

    static float[][] post(float[][] pre) {
        float[][] y = new float[LAYERS][];
        for (int l = 0; l < LAYERS; l++) {
            y[l] = new float[pre[l].length];
            for (int i = 0; i < y[l].length; i++) {
                y[l][i] = Math.round(Math.max(0, Math.min(pre[l][i], 20)) * 4) / 4f; // ties for the top-k rule
            }
        }
        return y;
    }

    static ActivationStats stats(String shard, float[][] pre, float[][] post, int[] keep) {
        ActivationStats s = new ActivationStats("m", LAYERS, D, 3);
        int src = s.beginShard(shard, "test");
        int rows = pre[0].length / D;
        for (int l = 0; l < LAYERS; l++) {
            float[] buf = pre[l].clone();
            if (keep == null) {
                s.addPre(l, buf, rows);
                s.addPost(l, post[l], rows, src, 0, "test");
            } else {
                s.addPre(l, buf, keep);
                s.addPost(l, post[l], keep, src, 0, "test");
            }
        }
        if (keep != null) {
            s.skipUnknown(rows - keep.length);
        }
        return s;
    }

    /** The reference histogram of one neuron: the test's own binning of every value given. */
    static long[] referenceHist(List<Float> values) {
        float[] edges = PaperHistogramTest.referenceEdges();
        long[] h = new long[257];
        for (float x : values) {
            h[PaperHistogramTest.referenceBin(edges, x)]++;
        }
        return h;
    }

    static List<Float> column(float[][] pre, int l, int j, int[] rows) {
        List<Float> c = new ArrayList<>();
        for (int t : rows) {
            c.add(pre[l][t * D + j]);
        }
        return c;
    }

    static int[] all(int n) {
        return java.util.stream.IntStream.range(0, n).toArray();
    }

    @Test
    void binnedColumnsMatchThePlainReference() {
        int rows = 501;
        float[][] x = pre(rows, 1);
        ActivationStats s = stats("s0", x, post(x), null);
        Map<String, double[]> c = s.columns();
        double[] centres = PaperHistogramTest.referenceCentres();
        for (int l = 0; l < LAYERS; l++) {
            for (int j = 0; j < D; j++) {
                int i = l * D + j;
                long[] want = referenceHist(column(x, l, j, all(rows)));
                assertArrayEquals(want, Arrays.copyOfRange(s.preHist(), i * 257, (i + 1) * 257), "neuron " + i);
                double[] m = PaperHistogramTest.referenceMoments(want);
                String what = "layer " + l + " neuron " + j;
                assertEquals(m[0], c.get("mean_binned")[i], 1e-13 * Math.max(1, Math.abs(m[0])), what);
                if (j == 0) {
                    // constant: one bin, the exact columns' variance, skew and kurtosis 0
                    assertEquals(centres[PaperHistogramTest.referenceBin(PaperHistogramTest.referenceEdges(), -0.05f)],
                            c.get("mean_binned")[i], 0, what);
                    for (String col : List.of("var", "skew", "kurt")) {
                        assertEquals(0.0, c.get(col)[i], what + " " + col);
                    }
                }
                if (m[1] == 0) {
                    // one occupied bin: variance 0, skew and kurtosis 0 (the paper's 0/0), as for a constant neuron
                    for (String col : List.of("var_binned", "skew_binned", "kurt_binned")) {
                        assertEquals(0.0, c.get(col)[i], what + " " + col);
                    }
                } else {
                    assertEquals(m[1], c.get("var_binned")[i], 1e-12 * m[1], what);
                    assertEquals(m[2], c.get("skew_binned")[i], 1e-10 * Math.max(1, Math.abs(m[2])), what);
                    assertEquals(m[3], c.get("kurt_binned")[i], 1e-10 * m[3], what);
                }
                long active = 0;
                for (int b = 102; b < 257; b++) {
                    active += want[b];
                }
                assertEquals((double) active / rows, c.get("act_freq_binned")[i], 1e-15, what);
            }
        }
        // neuron 4 (±0) is active in the paper's sense in every row; neuron 2's 70000 and -1e6 reach the end bins
        assertEquals(1.0, c.get("act_freq_binned")[4]);
        assertTrue(s.preHist()[2 * 257 + 256] > 0 && s.preHist()[2 * 257] > 0);
    }

    @Test
    void mergingTwoShardsEqualsOnePassOverBoth() {
        float[][] a = pre(300, 2), b = pre(123, 3);
        float[][] both = new float[LAYERS][];
        for (int l = 0; l < LAYERS; l++) {
            both[l] = Arrays.copyOf(a[l], a[l].length + b[l].length);
            System.arraycopy(b[l], 0, both[l], a[l].length, b[l].length);
        }
        ActivationStats merged = stats("a", a, post(a), null);
        merged.merge(stats("b", b, post(b), null), "test");
        ActivationStats once = stats("a", both, post(both), null);
        assertArrayEquals(once.preHist(), merged.preHist(), "histogram exactly");
        assertArrayEquals(once.countPos(), merged.countPos());
        assertArrayEquals(once.countPaper(), merged.countPaper());
        assertEquals(423, merged.tokens());
        Map<String, double[]> m = merged.columns(), o = once.columns();
        for (String col : List.of("mean_binned", "var_binned", "skew_binned", "kurt_binned", "act_freq_binned")) {
            assertArrayEquals(o.get(col), m.get(col), 0, col + ": the same counts give the same bits");
        }
        for (String col : List.of("mean", "var", "skew", "kurt")) {
            for (int i = 0; i < LAYERS * D; i++) {
                assertEquals(o.get(col)[i], m.get(col)[i], 1e-9 * Math.max(1, Math.abs(o.get(col)[i])), col);
            }
        }
        // and the other way round: the same histogram
        ActivationStats ba = stats("b", b, post(b), null);
        ba.merge(stats("a", a, post(a), null), "test");
        assertArrayEquals(once.preHist(), ba.preHist());
    }

    @Test
    void keptRowsLeaveTheOthersOutOfEverything() {
        int rows = 200;
        float[][] x = pre(rows, 4);
        float[][] y = post(x);
        SplittableRandom r = new SplittableRandom(8);
        int[] keep = java.util.stream.IntStream.range(0, rows).filter(t -> r.nextInt(4) != 0).toArray();
        // the left-out rows get the largest post-activations: they must not reach the top-k
        for (int t = 0; t < rows; t++) {
            if (Arrays.binarySearch(keep, t) < 0) {
                for (int l = 0; l < LAYERS; l++) {
                    for (int j = 0; j < D; j++) {
                        y[l][t * D + j] = 1000 + t;
                    }
                }
            }
        }
        ActivationStats s = stats("s", x, y, keep);
        assertEquals(keep.length, s.tokens());
        assertEquals(rows - keep.length, s.skippedUnknown());
        Map<String, double[]> c = s.columns();
        TopK.Sorted top = s.top().sorted();
        for (int l = 0; l < LAYERS; l++) {
            for (int j = 0; j < D; j++) {
                int i = l * D + j;
                List<Float> kept = column(x, l, j, keep);
                assertArrayEquals(referenceHist(kept), Arrays.copyOfRange(s.preHist(), i * 257, (i + 1) * 257));
                double[] exact = CentralMomentsTest.reference(kept.stream().mapToDouble(Float::doubleValue).toArray());
                assertEquals(exact[0], c.get("mean")[i], 1e-12 * Math.max(1, Math.abs(exact[0])));
                long pos = kept.stream().filter(v -> v > 0).count();
                assertEquals((double) pos / keep.length, c.get("act_freq")[i], 1e-15);
                double sum = 0, max = Double.NEGATIVE_INFINITY;
                List<double[]> byValue = new ArrayList<>(); // value, row
                for (int t : keep) {
                    sum += y[l][t * D + j];
                    max = Math.max(max, y[l][t * D + j]);
                    byValue.add(new double[] {y[l][t * D + j], t});
                }
                assertEquals(sum / keep.length, c.get("post_mean")[i], 1e-12);
                assertEquals(max, c.get("post_max")[i], 0);
                byValue.sort((p, q) -> p[0] != q[0] ? Double.compare(q[0], p[0]) : Double.compare(p[1], q[1]));
                for (int k = 0; k < 3; k++) {
                    assertEquals(byValue.get(k)[0], top.values()[i][k], 0);
                    assertEquals((long) byValue.get(k)[1], top.rows()[i][k], "the shard's own row");
                }
            }
        }
    }

    @Test
    void statisticsOfNoTokenAreAnErrorNotNaN() {
        float[][] x = pre(10, 5);
        ActivationStats s = stats("only-unknown", x, post(x), new int[0]);
        assertEquals(0, s.tokens());
        assertEquals(10, s.skippedUnknown());
        InputException e = assertThrows(InputException.class, s::columns);
        assertEquals("statistics of m over shards only-unknown hold no token: all 10 were the unknown id, which the"
                + " shards' filter_ids drop", e.getMessage());
        // merged with a shard that has tokens, it is as if that shard were alone (but for the count left out)
        float[][] z = pre(20, 6);
        s.merge(stats("other", z, post(z), null), "test");
        ActivationStats alone = stats("other", z, post(z), null);
        assertEquals(20, s.tokens());
        assertEquals(10, s.skippedUnknown());
        assertArrayEquals(alone.preHist(), s.preHist());
        for (String col : alone.columns().keySet()) {
            assertArrayEquals(alone.columns().get(col), s.columns().get(col), 1e-15, col);
        }
    }

    /** act_freq_paper's edge is the paper's edge 101 as torch has it in float32 (bits 0xbdc8c8b3 = -0.09803905). */
    @Test
    void thePaperEdgeIsTorchsEdge101() {
        assertEquals((double) Float.intBitsToFloat(0xbdc8c8b3), ActivationStats.PAPER_EDGE);
        float[][] x = new float[LAYERS][D * 3];
        java.util.Arrays.fill(x[0], Float.intBitsToFloat(0xbdc8c8b3));
        for (int j = 0; j < D; j++) {
            x[0][D + j] = Math.nextUp(Float.intBitsToFloat(0xbdc8c8b3));
            x[0][2 * D + j] = -0.09803921f; // above -10 + 101 * 25 / 255, not above torch's float32 edge
        }
        ActivationStats s = stats("s", x, post(x), null);
        assertEquals(1.0 / 3, s.columns().get("act_freq_paper")[0], 1e-15, "only the row above the edge");
    }

    @Test
    void theStatisticsFilterIsTheRecordedDecisionAboutTheUnknownId() {
        assertArrayEquals(new int[] {9}, ActivationStats.statisticsFilter(new TokenFilter(0, 9), 9).ids());
        assertArrayEquals(new int[0], ActivationStats.statisticsFilter(new TokenFilter(0, 1), 9).ids(),
                "the shard keeps its unknown id: statistics too");
        assertArrayEquals(new int[0], ActivationStats.statisticsFilter(new TokenFilter(0, 9), -1).ids());
        assertArrayEquals(new int[0], ActivationStats.statisticsFilter(null, 9).ids());
    }
}
