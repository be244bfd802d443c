package org.uneurons.core.stats;

import java.util.SplittableRandom;

/**
 * The random matrices of the baselines: per layer of b a [d x d] matrix whose rows are baseline units, each a
 * random unit-norm mixture of that layer's neurons. Deterministic in (kind, seed, sample, layer).
 */
public final class Rotations {
    private Rotations() {
    }

    public enum Kind {
        /** The paper's "rotation": i.i.d. Gaussian rows scaled to unit norm (not orthogonal). */
        GAUSSIAN_ROWS("gaussian-rows"),
        /** A Haar-distributed orthogonal matrix: Gram-Schmidt of a Gaussian matrix (positive diagonal of R). */
        HAAR("haar");

        public final String label;

        Kind(String label) {
            this.label = label;
        }

        public static Kind parse(String s) {
            for (Kind k : values()) {
                if (k.label.equals(s)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("baseline kind must be gaussian-rows or haar, got '" + s + "'");
        }
    }

    /** The matrix for one layer of b in one baseline sample. */
    public static double[][] matrix(Kind kind, long seed, int sample, int layer, int d) {
        return matrix(kind, seed, sample, layer, d, null);
    }

    /** As {@link #matrix(Kind, long, int, int, int)}, orthonormalising on {@code engine} (null: plain Java). */
    public static double[][] matrix(Kind kind, long seed, int sample, int layer, int d, Gemm engine) {
        SplittableRandom rng = new SplittableRandom(mix(seed, kind.ordinal(), sample, layer));
        double[][] g = new double[d][d];
        for (double[] row : g) {
            for (int j = 0; j < d; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        if (kind == Kind.GAUSSIAN_ROWS) {
            for (double[] row : g) {
                scale(row, 1 / Math.sqrt(dot(row, row)));
            }
            return g;
        }
        if (engine == null) {
            orthonormaliseRows(g);
        } else {
            engine.orthonormaliseRows(g);
        }
        return g;
    }

    /**
     * Gram-Schmidt on the rows, each row twice against the earlier ones ("twice is enough", Giraud et al. 2005),
     * so the rows are orthonormal to float64 rounding. With positive norms as the diagonal of the triangular factor
     * the result is exactly Haar distributed for a Gaussian input (Mezzadri 2007).
     */
    static void orthonormaliseRows(double[][] g) {
        int d = g.length;
        for (int i = 0; i < d; i++) {
            double[] v = g[i];
            for (int pass = 0; pass < 2; pass++) {
                for (int j = 0; j < i; j++) {
                    double[] q = g[j];
                    axpy(-dot(v, q), q, v);
                }
            }
            double norm = Math.sqrt(dot(v, v));
            if (!(norm > 0)) {
                throw new IllegalStateException("rank-deficient Gaussian matrix (row " + i + ")");
            }
            scale(v, 1 / norm);
        }
    }

    /**
     * The seed of one model pair's baseline draws: the run's baseline seed mixed with the two model names (a
     * 64-bit FNV-1a hash of their UTF-8 bytes, a before b, separated by a zero byte), so every comparison draws its
     * own matrices, as the paper drew afresh per comparison, and the same pair always draws the same. All blocks of
     * a's layers of one pair share it, so blocks joined equal one summary of every layer.
     */
    public static long pairSeed(long seed, String modelA, String modelB) {
        long h = 0xcbf29ce484222325L;
        byte[] a = modelA.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] b = modelB.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] all = new byte[a.length + 1 + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length + 1, b.length);
        for (byte x : all) {
            h = (h ^ (x & 0xff)) * 0x100000001b3L;
        }
        return splitmix(seed ^ splitmix(h));
    }

    /** Seeds differ for every (seed, kind, sample, layer), through a SplitMix64 finaliser. */
    static long mix(long seed, int kind, int sample, int layer) {
        long h = seed;
        for (long part : new long[] {kind, sample, layer}) {
            h = splitmix(h ^ splitmix(part + 0x9E3779B97F4A7C15L));
        }
        return h;
    }

    private static long splitmix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static void scale(double[] x, double a) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= a;
        }
    }
}
