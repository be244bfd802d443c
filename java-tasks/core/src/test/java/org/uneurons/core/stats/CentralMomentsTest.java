package org.uneurons.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Streaming, batched and merged moments against a float64 two-pass reference, on adversarial data. */
public class CentralMomentsTest {

    /** Two-pass population moments of one variable: mean, variance, skew, non-excess kurtosis. */
    public static double[] reference(double[] x) {
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= x.length;
        double s2 = 0, s3 = 0, s4 = 0;
        for (double v : x) {
            double e = v - mean;
            s2 += e * e;
            s3 += e * e * e;
            s4 += e * e * e * e;
        }
        double var = s2 / x.length;
        return new double[] {mean, var, s3 / x.length / Math.pow(var, 1.5), s4 / x.length / (var * var)};
    }

    /** Variables: large mean with tiny spread, heavy right tail, sparse (mostly one value), plain Gaussian. */
    static float[] data(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * d];
        for (int t = 0; t < n; t++) {
            x[t * d] = (float) (1e4 + 1e-2 * r.nextGaussian());
            x[t * d + 1] = (float) Math.exp(1.5 * r.nextGaussian());
            x[t * d + 2] = r.nextDouble() < 0.02 ? (float) (3 + r.nextGaussian()) : -0.17f;
            x[t * d + 3] = (float) r.nextGaussian();
        }
        return x;
    }

    static double[] column(float[] x, int d, int j) {
        double[] c = new double[x.length / d];
        for (int t = 0; t < c.length; t++) {
            c[t] = x[t * d + j];
        }
        return c;
    }

    static void check(CentralMoments m, float[] x, int d, double tol, String what) {
        for (int j = 0; j < d; j++) {
            double[] ref = reference(column(x, d, j));
            double[] got = {m.mean()[j], m.variance(j), m.skew(j), m.kurtosis(j)};
            // mean and variance relative; skew and kurtosis are dimensionless and near 0 for symmetric data, so
            // absolute: their rounding is about eps * (|mean| / sd)^2 = 1e-16 * 1e12 at worst here (variable 0)
            double[] err = {Math.abs(got[0] - ref[0]) / Math.abs(ref[0]), Math.abs(got[1] - ref[1]) / ref[1],
                    Math.abs(got[2] - ref[2]), Math.abs(got[3] - ref[3])};
            for (int q = 0; q < 4; q++) {
                assertTrue(err[q] < tol, what + ": variable " + j + " moment " + q + " got " + got[q] + ", reference " + ref[q]);
            }
        }
    }

    @Test
    void batchesOfAnySizeMatchTwoPass() {
        int n = 20_000, d = 4;
        float[] x = data(n, d, 1);
        for (int batch : new int[] {1, 7, 1000, n}) {
            CentralMoments m = new CentralMoments(d);
            for (int from = 0; from < n; from += batch) {
                m.addRows(x, from * d, Math.min(batch, n - from));
            }
            assertEquals(n, m.count());
            check(m, x, d, 1e-8, "batch " + batch);
        }
    }

    @Test
    void shardsMergeInAnyOrder() {
        int n = 12_000, d = 4;
        float[] x = data(n, d, 2);
        int[] cuts = {0, 1, 4000, 4001, 9000, n};
        CentralMoments[] parts = new CentralMoments[cuts.length - 1];
        for (int s = 0; s < parts.length; s++) {
            parts[s] = new CentralMoments(d);
            for (int from = cuts[s]; from < cuts[s + 1]; from += 333) {
                parts[s].addRows(x, from * d, Math.min(333, cuts[s + 1] - from));
            }
        }
        int[][] orders = {{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {2, 4, 0, 3, 1}};
        for (int[] order : orders) {
            CentralMoments m = new CentralMoments(d);
            for (int s : order) {
                m.merge(copy(parts[s]));
            }
            check(m, x, d, 1e-8, "order " + java.util.Arrays.toString(order));
        }
        // a tree of merges agrees as well
        CentralMoments left = copy(parts[0]);
        left.merge(copy(parts[1]));
        CentralMoments right = copy(parts[2]);
        right.merge(copy(parts[3]));
        right.merge(copy(parts[4]));
        right.merge(left);
        check(right, x, d, 1e-8, "tree");
    }

    static CentralMoments copy(CentralMoments c) {
        return CentralMoments.of(c.count(), c.mean().clone(), c.m2().clone(), c.m3().clone(), c.m4().clone());
    }

    @Test
    void gaussianKurtosisIsAboutThreeAndSkewAboutZero() {
        int n = 400_000;
        float[] x = new float[n];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            x[i] = (float) (5 + 2 * r.nextGaussian());
        }
        CentralMoments m = new CentralMoments(1);
        m.addRows(x, 0, n);
        System.out.printf(Locale.ROOT, "gaussian: mean %.4f var %.4f skew %.4f kurt %.4f%n", m.mean()[0], m.variance(0),
                m.skew(0), m.kurtosis(0));
        // standard errors: skew sqrt(6/n) = 0.004, kurtosis sqrt(24/n) = 0.008
        assertEquals(3.0, m.kurtosis(0), 0.04);
        assertEquals(0.0, m.skew(0), 0.02);
        assertEquals(4.0, m.variance(0), 0.05);
    }

    @Test
    void constantVariableHasZeroVarianceSkewAndKurtosisNotNaN() {
        float[] x = new float[1000];
        java.util.Arrays.fill(x, 1234.5f);
        CentralMoments m = new CentralMoments(1);
        m.addRows(x, 0, 600);
        m.addRows(x, 600, 400);
        assertEquals(0.0, m.variance(0));
        assertEquals(0.0, m.skew(0));
        assertEquals(0.0, m.kurtosis(0));
        assertEquals(1234.5, m.mean()[0]);
    }

    @Test
    void columnsOfOneVariablePerRowMatchTwoPass() {
        SplittableRandom r = new SplittableRandom(4);
        double[][] x = new double[3][5000];
        for (double[] row : x) {
            for (int i = 0; i < row.length; i++) {
                row[i] = Math.pow(r.nextGaussian(), 3) + 0.5;
            }
        }
        CentralMoments m = new CentralMoments(3);
        for (int from = 0; from < 5000; from += 999) {
            int to = Math.min(5000, from + 999);
            double[][] block = new double[3][];
            for (int j = 0; j < 3; j++) {
                block[j] = java.util.Arrays.copyOfRange(x[j], from, to);
            }
            m.addColumns(block);
        }
        for (int j = 0; j < 3; j++) {
            double[] ref = reference(x[j]);
            assertEquals(ref[0], m.mean()[j], 1e-12);
            assertEquals(ref[1], m.variance(j), 1e-12 * ref[1]);
            assertEquals(ref[2], m.skew(j), 1e-10 * Math.abs(ref[2]));
            assertEquals(ref[3], m.kurtosis(j), 1e-10 * ref[3]);
        }
    }
}
