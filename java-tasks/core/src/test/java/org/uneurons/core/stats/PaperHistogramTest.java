package org.uneurons.core.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.uneurons.core.io.HalfFloats;

/**
 * The paper's histogram against plain references written here: the edges from exact decimal arithmetic rounded once
 * to float32 (and torch's own values at a few indices), bins by a linear search over them after float16 rounding,
 * and the binned moments from the counts in 60-digit decimals.
 */
public class PaperHistogramTest {

    /** torch.linspace(-10, 15, 256) in float32: start + step * i (i < 128) or end - step * (255 - i), rounded once. */
    public static float[] referenceEdges() {
        float step = 25f / 255f; // float32, as torch's step
        BigDecimal s = new BigDecimal(step);
        float[] e = new float[256];
        for (int i = 0; i < 256; i++) {
            BigDecimal exact = i < 128 ? new BigDecimal(-10).add(s.multiply(BigDecimal.valueOf(i)))
                    : new BigDecimal(15).subtract(s.multiply(BigDecimal.valueOf(255 - i)));
            e[i] = nearestFloat(exact);
        }
        return e;
    }

    /** The float nearest an exact decimal, ties to even, by comparing with its two float neighbours. */
    static float nearestFloat(BigDecimal x) {
        float f = x.floatValue();
        float lo = new BigDecimal(f).compareTo(x) <= 0 ? f : Math.nextDown(f);
        float hi = Math.nextUp(lo);
        int c = x.subtract(new BigDecimal(lo)).compareTo(new BigDecimal(hi).subtract(x));
        if (c != 0) {
            return c < 0 ? lo : hi;
        }
        return (Float.floatToIntBits(lo) & 1) == 0 ? lo : hi;
    }

    /** searchsorted, side left, by linear search: the number of edges strictly below the float16-rounded x. */
    public static int referenceBin(float[] edges, float x) {
        float h = HalfFloats.halfToFloat(HalfFloats.floatToHalf(x));
        int n = 0;
        for (float e : edges) {
            if (e < h) {
                n++;
            }
        }
        return n;
    }

    @Test
    void edgesAreTorchsFloat32Linspace() {
        float[] want = referenceEdges();
        float[] got = PaperHistogram.edges();
        for (int i = 0; i < 256; i++) {
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), "edge " + i);
        }
        // torch 2.5.1 (CPU) printed these bit patterns; the models module compares all 256 with torch itself
        int[][] torch = {{0, 0xc1200000}, {1, 0xc11e6e6e}, {100, 0xbe48c8be}, {101, 0xbdc8c8b3}, {102, 0x34300000},
                {103, 0x3dc8c8df}, {127, 0x401cdcde}, {128, 0x40232322}, {129, 0x40296969}, {200, 0x4119b9ba},
                {254, 0x416e6e6e}, {255, 0x41700000}};
        for (int[] t : torch) {
            assertEquals(t[1], Float.floatToIntBits(got[t[0]]), "edge " + t[0]);
        }
        // twice rounded (start + fl(step * i)) would differ: at edge 102 it is exactly 0, torch's is 1.6e-7
        assertEquals(0f, -10f + (25f / 255f) * 102);
        assertEquals(102, PaperHistogram.FIRST_ACTIVE_BIN, "the paper's zero bin: the first edge >= 0");
    }

    @Test
    void everyFloat16ValueBinsAsTheLinearSearch() {
        float[] edges = referenceEdges();
        for (int bits = 0; bits < 0x10000; bits++) {
            float h = HalfFloats.halfToFloat((short) bits);
            assertEquals(referenceBin(edges, h), PaperHistogram.bin(h), "half bits 0x" + Integer.toHexString(bits)
                    + " = " + h);
        }
    }

    /**
     * Every float32: float16 rounding sends the floats between two neighbouring float16 values' midpoints to one
     * value, so the reference bin only changes at those midpoints. Checked at each midpoint and its float32
     * neighbours, the binning is right everywhere: its estimate is monotone in x and within one of the reference at
     * both ends of each stretch, hence inside it too, and one correction step each way then gives the bin.
     */
    @Test
    void everyFloat32BinsAsTheLinearSearchChangeByChange() {
        float[] edges = referenceEdges();
        List<Float> halves = new ArrayList<>();
        for (int bits = 0; bits < 0x10000; bits++) {
            float h = HalfFloats.halfToFloat((short) bits);
            if (h == h) {
                halves.add(h);
            }
        }
        halves.sort(Float::compare);
        int checked = 0;
        for (int i = 0; i + 1 < halves.size(); i++) {
            float a = halves.get(i), b = halves.get(i + 1);
            float m = Float.isInfinite(b) ? 65520f : Float.isInfinite(a) ? -65520f : (a + b) / 2; // exact in float32
            for (float x : new float[] {a, Math.nextUp(a), Math.nextDown(m), m, Math.nextUp(m), Math.nextDown(b), b}) {
                int want = referenceBin(edges, x);
                assertEquals(want, PaperHistogram.bin(x), "x = " + x);
                assertTrue(Math.abs(PaperHistogram.estimate(x) - want) <= 1, "estimate at " + x);
                checked++;
            }
        }
        assertTrue(checked > 400_000, "checked " + checked);
    }

    @Test
    void adversarialFloat32ValuesBinAsTheLinearSearch() {
        float[] edges = referenceEdges();
        List<Float> xs = new ArrayList<>();
        for (float e : edges) {
            xs.add(e);
            xs.add(Math.nextUp(e));
            xs.add(Math.nextDown(e));
            // the float16 neighbours of each edge and the float32 midpoints between them (ties to even)
            float hUp = HalfFloats.halfToFloat((short) (HalfFloats.floatToHalf(e) + 1));
            float h = HalfFloats.halfToFloat(HalfFloats.floatToHalf(e));
            xs.add(h);
            xs.add(hUp);
            xs.add((h + hUp) / 2);
            xs.add(Math.nextUp((h + hUp) / 2));
            xs.add(Math.nextDown((h + hUp) / 2));
        }
        for (float v : new float[] {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 65504f, -65504f, 65519.99f, 65520f,
                -65520f, 1e6f, -1e6f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, 6e-8f, -6e-8f, 1.6391277E-7f, -10.09804f, 15.09804f}) {
            xs.add(v);
        }
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 200_000; i++) {
            xs.add((float) (r.nextDouble(-12, 17)));
            xs.add(Float.intBitsToFloat(r.nextInt()));
        }
        for (float x : xs) {
            if (x == x) {
                assertEquals(referenceBin(edges, x), PaperHistogram.bin(x), "x = " + x);
            }
        }
        // float16 rounds 65520 and beyond to infinity: last bin; -0.0 bins as 0; below the first edge: bin 0
        assertEquals(256, PaperHistogram.bin(65520f));
        assertEquals(256, PaperHistogram.bin(Float.POSITIVE_INFINITY));
        assertEquals(0, PaperHistogram.bin(-65520f));
        assertEquals(0, PaperHistogram.bin(Float.NEGATIVE_INFINITY));
        assertEquals(0, PaperHistogram.bin(-10f), "on edge 0: no edge strictly below");
        assertEquals(102, PaperHistogram.bin(-0f));
        assertEquals(102, PaperHistogram.bin(0f));
        assertEquals(0, PaperHistogram.bin(Float.NaN), "NaN (rejected afterwards) lands in bin 0");
    }

    /** The bin centres as the paper's code has them: float32 extended edges and midpoints. */
    public static double[] referenceCentres() {
        float[] e = referenceEdges();
        float[] ext = new float[258];
        ext[0] = (e[0] + e[0]) - e[1];
        System.arraycopy(e, 0, ext, 1, 256);
        ext[257] = (e[255] + e[255]) - e[254];
        double[] c = new double[257];
        for (int b = 0; b < 257; b++) {
            c[b] = (ext[b] + ext[b + 1]) / 2f;
        }
        return c;
    }

    /** mean, var, skew, kurt of one neuron's counts in 60-digit decimals, rounded to double at the end. */
    public static double[] referenceMoments(long[] counts) {
        MathContext mc = new MathContext(60, RoundingMode.HALF_EVEN);
        double[] c = referenceCentres();
        BigDecimal n = BigDecimal.ZERO, sum = BigDecimal.ZERO;
        for (int b = 0; b < 257; b++) {
            n = n.add(BigDecimal.valueOf(counts[b]));
            sum = sum.add(new BigDecimal(c[b]).multiply(BigDecimal.valueOf(counts[b])));
        }
        BigDecimal mean = sum.divide(n, mc);
        BigDecimal s2 = BigDecimal.ZERO, s3 = BigDecimal.ZERO, s4 = BigDecimal.ZERO;
        for (int b = 0; b < 257; b++) {
            BigDecimal d = new BigDecimal(c[b]).subtract(mean);
            BigDecimal k = BigDecimal.valueOf(counts[b]);
            s2 = s2.add(d.pow(2).multiply(k), mc);
            s3 = s3.add(d.pow(3).multiply(k), mc);
            s4 = s4.add(d.pow(4).multiply(k), mc);
        }
        BigDecimal var = s2.divide(n, mc);
        if (var.signum() == 0) {
            return new double[] {mean.doubleValue(), 0, Double.NaN, Double.NaN};
        }
        BigDecimal sd = var.sqrt(mc);
        return new double[] {mean.doubleValue(), var.doubleValue(),
                s3.divide(n, mc).divide(var.multiply(sd, mc), mc).doubleValue(),
                s4.divide(n, mc).divide(var.multiply(var, mc), mc).doubleValue()};
    }

    @Test
    void binnedMomentsMatchTheDecimalReference() {
        SplittableRandom r = new SplittableRandom(5);
        List<long[]> cases = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long[] h = new long[257];
            int occupied = 1 + r.nextInt(257);
            for (int k = 0; k < occupied; k++) {
                h[r.nextInt(257)] += 1 + r.nextLong(i % 2 == 0 ? 10 : 1_000_000_000L);
            }
            cases.add(h);
        }
        long[] twoFar = new long[257];      // the outermost bins: the extrapolated centres
        twoFar[0] = 3;
        twoFar[256] = 5;
        cases.add(twoFar);
        long[] lopsided = new long[257];    // one token far from 10^12 in one bin: tiny variance, huge kurtosis
        lopsided[150] = 1_000_000_000_000L;
        lopsided[151] = 1;
        cases.add(lopsided);
        long[] neighbours = new long[257];  // two neighbouring bins, equal counts: skew 0, kurtosis 1
        neighbours[101] = 7;
        neighbours[102] = 7;
        cases.add(neighbours);
        for (long[] h : cases) {
            double[] want = referenceMoments(h);
            double[] got = PaperHistogram.moments(h, 0);
            String what = java.util.Arrays.toString(h);
            assertEquals(want[0], got[0], 1e-14 * Math.max(1, Math.abs(want[0])), "mean " + what);
            assertEquals(want[1], got[1], 1e-12 * want[1], "var " + what);
            assertEquals(want[2], got[2], 1e-10 * Math.max(1, Math.abs(want[2])), "skew " + what);
            assertEquals(want[3], got[3], 1e-10 * want[3], "kurt " + what);
        }
        double[] n = PaperHistogram.moments(neighbours, 0);
        assertEquals(0.0, n[2], 1e-15);
        assertEquals(1.0, n[3], 1e-15);
    }

    @Test
    void allCountsInOneBinGiveVarianceZeroAndSkewKurtosisZero() {
        double[] centres = referenceCentres();
        for (int b : new int[] {0, 1, 101, 102, 200, 256}) {
            long[] h = new long[257];
            h[b] = 123_456_789_013L;
            double[] m = PaperHistogram.moments(h, 0);
            // the paper's 0/0 is NaN; here 0, as the exact columns give a constant neuron (neurons.csv has no NaN)
            assertArrayEquals(new double[] {centres[b], 0, 0, 0}, m, 0, "bin " + b);
            assertTrue(Double.isNaN(referenceMoments(h)[2]));
        }
    }

    @Test
    void activeFractionCountsBinsFrom102() {
        long[] h = new long[257];
        h[101] = 3;
        h[102] = 5;
        h[256] = 2;
        h[0] = 10;
        assertEquals(7.0 / 20, PaperHistogram.activeFraction(h, 0));
        // offset: the second neuron of a flat [2 x 257] array
        long[] two = new long[514];
        System.arraycopy(h, 0, two, 257, 257);
        two[5] = 99;
        assertEquals(7.0 / 20, PaperHistogram.activeFraction(two, 257));
        assertArrayEquals(PaperHistogram.moments(h, 0), PaperHistogram.moments(two, 257));
    }
}
