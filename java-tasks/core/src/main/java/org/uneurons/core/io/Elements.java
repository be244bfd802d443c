package org.uneurons.core.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Little-endian tensor elements in a byte buffer, converted to float or long: the one conversion every weight reader
 * (safetensors, pytorch_model.bin) shares, so both formats give the same floats for the same bytes.
 */
final class Elements {
    private Elements() {
    }

    /** Whether {@link #floats} reads this dtype (the 8-bit float formats are not read). */
    static boolean readsAsFloat(Dtype d) {
        return d == Dtype.F32 || d == Dtype.F16 || d == Dtype.BF16 || d == Dtype.F64;
    }

    /** Elements [from, from + n) of {@code buf} (indices in elements, absolute) into {@code out[at, at + n)}. */
    static void floats(ByteBuffer buf, Dtype d, int from, float[] out, int at, int n) {
        switch (d) {
            case F32 -> {
                ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                b.position(4 * from);
                b.asFloatBuffer().get(out, at, n);
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[at + i] = HalfFloats.halfToFloat(buf.getShort(2 * (from + i)));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[at + i] = HalfFloats.bf16ToFloat(buf.getShort(2 * (from + i)));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[at + i] = (float) buf.getDouble(8 * (from + i));
                }
            }
            default -> throw new IllegalArgumentException(d + " is not read as float");
        }
    }

    /** Element {@code i} of an integer (or BOOL) buffer; U64 values above Long.MAX_VALUE come back negative. */
    static long integer(ByteBuffer b, Dtype d, int i) {
        return switch (d) {
            case I64, U64 -> b.getLong(8 * i);
            case I32 -> b.getInt(4 * i);
            case U32 -> b.getInt(4 * i) & 0xFFFFFFFFL;
            case I16 -> b.getShort(2 * i);
            case U16 -> b.getShort(2 * i) & 0xFFFF;
            case I8 -> b.get(i);
            case U8, BOOL -> b.get(i) & 0xFF;
            default -> throw new IllegalArgumentException(d + " is not an integer type");
        };
    }
}
