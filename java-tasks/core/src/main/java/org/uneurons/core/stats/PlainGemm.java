package org.uneurons.core.stats;

/**
 * Plain-Java products: slow and obviously right. The reference the native engine is checked against, and the
 * engine of the small unit tests. FLOAT32 rounds the operands to float and sums each batch product in float, as
 * a float32 BLAS does, before adding it to the float64 totals.
 */
public final class PlainGemm implements Gemm {

    private record Matrix(int rows, int cols, double[] data, Precision precision) implements Operand {
        @Override
        public void close() {
        }
    }

    @Override
    public Operand upload(int rows, int cols, double[] data, Precision precision) {
        if (data.length < (long) rows * cols) {
            throw new IllegalArgumentException("operand has " + data.length + " values, expected " + rows + "x" + cols);
        }
        double[] copy = new double[rows * cols];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = precision == Precision.FLOAT32 ? (double) (float) data[i] : data[i];
        }
        return new Matrix(rows, cols, copy, precision);
    }

    @Override
    public void addAtB(Operand aOp, Operand bOp, double[][] out) {
        Matrix a = (Matrix) aOp;
        Matrix b = (Matrix) bOp;
        if (a.rows != b.rows || a.precision != b.precision) {
            throw new IllegalArgumentException("operands differ in rows or precision");
        }
        int k = a.rows, m = a.cols, n = b.cols;
        if (a.precision == Precision.FLOAT64) {
            for (int t = 0; t < k; t++) {
                int ao = t * m, bo = t * n;
                for (int i = 0; i < m; i++) {
                    double av = a.data[ao + i];
                    if (av == 0) {
                        continue;
                    }
                    double[] row = out[i];
                    for (int j = 0; j < n; j++) {
                        row[j] += av * b.data[bo + j];
                    }
                }
            }
        } else {
            float[] acc = new float[n];
            for (int i = 0; i < m; i++) {
                java.util.Arrays.fill(acc, 0f);
                for (int t = 0; t < k; t++) {
                    float av = (float) a.data[t * m + i];
                    int bo = t * n;
                    for (int j = 0; j < n; j++) {
                        acc[j] += av * (float) b.data[bo + j];
                    }
                }
                double[] row = out[i];
                for (int j = 0; j < n; j++) {
                    row[j] += acc[j];
                }
            }
        }
    }

    @Override
    public double[][] multiplyABt(double[][] a, double[][] b) {
        int m = a.length, n = b.length;
        double[][] out = new double[m][n];
        for (int i = 0; i < m; i++) {
            double[] ai = a[i];
            for (int j = 0; j < n; j++) {
                double[] bj = b[j];
                double s = 0;
                for (int t = 0; t < ai.length; t++) {
                    s += ai[t] * bj[t];
                }
                out[i][j] = s;
            }
        }
        return out;
    }

    @Override
    public String name() {
        return "plain-java";
    }
}
