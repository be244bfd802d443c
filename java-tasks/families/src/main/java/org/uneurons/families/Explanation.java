package org.uneurons.families;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one pass gives for its neurons: the VR matrix over the features, the position measures, the pre-activation
 * kurtosis and the mean-activating tokens; passes over blocks of neurons are concatenated row-wise ({@link #concat}).
 */
record Explanation(List<Feature> features, double[][] vr, double[] positionMi, double[] positionStd, double[] kurtosis,
                   int[][] topIds, double[][] topMeans, long[][] topCounts) {

    /**
     * @param features the features (null: built from {@code in} and this accumulator, as the first pass does)
     * @param topTokens mean-activating tokens kept per neuron
     * @param minCount a token counts there only if it occurs more than this often (the paper's count filter)
     */
    static Explanation of(FamilyAccumulator acc, FeatureCatalog.Inputs in, List<Feature> features, int topTokens,
                          long minCount) {
        List<Feature> f = features != null ? features : FeatureCatalog.build(in, acc);
        int k = acc.neurons();
        double[] mi = new double[k];
        double[] std = new double[k];
        double[] kurt = new double[k];
        for (int j = 0; j < k; j++) {
            mi[j] = acc.positions().mutualInformation(j);
            std[j] = acc.positions().meanStd(j);
            kurt[j] = acc.preMoments().kurtosis(j);
        }
        int[][] ids = new int[k][topTokens];
        double[][] means = new double[k][topTokens];
        long[][] counts = new long[k][topTokens];
        topTokens(acc, minCount, ids, means, counts);
        return new Explanation(f, VarianceReduction.matrix(acc, f), mi, std, kurt, ids, means, counts);
    }

    /** Per neuron, the token ids of highest mean post-activation among those seen more than minCount times. */
    private static void topTokens(FamilyAccumulator acc, long minCount, int[][] ids, double[][] means, long[][] counts) {
        GroupSums g = acc.variable(FamilyAccumulator.TOKEN);
        List<Integer> rows = new ArrayList<>();
        for (int r = 0; r < g.rows(); r++) {
            if (g.count(r) > minCount) {
                rows.add(r);
            }
        }
        double[] shift = acc.shift();
        for (int j = 0; j < ids.length; j++) {
            int jj = j;
            Integer[] order = rows.toArray(new Integer[0]);
            Arrays.sort(order, (a, b) -> {
                int c = Double.compare(g.s1(b, jj) / g.count(b), g.s1(a, jj) / g.count(a));
                return c != 0 ? c : Integer.compare(g.value(a), g.value(b));
            });
            Arrays.fill(ids[j], -1);
            for (int i = 0; i < ids[j].length && i < order.length; i++) {
                int r = order[i];
                ids[j][i] = g.value(r);
                means[j][i] = shift[j] + g.s1(r, j) / g.count(r);
                counts[j][i] = g.count(r);
            }
        }
    }

    int neurons() {
        return vr.length;
    }

    /** The rows of several passes (same features), in order. */
    static Explanation concat(List<Explanation> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        List<Feature> f = parts.get(0).features();
        int n = parts.stream().mapToInt(Explanation::neurons).sum();
        Explanation out = new Explanation(f, new double[n][], new double[n], new double[n], new double[n], new int[n][],
                new double[n][], new long[n][]);
        int at = 0;
        for (Explanation p : parts) {
            for (int j = 0; j < p.neurons(); j++, at++) {
                out.vr()[at] = p.vr()[j];
                out.positionMi()[at] = p.positionMi()[j];
                out.positionStd()[at] = p.positionStd()[j];
                out.kurtosis()[at] = p.kurtosis()[j];
                out.topIds()[at] = p.topIds()[j];
                out.topMeans()[at] = p.topMeans()[j];
                out.topCounts()[at] = p.topCounts()[j];
            }
        }
        return out;
    }
}
