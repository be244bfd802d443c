package org.uneurons.intervene;

import java.util.Arrays;

/** Pearson's and Spearman's correlation over paired samples, in float64 (NaN when either side is constant). */
final class Correlation {
    private Correlation() {
    }

    static double pearson(float[] x, float[] y) {
        int n = x.length;
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    /** Pearson's correlation of the ranks, ties given their average rank (scipy.stats.spearmanr). */
    static double spearman(float[] x, float[] y) {
        return pearson(ranks(x), ranks(y));
    }

    static float[] ranks(float[] v) {
        int n = v.length;
        Integer[] order = new Integer[n];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Float.compare(v[a], v[b]));
        float[] r = new float[n];
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            float avg = (i + j) / 2f + 1;
            for (int k = i; k <= j; k++) {
                r[order[k]] = avg;
            }
            i = j + 1;
        }
        return r;
    }
}
