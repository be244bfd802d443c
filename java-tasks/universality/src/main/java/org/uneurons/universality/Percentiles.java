package org.uneurons.universality;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What distinguishes universal neurons (METHOD 5.4): per metric, each universal neuron's percentile within its
 * layer (all neurons of the layer, universal ones included), as scipy.stats.percentileofscore(layer_values, v)
 * with its default kind='rank'; then the median of those percentiles per layer and over all layers.
 */
public final class Percentiles {
    /** The metrics of the paper's figure, as neuron table columns. */
    public static final List<String> METRICS = List.of("act_freq", "mean", "skew", "kurt", "input_bias", "in_out_sim",
            "l2_penalty", "vocab_kurt");

    /** One output row; {@code layer} is -1 for the row over all layers. */
    public record Row(String metric, int layer, double medianPercentile, int count) {
    }

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

    /** Rows for every metric present in the table (absent metrics are skipped); layers without universal neurons give no row. */
    public static List<Row> compute(NeuronTable t) {
        int[] u = t.ints("is_universal");
        List<Row> out = new ArrayList<>();
        for (String metric : METRICS) {
            if (!t.has(metric)) {
                continue;
            }
            double[] v = t.doubles(metric);
            List<Double> all = new ArrayList<>();
            for (int l = 0; l < t.nLayers(); l++) {
                int from = l * t.dMlp();
                double[] layer = Arrays.copyOfRange(v, from, from + t.dMlp());
                Arrays.sort(layer);
                List<Double> ps = new ArrayList<>();
                for (int r = from; r < from + t.dMlp(); r++) {
                    if (u[r] == 1) {
                        ps.add(percentileOfScore(layer, v[r]));
                    }
                }
                if (!ps.isEmpty()) {
                    out.add(new Row(metric, l, median(ps), ps.size()));
                    all.addAll(ps);
                }
            }
            if (!all.isEmpty()) {
                out.add(new Row(metric, -1, median(all), all.size()));
            }
        }
        return out;
    }

    static double median(List<Double> xs) {
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
