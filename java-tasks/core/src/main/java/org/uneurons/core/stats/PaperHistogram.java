package org.uneurons.core.stats;

import org.uneurons.core.io.HalfFloats;

/**
 * The paper's per-neuron histogram of the pre-activation (METHOD 5.3; summary.py, analysis/activations.py): 256
 * float32 edges {@code torch.linspace(-10, 15, 256)}, the pre-activation rounded to float16 (the paper kept fp16
 * activations), bin = {@code torch.searchsorted(edges, x)} (side left: the number of edges strictly below x), so
 * 257 bins; and the moments and activation frequency the paper takes from the counts.
 *
 * <p>The edges are torch's float32 values. torch 2.5.1 (CPU, checked through DJL in the models module's tests) gives
 * {@code start + step * i} for {@code i < 128} and {@code end - step * (255 - i)} above, with {@code step = 25f / 255}
 * in float32 and each expression rounded once (a fused multiply-add): 94 of the 256 edges are one ulp away from the
 * twice-rounded float32 expression, and edge 102 is 1.6e-7, not 0. Other torch builds may differ in the last bit of
 * some edges; summary.py made its edges on the CPU.
 */
public final class PaperHistogram {
    public static final int EDGE_COUNT = 256;
    public static final int BINS = EDGE_COUNT + 1;
    /** The paper's "sparsity" (its activation frequency) counts bins from this index: the first edge >= 0 is 102. */
    public static final int FIRST_ACTIVE_BIN;

    private static final float START = -10f;
    private static final float END = 15f;
    private static final float STEP = (END - START) / (EDGE_COUNT - 1);
    private static final float INV_STEP = (EDGE_COUNT - 1) / (END - START);
    private static final float[] EDGES = new float[EDGE_COUNT];
    /**
     * [258]: -inf, then for each edge k the smallest float32 x whose float16 rounding is above edge k, then NaN (never
     * <= anything). Rounding to float16 is monotone, so the bin of x is the number of these thresholds <= x: the
     * float16 rounding is folded into the table, and binning needs no conversion.
     */
    private static final float[] ABOVE = new float[EDGE_COUNT + 2];
    /** Bin centres of the edges extended by one step on each side, as compute_moments_from_binned_data has them. */
    private static final double[] CENTRES = new double[BINS];

    static {
        for (int i = 0; i < EDGE_COUNT; i++) {
            EDGES[i] = i < EDGE_COUNT / 2 ? Math.fma(STEP, (float) i, START)
                    : Math.fma(-STEP, (float) (EDGE_COUNT - 1 - i), END);
        }
        int first = 0;
        while (EDGES[first] < 0) {
            first++;
        }
        FIRST_ACTIVE_BIN = first;
        ABOVE[0] = Float.NEGATIVE_INFINITY;
        for (int k = 0; k < EDGE_COUNT; k++) {
            ABOVE[k + 1] = smallestAbove(EDGES[k]);
        }
        ABOVE[EDGE_COUNT + 1] = Float.NaN;
        // float32 as torch computes them: e0 + e0 - e1 and e255 + e255 - e254, then (left + right) / 2
        float[] ext = new float[EDGE_COUNT + 2];
        ext[0] = EDGES[0] + EDGES[0] - EDGES[1];
        System.arraycopy(EDGES, 0, ext, 1, EDGE_COUNT);
        ext[EDGE_COUNT + 1] = EDGES[EDGE_COUNT - 1] + EDGES[EDGE_COUNT - 1] - EDGES[EDGE_COUNT - 2];
        for (int b = 0; b < BINS; b++) {
            CENTRES[b] = (ext[b] + ext[b + 1]) / 2;
        }
    }

    /** The smallest float32 whose float16 rounding is above {@code edge}: a binary search over ordered bit patterns. */
    private static float smallestAbove(float edge) {
        int lo = ordered(Float.NEGATIVE_INFINITY), hi = ordered(Float.POSITIVE_INFINITY);
        while (lo < hi) { // the answer lies in (lo, hi]
            int mid = (int) (((long) lo + hi) >> 1);
            if (HalfFloats.halfToFloat(HalfFloats.floatToHalf(fromOrdered(mid))) > edge) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return fromOrdered(hi);
    }

    /** Float bits as an int that orders as the floats do (NaN aside). */
    private static int ordered(float x) {
        int b = Float.floatToRawIntBits(x);
        return b ^ ((b >> 31) & 0x7FFFFFFF);
    }

    private static float fromOrdered(int k) {
        return Float.intBitsToFloat(k ^ ((k >> 31) & 0x7FFFFFFF));
    }

    private PaperHistogram() {
    }

    /** The 256 float32 edges. */
    public static float[] edges() {
        return EDGES.clone();
    }

    /** The 257 bin centres (float32 values, as the paper computes them). */
    public static double[] centres() {
        return CENTRES.clone();
    }

    /**
     * The bin of a pre-activation: x rounded to float16 (a magnitude of 65520 or more becomes ±infinity: the last or
     * first bin), then the number of edges strictly below it; -0.0 bins as 0. NaN (rejected by the statistics
     * afterwards) lands in bin 0. Without branches on the data: an estimate from the edges' spacing, never more than one off
     * (PaperHistogramTest checks it at every point where the bin or float16 rounding changes), corrected by one
     * comparison each way against the thresholds.
     */
    public static int bin(float x) {
        if (x != x) {
            return 0;
        }
        int i = estimate(x);
        i += ABOVE[i + 1] <= x ? 1 : 0;
        i -= ABOVE[i] <= x ? 0 : 1;
        return i;
    }

    /** floor((x - start) / step) + 1, clamped to [0, 256] (infinities included): the bin up to one either way. */
    static int estimate(float x) {
        return (int) Math.max(0f, Math.min((float) EDGE_COUNT, (x - START) * INV_STEP + 1f));
    }

    /**
     * The paper's moments of one neuron's counts {@code hist[at .. at + 257)}: mean, population variance, skew
     * m3 / var^1.5 and non-excess kurtosis m4 / var^2 over the bin centres, in float64 (the paper summed in float32).
     * All counts in one bin give variance 0, where skew and kurtosis are undefined (the paper's 0/0): they are 0 then,
     * as the exact columns give a constant neuron. Deviations are taken from the first occupied bin's centre (centre
     * differences are exact in float64), so one occupied bin gives exactly that centre and variance 0, and a bin of
     * 10^12 tokens beside one of a single token keeps its tiny deviation to full precision.
     */
    public static double[] moments(long[] hist, int at) {
        long n = 0;
        int ref = -1;
        for (int b = 0; b < BINS; b++) {
            n += hist[at + b];
            if (ref < 0 && hist[at + b] != 0) {
                ref = b;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("no counts: the moments of an empty histogram are undefined");
        }
        double shift = 0;
        for (int b = ref; b < BINS; b++) {
            shift += hist[at + b] * (CENTRES[b] - CENTRES[ref]);
        }
        double delta = shift / n; // mean - centre of ref
        double s2 = 0, s3 = 0, s4 = 0;
        for (int b = ref; b < BINS; b++) {
            long c = hist[at + b];
            if (c != 0) {
                double d = (CENTRES[b] - CENTRES[ref]) - delta;
                double d2 = d * d;
                s2 += c * d2;
                s3 += c * d2 * d;
                s4 += c * d2 * d2;
            }
        }
        double mean = CENTRES[ref] + delta;
        double var = s2 / n;
        if (var == 0) {
            return new double[] {mean, 0, 0, 0};
        }
        return new double[] {mean, var, s3 / n / Math.pow(var, 1.5), s4 / n / (var * var)};
    }

    /** The paper's activation frequency: the fraction of counts in bins from {@link #FIRST_ACTIVE_BIN}. */
    public static double activeFraction(long[] hist, int at) {
        long n = 0, active = 0;
        for (int b = 0; b < BINS; b++) {
            n += hist[at + b];
            if (b >= FIRST_ACTIVE_BIN) {
                active += hist[at + b];
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("no counts: the activation frequency of an empty histogram is undefined");
        }
        return (double) active / n;
    }
}
