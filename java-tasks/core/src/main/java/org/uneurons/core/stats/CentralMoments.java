package org.uneurons.core.stats;

/**
 * Streaming central moments up to order 4 of many variables observed together (every variable sees the same
 * count), in float64. Each batch is reduced with two passes over itself (its mean, then its sums of powers of
 * deviations) and folded in with the pairwise update of Chan et al. extended to orders 3 and 4 (Pébay 2008), which
 * {@link #merge} also applies to a whole other set of totals: shards merge exactly, in any order, to rounding.
 * Power sums of raw values, which cancel catastrophically for large means, are never used.
 */
public final class CentralMoments {
    private long n;
    private final double[] mean;
    private final double[] m2;
    private final double[] m3;
    private final double[] m4;

    public CentralMoments(int variables) {
        mean = new double[variables];
        m2 = new double[variables];
        m3 = new double[variables];
        m4 = new double[variables];
    }

    /** Totals read back from a file (arrays taken as they are). */
    public static CentralMoments of(long n, double[] mean, double[] m2, double[] m3, double[] m4) {
        return new CentralMoments(n, mean, m2, m3, m4);
    }

    private CentralMoments(long n, double[] mean, double[] m2, double[] m3, double[] m4) {
        if (m2.length != mean.length || m3.length != mean.length || m4.length != mean.length) {
            throw new IllegalArgumentException("moment arrays differ in length");
        }
        this.n = n;
        this.mean = mean;
        this.m2 = m2;
        this.m3 = m3;
        this.m4 = m4;
    }

    public int variables() {
        return mean.length;
    }

    public long count() {
        return n;
    }

    public double[] mean() {
        return mean;
    }

    /** Sums of squared, cubed and fourth powers of deviations from the mean. */
    public double[] m2() {
        return m2;
    }

    public double[] m3() {
        return m3;
    }

    public double[] m4() {
        return m4;
    }

    /** Adds {@code rows} observations given row-major as {@code data[offset + row * variables + j]}. */
    public void addRows(float[] data, int offset, int rows) {
        int d = mean.length;
        if (rows == 0) {
            return;
        }
        double[] bm = new double[d];
        for (int r = 0; r < rows; r++) {
            int at = offset + r * d;
            for (int j = 0; j < d; j++) {
                bm[j] += data[at + j];
            }
        }
        for (int j = 0; j < d; j++) {
            bm[j] /= rows;
        }
        double[] b2 = new double[d], b3 = new double[d], b4 = new double[d];
        for (int r = 0; r < rows; r++) {
            int at = offset + r * d;
            for (int j = 0; j < d; j++) {
                double x = data[at + j] - bm[j];
                double x2 = x * x;
                b2[j] += x2;
                b3[j] += x2 * x;
                b4[j] += x2 * x2;
            }
        }
        fold(rows, bm, b2, b3, b4);
    }

    /** Adds {@code x[j].length} observations of each variable j (all the same length): one row per variable. */
    public void addColumns(double[][] x) {
        int count = x.length == 0 ? 0 : x[0].length;
        if (count == 0) {
            return;
        }
        int d = mean.length;
        double[] bm = new double[d], b2 = new double[d], b3 = new double[d], b4 = new double[d];
        for (int j = 0; j < d; j++) {
            double[] xj = x[j];
            double s = 0;
            for (double v : xj) {
                s += v;
            }
            double m = s / count;
            double s2 = 0, s3 = 0, s4 = 0;
            for (double v : xj) {
                double dv = v - m;
                double d2 = dv * dv;
                s2 += d2;
                s3 += d2 * dv;
                s4 += d2 * d2;
            }
            bm[j] = m;
            b2[j] = s2;
            b3[j] = s3;
            b4[j] = s4;
        }
        fold(count, bm, b2, b3, b4);
    }

    /** Folds another set of totals of the same variables in. */
    public void merge(CentralMoments o) {
        if (o.mean.length != mean.length) {
            throw new IllegalArgumentException(o.mean.length + " variables merged into " + mean.length);
        }
        fold(o.n, o.mean, o.m2, o.m3, o.m4);
    }

    /** Pébay's pairwise update of (n, mean, M2, M3, M4) with a second group (nb, ...). */
    private void fold(long nb, double[] bm, double[] b2, double[] b3, double[] b4) {
        if (nb == 0) {
            return;
        }
        if (n == 0) {
            n = nb;
            System.arraycopy(bm, 0, mean, 0, mean.length);
            System.arraycopy(b2, 0, m2, 0, m2.length);
            System.arraycopy(b3, 0, m3, 0, m3.length);
            System.arraycopy(b4, 0, m4, 0, m4.length);
            return;
        }
        double na = n, nB = nb, nt = na + nB;
        for (int j = 0; j < mean.length; j++) {
            double delta = bm[j] - mean[j];
            double d2 = delta * delta;
            double a2 = m2[j], a3 = m3[j];
            m4[j] += b4[j] + d2 * d2 * na * nB * (na * na - na * nB + nB * nB) / (nt * nt * nt)
                    + 6 * d2 * (na * na * b2[j] + nB * nB * a2) / (nt * nt)
                    + 4 * delta * (na * b3[j] - nB * a3) / nt;
            m3[j] += b3[j] + d2 * delta * na * nB * (na - nB) / (nt * nt) + 3 * delta * (na * b2[j] - nB * a2) / nt;
            m2[j] += b2[j] + d2 * na * nB / nt;
            mean[j] += delta * nB / nt;
        }
        n += nb;
    }

    /** Population variance M2 / n. */
    public double variance(int j) {
        return n == 0 ? 0 : m2[j] / n;
    }

    /** Population skewness sqrt(n) M3 / M2^1.5; 0 for a variable without variance (undefined there). */
    public double skew(int j) {
        return m2[j] > 0 && !constant(j) ? Math.sqrt((double) n) * m3[j] / Math.pow(m2[j], 1.5) : 0;
    }

    /** Non-excess kurtosis n M4 / M2^2 (a Gaussian gives 3); 0 for a variable without variance (undefined there). */
    public double kurtosis(int j) {
        return m2[j] > 0 && !constant(j) ? n * m4[j] / (m2[j] * m2[j]) : 0;
    }

    /** Variance that is only rounding of a constant (2^-40 of its mean per observation, as Pearson's dead test). */
    private boolean constant(int j) {
        double floor = Math.scalb(Math.abs(mean[j]), -40);
        return m2[j] <= n * floor * floor;
    }
}
