package org.uneurons.core.stats;

/**
 * The one hot loop of the correlation engine: products of token-by-neuron batches. Implementations: {@link
 * PlainGemm} (plain Java, the cross-check in tests) and a native BLAS engine in the correlate module. Operands are
 * uploaded once per batch and reused for every block they take part in.
 */
public interface Gemm {

    /**
     * Arithmetic of the products; accumulation into the running totals is always float64. {@link #TF32} and
     * {@link #BF16} are tensor-core formats: they run only on a DJL device (the accumulate module's DeviceMoments;
     * on the CPU device their rounding is emulated), never in a heap engine.
     */
    enum Precision {
        FLOAT64, FLOAT32, TF32, BF16;

        /** The values of the {@code --gemm} option, in this order. */
        public static final String[] NAMES = {"float64", "float32", "tf32", "bf16"};

        public static Precision parse(String s) {
            return switch (s) {
                case "float64" -> FLOAT64;
                case "float32" -> FLOAT32;
                case "tf32" -> TF32;
                case "bf16" -> BF16;
                default -> throw new IllegalArgumentException("precision must be one of float64, float32, tf32, bf16,"
                        + " got '" + s + "'");
            };
        }

        /** True for the tensor-core formats, which only a device accumulator runs. */
        public boolean deviceOnly() {
            return this == TF32 || this == BF16;
        }

        /** The option value and file attribute: float64, float32, tf32 or bf16. */
        public String optionName() {
            return NAMES[ordinal()];
        }
    }

    /** A [rows x cols] row-major matrix held by the engine (off-heap for native engines). */
    interface Operand extends AutoCloseable {
        int rows();

        int cols();

        @Override
        void close();
    }

    /**
     * Takes a copy of {@code data} ([rows x cols], row-major), rounded to float32 when the precision says so. Must be
     * safe to call from several threads at once (batches upload their layers in parallel).
     */
    Operand upload(int rows, int cols, double[] data, Precision precision);

    /**
     * Takes a copy of float32 data ([rows x cols], row-major) as a FLOAT32 operand: what {@link #upload} makes of the
     * same values widened to double, without the double copy. Same thread-safety as {@link #upload}.
     */
    default Operand uploadFloats(int rows, int cols, float[] data) {
        double[] wide = new double[Math.multiplyExact(rows, cols)];
        for (int i = 0; i < wide.length; i++) {
            wide[i] = data[i];
        }
        return upload(rows, cols, wide, Precision.FLOAT32);
    }

    /**
     * {@code out[i][j] += sum_t a[t][i] * b[t][j]}: the co-moment of two centred batches (tokens are rows). Both
     * operands must have the same precision and the same number of rows.
     */
    void addAtB(Operand a, Operand b, double[][] out);

    /**
     * {@link #addAtB} followed by {@code out[i][j] += w * u[uo + i] * v[vo + j]} (the Chan correction of a batch):
     * engines may do both in one pass over {@code out}.
     */
    default void addAtBPlusOuter(Operand a, Operand b, double[][] out, double[] u, int uo, double[] v, int vo, double w) {
        addAtB(a, b, out);
        Outer.add(out, u, uo, v, vo, w);
    }

    /** {@link #addAtA} followed by {@code out[i][j] += w * u[uo + i] * u[uo + j]}. */
    default void addAtAPlusOuter(Operand a, double[][] out, double[] u, int uo, double w) {
        addAtA(a, out);
        Outer.add(out, u, uo, u, uo, w);
    }

    /**
     * {@code out[i][j] += sum_t a[t][i] * a[t][j]}: the within-layer co-moment. Symmetric, so engines may compute
     * one triangle (half the work) and mirror it.
     */
    default void addAtA(Operand a, double[][] out) {
        addAtB(a, a, out);
    }

    /** {@code a * b^T} in float64: a [m x k], b [n x k], result [m x n]. Used by the baselines. */
    double[][] multiplyABt(double[][] a, double[][] b);

    /**
     * Makes the rows of {@code g} ([d x n], d <= n) orthonormal in place, as Gram-Schmidt would: the Q factor of
     * g^T with a positive diagonal in R (so a Gaussian g gives a Haar-distributed result). Engines may use LAPACK.
     */
    default void orthonormaliseRows(double[][] g) {
        Rotations.orthonormaliseRows(g);
    }

    /** A short name for logs and benchmark tables. */
    String name();
}
