package org.uneurons.core.io;

/**
 * Element types of the safetensors format (the names are the ones written in the header). All of them are
 * accepted when a file is opened, so a checkpoint with, say, a U8 mask buffer still opens; reading converts the
 * floating types to float and the integer types to int or long.
 */
public enum Dtype {
    F64(8, true), F32(4, true), F16(2, true), BF16(2, true),
    I64(8, false), I32(4, false), I16(2, false), I8(1, false),
    U64(8, false), U32(4, false), U16(2, false), U8(1, false), BOOL(1, false),
    F8_E4M3(1, true), F8_E5M2(1, true);

    private final int size;
    private final boolean floating;

    Dtype(int size, boolean floating) {
        this.size = size;
        this.floating = floating;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    public boolean isFloating() {
        return floating;
    }

    /** The dtype named in a header, or null if the name is not one of the format's dtypes. */
    static Dtype parse(String s) {
        for (Dtype d : values()) {
            if (d.name().equals(s)) {
                return d;
            }
        }
        return null;
    }
}
