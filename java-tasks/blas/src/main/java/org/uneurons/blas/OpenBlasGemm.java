package org.uneurons.blas;

import java.util.stream.IntStream;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas;
import org.uneurons.core.stats.Gemm;

/**
 * Products on OpenBLAS (through its JavaCPP preset, the BLAS that ND4J's CPU backend runs on): dgemm for FLOAT64,
 * sgemm for FLOAT32 operands. Operands live off-heap and are reused for every block of a batch; each product lands
 * in a reused off-heap buffer and is added to the float64 totals on the Java heap. Only {@link #upload} may be
 * called from several threads at once.
 */
public final class OpenBlasGemm implements Gemm, AutoCloseable {
    private static final int CHUNK = 1 << 20;

    static {
        // JavaCPP refuses allocations once the process's resident size passes twice the heap limit by default; the
        // totals here are on-heap and large, so that guard would trip on legitimate runs. The user can still set it.
        if (System.getProperty("org.bytedeco.javacpp.maxPhysicalBytes") == null) {
            System.setProperty("org.bytedeco.javacpp.maxPhysicalBytes", "0");
        }
    }

    private DoublePointer resultD;
    private FloatPointer resultF;
    /**
     * Released operand buffers, reused by later uploads: a fresh native buffer per layer and batch would be new
     * pages for the kernel to fault in every batch (hundreds of MB per batch at GPT-2 shapes).
     */
    private final java.util.concurrent.ConcurrentLinkedDeque<Pointer> pool = new java.util.concurrent.ConcurrentLinkedDeque<>();
    /** One row of a float32 product, per thread, while it is added to the totals. */
    private final ThreadLocal<float[]> rowF = ThreadLocal.withInitial(() -> new float[0]);
    private final ThreadLocal<float[]> uploadBuffer = ThreadLocal.withInitial(() -> new float[CHUNK]);
    private double[] heapD = new double[0];
    private float[] heapF = new float[0];

    /** Uses every available core for BLAS (OpenBLAS's own default can differ in containers). */
    public OpenBlasGemm() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public OpenBlasGemm(int threads) {
        openblas.blas_set_num_threads(threads);
    }

    public static int threads() {
        return openblas.blas_get_num_threads();
    }

    private final class NativeMatrix implements Operand {
        final int rows, cols;
        final Precision precision;
        final Pointer data;
        private boolean closed;

        NativeMatrix(int rows, int cols, Precision precision, Pointer data) {
            this.rows = rows;
            this.cols = cols;
            this.precision = precision;
            this.data = data;
        }

        @Override
        public int rows() {
            return rows;
        }

        @Override
        public int cols() {
            return cols;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                pool.push(data.position(0));
            }
        }
    }

    /** A pooled buffer of at least {@code len} doubles. */
    private DoublePointer doubles(long len) {
        for (Pointer p : pool) {
            if (p instanceof DoublePointer d && d.capacity() >= len && pool.remove(p)) {
                return d.position(0);
            }
        }
        return new DoublePointer(len);
    }

    /** A pooled buffer of at least {@code len} floats. */
    private FloatPointer floats(long len) {
        for (Pointer p : pool) {
            if (p instanceof FloatPointer f && f.capacity() >= len && pool.remove(p)) {
                return f.position(0);
            }
        }
        return new FloatPointer(len);
    }

    @Override
    public Operand upload(int rows, int cols, double[] data, Precision precision) {
        long len = (long) rows * cols;
        if (data.length < len) {
            throw new IllegalArgumentException("operand has " + data.length + " values, expected " + rows + "x" + cols);
        }
        if (precision == Precision.FLOAT64) {
            DoublePointer p = doubles(len);
            p.put(data, 0, (int) len);
            return new NativeMatrix(rows, cols, precision, p);
        }
        FloatPointer p = floats(len);
        float[] buf = uploadBuffer.get();
        for (long off = 0; off < len; off += buf.length) {
            int n = (int) Math.min(buf.length, len - off);
            for (int i = 0; i < n; i++) {
                buf[i] = (float) data[(int) (off + i)];
            }
            p.position(off).put(buf, 0, n);
        }
        p.position(0);
        return new NativeMatrix(rows, cols, precision, p);
    }

    @Override
    public Operand uploadFloats(int rows, int cols, float[] data) {
        long len = (long) rows * cols;
        if (data.length < len) {
            throw new IllegalArgumentException("operand has " + data.length + " values, expected " + rows + "x" + cols);
        }
        FloatPointer p = floats(len);
        p.put(data, 0, (int) len);
        return new NativeMatrix(rows, cols, Precision.FLOAT32, p.position(0));
    }

    @Override
    public void addAtB(Operand aOp, Operand bOp, double[][] out) {
        addAtBPlusOuter(aOp, bOp, out, null, 0, null, 0, 0);
    }

    @Override
    public void addAtBPlusOuter(Operand aOp, Operand bOp, double[][] out, double[] u, int uo, double[] v, int vo, double w) {
        NativeMatrix a = (NativeMatrix) aOp;
        NativeMatrix b = (NativeMatrix) bOp;
        if (a.rows != b.rows || a.precision != b.precision) {
            throw new IllegalArgumentException("operands differ in rows or precision");
        }
        int k = a.rows, m = a.cols, n = b.cols;
        if (out.length != m || (m > 0 && out[0].length != n)) {
            throw new IllegalArgumentException("output is not " + m + "x" + n);
        }
        long len = (long) m * n;
        if (a.precision == Precision.FLOAT64) {
            DoublePointer c = resultD(len);
            openblas.cblas_dgemm(openblas.CblasRowMajor, openblas.CblasTrans, openblas.CblasNoTrans, m, n, k,
                    1.0, (DoublePointer) a.data, m, (DoublePointer) b.data, n, 0.0, c, n);
            addInto(c, out, n, u, uo, v, vo, w);
        } else {
            FloatPointer c = resultF(len);
            openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasTrans, openblas.CblasNoTrans, m, n, k,
                    1.0f, (FloatPointer) a.data, m, (FloatPointer) b.data, n, 0.0f, c, n);
            addInto(c, out, n, u, uo, v, vo, w);
        }
    }

    @Override
    public void addAtA(Operand aOp, double[][] out) {
        addAtAPlusOuter(aOp, out, null, 0, 0);
    }

    @Override
    public void addAtAPlusOuter(Operand aOp, double[][] out, double[] u, int uo, double w) {
        NativeMatrix a = (NativeMatrix) aOp;
        int k = a.rows, n = a.cols;
        if (out.length != n || (n > 0 && out[0].length != n)) {
            throw new IllegalArgumentException("output is not " + n + "x" + n);
        }
        long len = (long) n * n;
        // syrk fills the upper triangle only: half the flops of the general product
        if (a.precision == Precision.FLOAT64) {
            DoublePointer c = resultD(len);
            openblas.cblas_dsyrk(openblas.CblasRowMajor, openblas.CblasUpper, openblas.CblasTrans, n, k,
                    1.0, (DoublePointer) a.data, n, 0.0, c, n);
            double[] res = heapD(len);
            c.position(0).get(res, 0, (int) len);
            addSymmetric(out, n, idx -> res[idx], u, uo, w);
        } else {
            FloatPointer c = resultF(len);
            openblas.cblas_ssyrk(openblas.CblasRowMajor, openblas.CblasUpper, openblas.CblasTrans, n, k,
                    1.0f, (FloatPointer) a.data, n, 0.0f, c, n);
            float[] res = heapF(len);
            c.position(0).get(res, 0, (int) len);
            addSymmetric(out, n, idx -> res[idx], u, uo, w);
        }
    }

    /** Raw sgemm C = A^T B on uploaded float32 operands, nothing added anywhere: the benchmark's reference rate. */
    public void rawAtB(Operand aOp, Operand bOp) {
        NativeMatrix a = (NativeMatrix) aOp;
        NativeMatrix b = (NativeMatrix) bOp;
        int k = a.rows, m = a.cols, n = b.cols;
        if (a.precision == Precision.FLOAT32) {
            openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasTrans, openblas.CblasNoTrans, m, n, k,
                    1.0f, (FloatPointer) a.data, m, (FloatPointer) b.data, n, 0.0f, resultF((long) m * n), n);
        } else {
            openblas.cblas_dgemm(openblas.CblasRowMajor, openblas.CblasTrans, openblas.CblasNoTrans, m, n, k,
                    1.0, (DoublePointer) a.data, m, (DoublePointer) b.data, n, 0.0, resultD((long) m * n), n);
        }
    }

    @Override
    public double[][] multiplyABt(double[][] a, double[][] b) {
        int m = a.length, n = b.length, k = m == 0 ? 0 : a[0].length;
        if (n > 0 && b[0].length != k) {
            throw new IllegalArgumentException("inner dimensions differ: " + k + " vs " + b[0].length);
        }
        double[][] out = new double[m][n];
        if (m == 0 || n == 0) {
            return out;
        }
        try (DoublePointer pa = rows(a, k); DoublePointer pb = rows(b, k)) {
            DoublePointer c = resultD((long) m * n);
            openblas.cblas_dgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans, m, n, k,
                    1.0, pa, k, pb, k, 0.0, c, n);
            for (int i = 0; i < m; i++) {
                c.position((long) i * n).get(out[i], 0, n);
            }
            c.position(0);
        }
        return out;
    }

    @Override
    public void orthonormaliseRows(double[][] g) {
        int d = g.length;
        int n = d == 0 ? 0 : g[0].length;
        if (d == 0) {
            return;
        }
        if (d > n) {
            throw new IllegalArgumentException("cannot orthonormalise " + d + " rows of length " + n);
        }
        // g's rows, contiguous, are the columns of g^T in column-major order: QR of g^T gives g's rows orthonormalised
        try (DoublePointer a = rows(g, n); DoublePointer tau = new DoublePointer(d)) {
            int info = openblas.LAPACKE_dgeqrf(openblas.LAPACK_COL_MAJOR, n, d, a, n, tau);
            if (info != 0) {
                throw new IllegalStateException("LAPACKE_dgeqrf failed: " + info);
            }
            double[] diag = new double[d];
            for (int j = 0; j < d; j++) {
                diag[j] = a.get((long) j * n + j);
            }
            info = openblas.LAPACKE_dorgqr(openblas.LAPACK_COL_MAJOR, n, d, d, a, n, tau);
            if (info != 0) {
                throw new IllegalStateException("LAPACKE_dorgqr failed: " + info);
            }
            for (int j = 0; j < d; j++) {
                a.position((long) j * n).get(g[j], 0, n);
                if (diag[j] < 0) { // sign convention of Gram-Schmidt: positive diagonal of R
                    for (int i = 0; i < n; i++) {
                        g[j][i] = -g[j][i];
                    }
                }
            }
            a.position(0);
        }
    }

    private static DoublePointer rows(double[][] x, int k) {
        DoublePointer p = new DoublePointer((long) x.length * k);
        for (int i = 0; i < x.length; i++) {
            p.position((long) i * k).put(x[i], 0, k);
        }
        return p.position(0);
    }

    // The product comes back to the heap in one bulk copy; adding it to the totals is spread over the cores (each
    // row by one thread, so the sums are the same whatever the thread count).

    private void addInto(DoublePointer c, double[][] out, int n, double[] u, int uo, double[] v, int vo, double w) {
        double[] res = heapD((long) out.length * n);
        c.position(0).get(res, 0, out.length * n);
        IntStream.range(0, out.length).parallel().forEach(i -> {
            double[] r = out[i];
            int o = i * n;
            double ui = w == 0 ? 0 : w * u[uo + i];
            if (ui == 0) {
                for (int j = 0; j < n; j++) {
                    r[j] += res[o + j];
                }
            } else {
                for (int j = 0; j < n; j++) {
                    r[j] += res[o + j] + ui * v[vo + j];
                }
            }
        });
    }

    private void addInto(FloatPointer c, double[][] out, int n, double[] u, int uo, double[] v, int vo, double w) {
        // each thread copies its rows straight from native memory (no single-threaded copy of the whole product)
        java.nio.FloatBuffer res = c.position(0).limit((long) out.length * n).asBuffer();
        c.limit(0);
        IntStream.range(0, out.length).parallel().forEach(i -> {
            float[] row = rowF.get();
            if (row.length < n) {
                row = new float[n];
                rowF.set(row);
            }
            res.get(i * n, row, 0, n);
            double[] r = out[i];
            double ui = w == 0 ? 0 : w * u[uo + i];
            if (ui == 0) {
                for (int j = 0; j < n; j++) {
                    r[j] += row[j];
                }
            } else {
                for (int j = 0; j < n; j++) {
                    r[j] += row[j] + ui * v[vo + j];
                }
            }
        });
    }

    /** Adds an upper triangle and its mirror image, in tiles so the transposed writes stay in cache. */
    private static void addSymmetric(double[][] out, int n, java.util.function.IntToDoubleFunction upper,
                                     double[] u, int uo, double w) {
        int tile = 64;
        int tiles = (n + tile - 1) / tile;
        IntStream.range(0, tiles).parallel().forEach(ti -> {
            int i0 = ti * tile, i1 = Math.min(n, i0 + tile);
            for (int j0 = i0; j0 < n; j0 += tile) {
                int j1 = Math.min(n, j0 + tile);
                for (int i = i0; i < i1; i++) {
                    double[] oi = out[i];
                    int o = i * n;
                    double ui = w == 0 ? 0 : w * u[uo + i];
                    for (int j = Math.max(j0, i); j < j1; j++) {
                        double v = upper.applyAsDouble(o + j) + (ui == 0 ? 0 : ui * u[uo + j]);
                        oi[j] += v;
                        if (j != i) {
                            out[j][i] += v;
                        }
                    }
                }
            }
        });
    }

    private double[] heapD(long len) {
        if (heapD.length < len) {
            heapD = new double[Math.toIntExact(len)];
        }
        return heapD;
    }

    private float[] heapF(long len) {
        if (heapF.length < len) {
            heapF = new float[Math.toIntExact(len)];
        }
        return heapF;
    }

    private DoublePointer resultD(long len) {
        if (resultD == null || resultD.capacity() < len) {
            if (resultD != null) {
                resultD.close();
            }
            resultD = new DoublePointer(len);
        }
        return resultD.position(0);
    }

    private FloatPointer resultF(long len) {
        if (resultF == null || resultF.capacity() < len) {
            if (resultF != null) {
                resultF.close();
            }
            resultF = new FloatPointer(len);
        }
        return resultF.position(0);
    }

    @Override
    public void close() {
        for (Pointer p; (p = pool.poll()) != null; ) {
            p.close();
        }
        if (resultD != null) {
            resultD.close();
            resultD = null;
        }
        if (resultF != null) {
            resultF.close();
            resultF = null;
        }
    }

    @Override
    public String name() {
        return "openblas";
    }
}
