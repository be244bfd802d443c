package org.uneurons.core.stats;

import java.util.List;

/** Percentile ranks as scipy computes them, for per-layer comparisons of neuron properties (METHOD 5.4). */
public final class Percentiles {
    private Percentiles() {
    }

    /**
     * scipy's percentileofscore(a, score, kind='rank'): (left + right + (right > left ? 1 : 0)) * 50 / n with left
     * the count of values below the score and right the count at or below it; {@code sorted} ascending.
     */
    public static double percentileOfScore(double[] sorted, double score) {
        int left = lowerBound(sorted, score);
        int right = upperBound(sorted, score);
        return (left + right + (right > left ? 1 : 0)) * 50.0 / sorted.length;
    }

    /**
     * numpy's percentile(values, p) with its default linear interpolation between order statistics (p in [0, 100],
     * values not empty).
     */
    public static double linear(double[] values, double p) {
        double[] s = values.clone();
        java.util.Arrays.sort(s);
        double pos = p / 100 * (s.length - 1);
        int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
        return s[lo] + (pos - lo) * (s[hi] - s[lo]);
    }

    public static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static int lowerBound(double[] a, double x) {
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static int upperBound(double[] a, double x) {
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
