package org.uneurons.core.io;

import java.util.Arrays;

/**
 * One tensor's header entry: its dtype, shape and byte range [begin, end) relative to the start of the data
 * section (the {@code data_offsets} of the safetensors header).
 */
public record TensorInfo(String name, Dtype dtype, long[] shape, long begin, long end) {

    /** Number of elements (1 for a scalar, shape []). */
    public long numel() {
        return numel(shape);
    }

    public long byteLength() {
        return end - begin;
    }

    /** The shape as a copy of the array of ints, for callers that index Java arrays. */
    public int[] intShape() {
        int[] s = new int[shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.toIntExact(shape[i]);
        }
        return s;
    }

    /** The shape as written in messages: [48, 144]. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + shapeString() + " [" + begin + ", " + end + ")";
    }
}
