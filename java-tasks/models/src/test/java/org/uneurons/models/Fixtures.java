package org.uneurons.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Arrays;

import ai.djl.ndarray.NDArray;
import org.uneurons.core.io.Safetensors;

/** Reading the Hugging Face reference outputs and measuring agreement with them. */
final class Fixtures {
    private Fixtures() {
    }

    /** input_ids of reference.safetensors as [batch][seq]. */
    static int[][] inputIds(Safetensors ref) {
        long[] shape = ref.info("input_ids").shape();
        long[] flat = ref.longs("input_ids");
        int b = (int) shape[0];
        int s = (int) shape[1];
        int[][] t = new int[b][s];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < s; j++) {
                t[i][j] = Math.toIntExact(flat[i * s + j]);
            }
        }
        return t;
    }

    static Path reference(Path dir) {
        return dir.resolve("reference.safetensors");
    }

    /** Max |a - b| after checking both have the same shape; NaN anywhere fails. */
    static double maxAbs(NDArray a, Safetensors ref, String name) {
        long[] want = ref.info(name).shape();
        assertArrayEquals(want, a.getShape().getShape(), name + " shape");
        return maxAbs(a.toFloatArray(), ref.floats(name), name);
    }

    static double maxAbs(float[] a, float[] b, String what) {
        assertEquals(b.length, a.length, what + " length");
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            double e = Math.abs((double) a[i] - b[i]);
            if (Double.isNaN(e)) {
                throw new AssertionError(what + ": NaN at " + i);
            }
            m = Math.max(m, e);
        }
        return m;
    }

    /** Max |a - b| of a float32 result against a float64 reference laid out [seq][..] for sequence s. */
    static double maxAbs(float[] a, int offset, double[][] ref, String what) {
        double m = 0;
        int k = offset;
        for (double[] row : ref) {
            for (double v : row) {
                double e = Math.abs(a[k++] - v);
                if (Double.isNaN(e)) {
                    throw new AssertionError(what + ": NaN at " + (k - 1));
                }
                m = Math.max(m, e);
            }
        }
        return m;
    }

    static double maxAbsRef(double[][] ref, float[] hf, int offset, String what) {
        return maxAbs(hf, offset, ref, what);
    }

    static double maxAbsValue(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    static String fmt(double e) {
        return String.format(java.util.Locale.ROOT, "%.2e", e);
    }

    static String shape(long[] s) {
        return Arrays.toString(s);
    }
}
