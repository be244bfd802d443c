package org.uneurons.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.uneurons.core.stats.Percentiles;

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
                    double maxExcess, int above02, int above05, int universal, int dead) {
    }

    static Headline headline(NeuronGroup g) {
        double[] e = g.excess;
        int u = 0;
        for (boolean b : g.universal) {
            u += b ? 1 : 0;
        }
        int dead = 0;
        for (boolean b : g.dead) {
            dead += b ? 1 : 0;
        }
        double[] sorted = e.clone();
        Arrays.sort(sorted);
        return new Headline(e.length, mean(g.meanCorr), mean(g.meanBaseline), mean(e), median(sorted),
                sorted[sorted.length - 1], countAbove(e, 0.2), countAbove(e, 0.5), u, dead);
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

    /**
     * Every neuron's percentile of {@code values} within its layer (all of the layer's neurons), as scipy's
     * percentileofscore(layer_values, value) with its default kind='rank' (as percentiles.csv, METHOD 5.4).
     */
    static double[] withinLayerPercentiles(NeuronGroup g, double[] values) {
        LayerCounts counts = layerCounts(g);
        double[][] byLayer = new double[g.nLayers][];
        int[] fill = new int[g.nLayers];
        for (int l = 0; l < g.nLayers; l++) {
            byLayer[l] = new double[counts.total()[l]];
        }
        for (int r = 0; r < g.size(); r++) {
            byLayer[g.layer[r]][fill[g.layer[r]]++] = values[r];
        }
        for (double[] s : byLayer) {
            Arrays.sort(s);
        }
        double[] p = new double[g.size()];
        for (int r = 0; r < g.size(); r++) {
            p[r] = Percentiles.percentileOfScore(byLayer[g.layer[r]], values[r]);
        }
        return p;
    }

    /** The q-quantile (0..1) of ascending {@code sorted}, interpolated linearly between order statistics (numpy's default). */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /**
     * A box plot of {@code values} (not empty): quartiles, Tukey's whiskers (the most extreme values within 1.5 IQR
     * of the box, as matplotlib draws them) and the values beyond them.
     */
    static ReportModel.Box box(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        double q1 = quantile(s, 0.25);
        double q3 = quantile(s, 0.75);
        double reach = 1.5 * (q3 - q1);
        double lo = s[s.length - 1];
        double hi = s[0];
        List<Double> outliers = new ArrayList<>();
        for (double v : s) {
            if (v < q1 - reach || v > q3 + reach) {
                outliers.add(v);
            } else {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        return new ReportModel.Box(s.length, mean(s), s[0], q1, quantile(s, 0.5), q3, s[s.length - 1], lo, hi,
                List.copyOf(outliers));
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
