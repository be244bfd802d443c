package org.uneurons.families;

import java.util.List;

/**
 * The paper's variance reduction of a boolean feature F (METHOD 6.1, its compute_binary_variance_reduction):
 *
 * <pre>
 * VR(F) = [Var(a) − (p_F Var(a | F false) + p_T Var(a | F true))] / Var(a)
 * </pre>
 *
 * with pandas' sample variances (ddof 1) and p the token fractions of each side. With ddof 1 this is not the ANOVA
 * identity (VR can be slightly negative), and it is implemented as written. Undefined (NaN, as pandas gives) when
 * either side has fewer than 2 tokens (pandas' variance of one value is NaN) or the neuron has no variance (0 / 0);
 * the best-feature search skips NaN as pandas' idxmax does.
 */
final class VarianceReduction {
    private VarianceReduction() {
    }

    /** One neuron: n, S1, S2 of all tokens and of the tokens where F is true (sums about any one shift). */
    static double of(long n, double s1, double s2, long nT, double s1T, double s2T) {
        long nF = n - nT;
        if (nT < 2 || nF < 2) {
            return Double.NaN;
        }
        double varAll = m2(n, s1, s2) / (n - 1);
        if (!(varAll > 0)) {
            return Double.NaN;
        }
        double varT = m2(nT, s1T, s2T) / (nT - 1);
        double varF = m2(nF, s1 - s1T, s2 - s2T) / (nF - 1);
        double pF = (double) nF / n;
        double pT = 1 - pF;
        return (varAll - (pF * varF + pT * varT)) / varAll;
    }

    /** Σ(a − mean)² from shifted sums; rounding below 0 is 0. */
    static double m2(long n, double s1, double s2) {
        return Math.max(0, s2 - s1 * (s1 / n));
    }

    /** Totals over all tokens: {n, S1[k], S2[k]} from one variable's groups (every variable covers every token). */
    static Totals totals(GroupSums g) {
        int k = g.neurons();
        double[] s1 = new double[k];
        double[] s2 = new double[k];
        long n = 0;
        for (int r = 0; r < g.rows(); r++) {
            n += g.count(r);
            for (int j = 0; j < k; j++) {
                s1[j] += g.s1(r, j);
                s2[j] += g.s2(r, j);
            }
        }
        return new Totals(n, s1, s2);
    }

    record Totals(long n, double[] s1, double[] s2) {
    }

    /** VR[neuron][feature] of every feature, NaN where undefined. */
    static double[][] matrix(FamilyAccumulator acc, List<Feature> features) {
        int k = acc.neurons();
        Totals all = totals(acc.variable(FamilyAccumulator.TOKEN));
        double[][] vr = new double[k][features.size()];
        double[] s1 = new double[k];
        double[] s2 = new double[k];
        for (int f = 0; f < features.size(); f++) {
            Feature feat = features.get(f);
            GroupSums g = acc.variable(feat.variable());
            java.util.Arrays.fill(s1, 0);
            java.util.Arrays.fill(s2, 0);
            long nT = 0;
            for (int value : feat.values()) {
                int r = g.rowOf(value);
                if (r < 0) {
                    continue;
                }
                nT += g.count(r);
                for (int j = 0; j < k; j++) {
                    s1[j] += g.s1(r, j);
                    s2[j] += g.s2(r, j);
                }
            }
            for (int j = 0; j < k; j++) {
                vr[j][f] = of(all.n(), all.s1()[j], all.s2()[j], nT, s1[j], s2[j]);
            }
        }
        return vr;
    }
}
