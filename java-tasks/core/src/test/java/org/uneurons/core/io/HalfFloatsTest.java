package org.uneurons.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * F16 and BF16 conversions against plain references: decoding by the textbook formula in double, encoding by
 * choosing the nearer of the two neighbouring representable values (ties to the even bit pattern).
 */
class HalfFloatsTest {

    /** binary16 value by the formula (-1)^s * 2^(e-15) * (1 + m/1024), subnormals 2^-14 * m/1024. */
    static double halfRef(int bits) {
        int s = (bits >>> 15) & 1;
        int e = (bits >>> 10) & 0x1F;
        int m = bits & 0x3FF;
        double v;
        if (e == 31) {
            v = m == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else if (e == 0) {
            v = Math.pow(2, -14) * (m / 1024.0);
        } else {
            v = Math.pow(2, e - 15) * (1 + m / 1024.0);
        }
        return s == 1 ? -v : v;
    }

    /** bfloat16 value by the formula with 8 exponent bits (bias 127) and 7 mantissa bits. */
    static double bf16Ref(int bits) {
        int s = (bits >>> 15) & 1;
        int e = (bits >>> 7) & 0xFF;
        int m = bits & 0x7F;
        double v;
        if (e == 255) {
            v = m == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else if (e == 0) {
            v = Math.pow(2, -126) * (m / 128.0);
        } else {
            v = Math.pow(2, e - 127) * (1 + m / 128.0);
        }
        return s == 1 ? -v : v;
    }

    /**
     * Reference rounding of a finite x to the nearest of a monotone table of non-negative values (bit pattern i
     * has value ref(i) for 0 <= i <= maxFinite; pattern maxFinite+1 is infinity, treated for rounding as the
     * next power of two, as IEEE does), ties to the even pattern.
     */
    static int nearestRef(double x, java.util.function.IntToDoubleFunction ref, int maxFinite, double overflowAt) {
        double a = Math.abs(x);
        int sign = (Double.doubleToRawLongBits(x) < 0) ? 1 : 0;
        int lo = 0;
        int hi = maxFinite + 1; // invariant: value(lo) <= a < value(hi), value(maxFinite + 1) = overflowAt
        if (a >= overflowAt) {
            return sign << 15 | (maxFinite + 1);
        }
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (ref.applyAsDouble(mid) <= a) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        double vlo = ref.applyAsDouble(lo);
        double vhi = hi == maxFinite + 1 ? overflowAt : ref.applyAsDouble(hi);
        double dlo = a - vlo;
        double dhi = vhi - a;
        int pick = dlo < dhi ? lo : dhi < dlo ? hi : ((lo & 1) == 0 ? lo : hi);
        return sign << 15 | pick;
    }

    static int halfNearest(float f) {
        return nearestRef(f, HalfFloatsTest::halfRef, 0x7BFF, 65536.0);
    }

    static int bf16Nearest(float f) {
        return nearestRef(f, HalfFloatsTest::bf16Ref, 0x7F7F, Math.pow(2, 128));
    }

    @Test
    void halfToFloatMatchesFormulaForAllBitPatterns() {
        for (int b = 0; b < 0x10000; b++) {
            float got = HalfFloats.halfToFloat((short) b);
            double want = halfRef(b);
            if (Double.isNaN(want)) {
                assertTrue(Float.isNaN(got), "NaN pattern " + Integer.toHexString(b));
            } else {
                assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(got),
                        "pattern " + Integer.toHexString(b));
            }
        }
    }

    @Test
    void bf16ToFloatMatchesFormulaForAllBitPatterns() {
        for (int b = 0; b < 0x10000; b++) {
            float got = HalfFloats.bf16ToFloat((short) b);
            double want = bf16Ref(b);
            if (Double.isNaN(want)) {
                assertTrue(Float.isNaN(got), "NaN pattern " + Integer.toHexString(b));
            } else {
                assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(got),
                        "pattern " + Integer.toHexString(b));
            }
        }
    }

    @Test
    void floatToHalfRoundTripsEveryHalfValue() {
        for (int b = 0; b < 0x10000; b++) {
            if (Double.isNaN(halfRef(b))) {
                continue;
            }
            assertEquals(b, HalfFloats.floatToHalf(HalfFloats.halfToFloat((short) b)) & 0xFFFF, Integer.toHexString(b));
        }
    }

    @Test
    void floatToHalfRoundsToNearestEvenAtEveryMidpoint() {
        // midpoints between neighbouring halves (exact in float) and one float ulp either side
        for (int b = 0; b < 0x7BFF; b++) {
            float mid = (float) ((halfRef(b) + halfRef(b + 1)) / 2);
            for (float x : new float[] {mid, Math.nextDown(mid), Math.nextUp(mid)}) {
                assertEquals(halfNearest(x), HalfFloats.floatToHalf(x) & 0xFFFF, "x=" + x);
                assertEquals(halfNearest(-x), HalfFloats.floatToHalf(-x) & 0xFFFF, "x=" + -x);
            }
        }
    }

    @Test
    void floatToHalfEdgeCases() {
        assertEquals(0x0000, HalfFloats.floatToHalf(0.0f) & 0xFFFF);
        assertEquals(0x8000, HalfFloats.floatToHalf(-0.0f) & 0xFFFF);
        assertEquals(0x7C00, HalfFloats.floatToHalf(Float.POSITIVE_INFINITY) & 0xFFFF);
        assertEquals(0xFC00, HalfFloats.floatToHalf(Float.NEGATIVE_INFINITY) & 0xFFFF);
        assertTrue(Float.isNaN(HalfFloats.halfToFloat(HalfFloats.floatToHalf(Float.NaN))));
        // a NaN whose payload is only in the low bits must not turn into infinity
        assertTrue(Float.isNaN(HalfFloats.halfToFloat(HalfFloats.floatToHalf(Float.intBitsToFloat(0x7F800001)))));
        assertEquals(0x7BFF, HalfFloats.floatToHalf(65504f) & 0xFFFF);
        assertEquals(0x7BFF, HalfFloats.floatToHalf(65519.996f) & 0xFFFF);
        assertEquals(0x7C00, HalfFloats.floatToHalf(65520f) & 0xFFFF, "halfway to 2^16 rounds to even = inf");
        assertEquals(0x7C00, HalfFloats.floatToHalf(1e10f) & 0xFFFF);
        assertEquals(0x0001, HalfFloats.floatToHalf(0x1p-24f) & 0xFFFF, "smallest subnormal");
        assertEquals(0x0000, HalfFloats.floatToHalf(0x1p-25f) & 0xFFFF, "half of it ties to even zero");
        assertEquals(0x0001, HalfFloats.floatToHalf(Math.nextUp(0x1p-25f)) & 0xFFFF);
        assertEquals(0x8000, HalfFloats.floatToHalf(-1e-30f) & 0xFFFF);
        assertEquals(0x0400, HalfFloats.floatToHalf(Math.nextDown(0x1p-14f)) & 0xFFFF, "rounds up into the normals");
        assertEquals(0x3C00, HalfFloats.floatToHalf(1f) & 0xFFFF);
    }

    @Test
    void floatToHalfAndBf16MatchReferenceOnRandomFloats() {
        Random rnd = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            // random bit patterns cover every exponent; skip NaN, handled above
            float x = Float.intBitsToFloat(rnd.nextInt());
            if (Float.isNaN(x)) {
                continue;
            }
            if (!Float.isInfinite(x)) {
                assertEquals(bf16Nearest(x), HalfFloats.floatToBf16(x) & 0xFFFF, "bf16 x=" + x);
            }
            // and a scaled copy that lands in the half range, where the interesting cases are
            float y = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(40) - 26));
            assertEquals(halfNearest(y), HalfFloats.floatToHalf(y) & 0xFFFF, "half y=" + y);
        }
    }

    @Test
    void floatToBf16EdgeCases() {
        assertEquals(0x8000, HalfFloats.floatToBf16(-0.0f) & 0xFFFF);
        assertEquals(0x7F80, HalfFloats.floatToBf16(Float.POSITIVE_INFINITY) & 0xFFFF);
        assertEquals(0x7F80, HalfFloats.floatToBf16(Float.MAX_VALUE) & 0xFFFF, "rounds past the largest bf16");
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.intBitsToFloat(0x7F800001)))));
        assertEquals(0x0001, HalfFloats.floatToBf16(Float.intBitsToFloat(0x00010000)) & 0xFFFF, "subnormal kept");
        assertEquals(0x0000, HalfFloats.floatToBf16(Float.intBitsToFloat(0x00008000)) & 0xFFFF, "tie to even");
        assertEquals(0x0002, HalfFloats.floatToBf16(Float.intBitsToFloat(0x00018000)) & 0xFFFF, "tie to even up");
    }

    @Test
    void roundInPlaceMatchesTheReferenceAndStopsAtTheFirstOverflow() {
        // the overflow bound: the last float below 65520 rounds to 65504, 65520 itself (a tie) to infinity
        assertEquals(0x7BFF, halfNearest(Math.nextDown(HalfFloats.OVERFLOW)));
        assertEquals(0x7C00, halfNearest(HalfFloats.OVERFLOW));
        assertTrue(!HalfFloats.overflows(Math.nextDown(HalfFloats.OVERFLOW)) && HalfFloats.overflows(-HalfFloats.OVERFLOW));
        assertTrue(!HalfFloats.overflows(Float.POSITIVE_INFINITY), "infinity is not finite: another check's business");
        Random rnd = new Random(7);
        float[] v = new float[1000];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(36) - 24));
        }
        v[10] = -0.0f;
        v[11] = Math.nextDown(HalfFloats.OVERFLOW);
        v[12] = -65504f;
        float[] original = v.clone();
        assertEquals(-1, HalfFloats.roundToHalfInPlace(v, v.length));
        for (int i = 0; i < v.length; i++) {
            double want = halfRef(halfNearest(original[i]));
            assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(v[i]), "value " + original[i]);
        }
        float[] w = {1.5f, 3e-8f, -70000f, 2f};
        assertEquals(2, HalfFloats.roundToHalfInPlace(w, w.length));
        assertEquals(-70000f, w[2], "from the overflow on, values are left as they were");
        assertEquals(2f, w[3]);
    }
}
