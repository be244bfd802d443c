package org.uneurons.core.io;

/**
 * IEEE 754 binary16 (F16) and bfloat16 (BF16) conversions, bit-exact with round-to-nearest-even, subnormals,
 * infinities, NaN and signed zero. (Java 17 has no Float.float16ToFloat; that came in Java 20.)
 */
public final class HalfFloats {
    /** The largest finite binary16 value. */
    public static final float MAX = 65504f;
    /** The smallest magnitude that rounds to infinity in binary16 (halfway between 65504 and 65536). */
    public static final float OVERFLOW = 65520f;

    private HalfFloats() {
    }

    /** True when a finite float would become infinity stored as binary16. */
    public static boolean overflows(float f) {
        return Float.isFinite(f) && Math.abs(f) >= OVERFLOW;
    }

    /** binary16 bits to float (exact: every half value is a float). */
    public static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            // infinity (mant 0) or NaN: keep the payload in the top mantissa bits
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            // zero or subnormal: mant * 2^-24, exact in float
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** float to binary16 bits, rounding to nearest even; too large gives infinity, too small a signed zero. */
    public static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7FFFFF;
        if (exp == 0xFF) {
            if (mant == 0) {
                return (short) (sign | 0x7C00);
            }
            // NaN stays NaN (quiet bit set so a payload that lives only in the low bits is not lost to infinity)
            return (short) (sign | 0x7C00 | 0x200 | (mant >>> 13));
        }
        int e = exp - 127 + 15;
        if (e >= 31) {
            return (short) (sign | 0x7C00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign; // below half the smallest subnormal (2^-25): rounds to zero
            }
            // subnormal half: value = m * 2^(e - 14 - 24 + 24) with m the 24-bit significand
            int m = mant | 0x800000;
            int shift = 14 - e;
            int r = m >>> shift;
            int rem = m & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rem > halfway || (rem == halfway && (r & 1) == 1)) {
                r++; // may carry into the smallest normal, whose bit pattern is exactly r = 0x400
            }
            return (short) (sign | r);
        }
        int r = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1FFF;
        if (rem > 0x1000 || (rem == 0x1000 && (r & 1) == 1)) {
            r++; // a carry into the exponent is right, and past the largest finite value gives 0x7C00 = infinity
        }
        return (short) (sign | r);
    }

    /**
     * Rounds v[0..n) to the nearest binary16 value in place, as storing them as float16 and reading them back would.
     * Returns the index of the first value beyond float16's finite range (|v| rounding to infinity), or -1; values
     * from that index on are left as they were.
     */
    public static int roundToHalfInPlace(float[] v, int n) {
        for (int i = 0; i < n; i++) {
            if (overflows(v[i])) {
                return i;
            }
            v[i] = halfToFloat(floatToHalf(v[i]));
        }
        return -1;
    }

    /** bfloat16 bits to float (exact: bfloat16 is the top half of a float). */
    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /** float to bfloat16 bits, rounding to nearest even; NaN stays a (quiet) NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7F800000) == 0x7F800000 && (bits & 0x7FFFFF) != 0) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }
}
