package org.uneurons.families;

import java.util.ArrayList;
import java.util.List;

import org.apache.commons.math3.exception.ConvergenceException;
import org.apache.commons.math3.exception.MathIllegalArgumentException;
import org.apache.commons.math3.ml.clustering.CentroidCluster;
import org.apache.commons.math3.ml.clustering.DoublePoint;
import org.apache.commons.math3.ml.clustering.KMeansPlusPlusClusterer;
import org.apache.commons.math3.ml.clustering.MultiKMeansPlusPlusClusterer;
import org.apache.commons.math3.ml.distance.EuclideanDistance;
import org.apache.commons.math3.random.JDKRandomGenerator;

/**
 * Automatic families: k-means++ (Apache Commons Math 3.6.1, seeded, the best of {@code trials} runs by within-cluster
 * sum of squares) on the neurons' VR profiles (rows of the VR matrix, undefined VR as 0), for every k from 2 to
 * {@code maxK} (at most n − 1), keeping the k with the largest mean silhouette (Euclidean; a neuron alone in its
 * cluster scores 0, as scikit-learn). Clusters are numbered by their first neuron, so the numbering does not depend
 * on the library's order. Fewer than 3 neurons, or profiles that cannot be split: one cluster, silhouette NaN.
 */
final class VrClusters {
    record Result(int[] cluster, int k, double silhouette, double[] silhouetteByK) {
    }

    private VrClusters() {
    }

    static Result cluster(double[][] vr, int maxK, long seed, int trials) {
        int n = vr.length;
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            x[i] = vr[i].clone();
            for (int f = 0; f < x[i].length; f++) {
                if (Double.isNaN(x[i][f])) {
                    x[i][f] = 0;
                }
            }
        }
        int top = Math.min(maxK, n - 1);
        double[] byK = new double[Math.max(0, top - 1)];
        java.util.Arrays.fill(byK, Double.NaN);
        if (top < 2) {
            return new Result(new int[n], 1, Double.NaN, byK);
        }
        double[][] dist = distances(x);
        int[] bestAssign = new int[n];
        int bestK = 1;
        double bestS = Double.NaN;
        for (int k = 2; k <= top; k++) {
            int[] assign = kmeans(x, k, seed, trials);
            if (assign == null) {
                continue;
            }
            double s = silhouette(dist, assign);
            byK[k - 2] = s;
            if (Double.isNaN(bestS) || s > bestS) {
                bestS = s;
                bestK = k;
                bestAssign = assign;
            }
        }
        return new Result(bestAssign, bestK, bestS, byK);
    }

    /** Cluster per point, renumbered by first appearance; null when k clusters cannot be formed. */
    static int[] kmeans(double[][] x, int k, long seed, int trials) {
        JDKRandomGenerator rng = new JDKRandomGenerator();
        rng.setSeed(seed);
        KMeansPlusPlusClusterer<Indexed> km = new KMeansPlusPlusClusterer<>(k, 300, new EuclideanDistance(), rng);
        List<Indexed> points = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            points.add(new Indexed(x[i], i));
        }
        List<CentroidCluster<Indexed>> clusters;
        try {
            clusters = new MultiKMeansPlusPlusClusterer<>(km, trials).cluster(points);
        } catch (ConvergenceException | MathIllegalArgumentException e) {
            return null;
        }
        int[] raw = new int[x.length];
        for (int c = 0; c < clusters.size(); c++) {
            for (Indexed p : clusters.get(c).getPoints()) {
                raw[p.index] = c;
            }
        }
        int[] map = new int[clusters.size()];
        java.util.Arrays.fill(map, -1);
        int next = 0;
        int[] out = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            if (map[raw[i]] < 0) {
                map[raw[i]] = next++;
            }
            out[i] = map[raw[i]];
        }
        return next == k ? out : null;
    }

    private static final class Indexed extends DoublePoint {
        private static final long serialVersionUID = 1L;
        final int index;

        Indexed(double[] p, int index) {
            super(p);
            this.index = index;
        }
    }

    static double[][] distances(double[][] x) {
        int n = x.length;
        double[][] d = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double s = 0;
                for (int f = 0; f < x[i].length; f++) {
                    double t = x[i][f] - x[j][f];
                    s += t * t;
                }
                d[i][j] = d[j][i] = Math.sqrt(s);
            }
        }
        return d;
    }

    /** Mean over points of (b − a) / max(a, b); a point alone in its cluster scores 0. */
    static double silhouette(double[][] dist, int[] assign) {
        int n = assign.length;
        int k = 0;
        for (int c : assign) {
            k = Math.max(k, c + 1);
        }
        int[] size = new int[k];
        for (int c : assign) {
            size[c]++;
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            double[] sum = new double[k];
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    sum[assign[j]] += dist[i][j];
                }
            }
            int own = assign[i];
            if (size[own] == 1) {
                continue;
            }
            double a = sum[own] / (size[own] - 1);
            double b = Double.POSITIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                if (c != own && size[c] > 0) {
                    b = Math.min(b, sum[c] / size[c]);
                }
            }
            double m = Math.max(a, b);
            total += m > 0 ? (b - a) / m : 0;
        }
        return total / n;
    }
}
