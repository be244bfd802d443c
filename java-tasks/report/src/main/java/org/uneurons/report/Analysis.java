package org.uneurons.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.uneurons.core.stats.Percentiles;
import org.uneurons.formats.PercentilesFile;

/** The numbers the report shows, computed from neuron tables in float64; no formatting and no I/O here. */
final class Analysis {
    private Analysis() {
    }

    /** Thresholds of the sweep: 0.10, 0.15, ..., 0.90 (computed from integers so they print exactly). */
    static final double[] SWEEP = sweep();

    private static double[] sweep() {
        double[] t = new double[17];
        for (int i = 0; i < t.length; i++) {
            t[i] = (10 + 5 * i) / 100.0;
        }
        return t;
    }

    /** Headline numbers of one group. */
    record Headline(int n, double meanCorr, double meanBaseline, double meanExcess, double medianExcess,
                    double maxExcess, int above02, int above05, int universal) {
    }

    static Headline headline(NeuronGroup g) {
        double[] e = g.excess;
        int u = 0;
        for (boolean b : g.universal) {
            u += b ? 1 : 0;
        }
        double[] sorted = e.clone();
        Arrays.sort(sorted);
        return new Headline(e.length, mean(g.meanCorr), mean(g.meanBaseline), mean(e), median(sorted),
                sorted[sorted.length - 1], countAbove(e, 0.2), countAbove(e, 0.5), u);
    }

    /** Neurons with excess strictly above t, as the universality criterion counts them. */
    static int countAbove(double[] values, double t) {
        int c = 0;
        for (double v : values) {
            if (v > t) {
                c++;
            }
        }
        return c;
    }

    /** Universal (is_universal) and total neurons per layer. */
    record LayerCounts(int[] universal, int[] total) {
        double fraction(int layer) {
            return total[layer] == 0 ? 0 : universal[layer] / (double) total[layer];
        }
    }

    static LayerCounts layerCounts(NeuronGroup g) {
        int[] u = new int[g.nLayers];
        int[] n = new int[g.nLayers];
        for (int r = 0; r < g.size(); r++) {
            n[g.layer[r]]++;
            if (g.universal[r]) {
                u[g.layer[r]]++;
            }
        }
        return new LayerCounts(u, n);
    }

    /** Shared bin edges for density histograms of several samples. */
    static double[] edges(List<double[]> samples, int bins) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] s : samples) {
            for (double v : s) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (!(hi > lo)) { // one distinct value: a unit-wide bin range around it
            lo -= 0.5;
            hi += 0.5;
        }
        double[] e = new double[bins + 1];
        for (int i = 0; i <= bins; i++) {
            e[i] = lo + (hi - lo) * i / bins;
        }
        return e;
    }

    /** Density (integrates to 1) of {@code values} over the bins; the last bin is closed on the right, as numpy's. */
    static double[] density(double[] values, double[] edges) {
        int bins = edges.length - 1;
        double[] d = new double[bins];
        double lo = edges[0];
        double width = (edges[bins] - lo) / bins;
        for (double v : values) {
            int b = (int) Math.floor((v - lo) / width);
            d[Math.max(0, Math.min(bins - 1, b))]++;
        }
        for (int i = 0; i < bins; i++) {
            d[i] /= values.length * width;
        }
        return d;
    }

    /** Bins for n values: fine enough to show shape, coarse enough not to be noise (the paper used 200 for 37k+). */
    static int bins(int n) {
        return Math.max(10, Math.min(200, (int) Math.round(2 * Math.cbrt(n) * 2)));
    }

    /** Median within-layer percentile of one metric, for universal and for non-universal neurons. */
    record PercentileContrast(String metric, double universalMedian, int nUniversal, double otherMedian, int nOther) {
    }

    /**
     * For each statistics metric of METHOD 5.4 present in the table: every neuron's percentile within its layer
     * (scipy's percentileofscore, kind='rank', as percentiles.csv), and the medians of the universal and the
     * non-universal neurons. Empty when the table has no statistics columns or no universal neuron.
     */
    static List<PercentileContrast> percentileContrast(NeuronGroup g) {
        List<PercentileContrast> out = new ArrayList<>();
        for (String metric : PercentilesFile.METRICS) {
            if (!g.table.has(metric)) {
                continue;
            }
            double[] v = g.table.numbers(metric);
            double[][] sortedByLayer = new double[g.nLayers][];
            LayerCounts counts = layerCounts(g);
            int[] fill = new int[g.nLayers];
            for (int l = 0; l < g.nLayers; l++) {
                sortedByLayer[l] = new double[counts.total()[l]];
            }
            for (int r = 0; r < g.size(); r++) {
                sortedByLayer[g.layer[r]][fill[g.layer[r]]++] = v[r];
            }
            for (double[] s : sortedByLayer) {
                Arrays.sort(s);
            }
            List<Double> uni = new ArrayList<>();
            List<Double> other = new ArrayList<>();
            for (int r = 0; r < g.size(); r++) {
                double p = Percentiles.percentileOfScore(sortedByLayer[g.layer[r]], v[r]);
                (g.universal[r] ? uni : other).add(p);
            }
            if (uni.isEmpty()) {
                continue;
            }
            out.add(new PercentileContrast(metric, median(uni), uni.size(), other.isEmpty() ? Double.NaN : median(other),
                    other.size()));
        }
        return out;
    }

    static double mean(double[] xs) {
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return s / xs.length;
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return median(s);
    }

    /** Indices of the top {@code n} rows by excess (ties: the earlier row first). */
    static int[] topByExcess(NeuronGroup g, int n) {
        Integer[] idx = new Integer[g.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> {
            int c = Double.compare(g.excess[b], g.excess[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int k = Math.min(n, idx.length);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = idx[i];
        }
        return out;
    }
}
