package org.uneurons.core.stats;

/**
 * Pearson correlation from finished moments: r = comoment / sqrt(m2_a m2_b). A constant (dead) neuron has no
 * correlation with anything: its r is 0, never NaN, as the paper's analysis sets NaN to 0.
 */
public final class Pearson {
    private Pearson() {
    }

    /**
     * True if a neuron's activation is constant over the tokens: its sum of squared deviations is zero, or so small
     * against its mean that it can only be rounding (float32 activations resolve about 1e-7 of the mean; this
     * threshold is 2^-40 of it).
     */
    public static boolean dead(double m2, double mean, long n) {
        if (!(m2 > 0)) {
            return true;
        }
        double floor = Math.scalb(Math.abs(mean), -40);
        return m2 <= n * floor * floor;
    }

    /** 1/sqrt(m2) per neuron, or 0 for dead neurons, so r = comoment * inv_a * inv_b and dead neurons give 0. */
    public static double[] inverseNorms(double[] m2, double[] mean, long n) {
        double[] inv = new double[m2.length];
        for (int i = 0; i < m2.length; i++) {
            inv[i] = dead(m2[i], mean[i], n) ? 0 : 1 / Math.sqrt(m2[i]);
        }
        return inv;
    }

    /** The correlation block of a's layer {@code firstLayerA + indexA} with b's layer {@code layerB}: [dA][dB]. */
    public static double[][] block(MomentBlocks m, int indexA, int layerB) {
        double[] invA = inverseNorms(m.m2A(), m.meanA(), m.count());
        double[] invB = inverseNorms(m.m2B(), m.meanB(), m.count());
        return block(m, indexA, layerB, invA, invB);
    }

    static double[][] block(MomentBlocks m, int indexA, int layerB, double[] invA, double[] invB) {
        MomentShape s = m.shape();
        double[][] c = m.comoment(indexA, layerB);
        double[][] r = new double[s.dA()][s.dB()];
        for (int i = 0; i < s.dA(); i++) {
            double ia = invA[indexA * s.dA() + i];
            double[] ci = c[i], ri = r[i];
            int ob = layerB * s.dB();
            for (int j = 0; j < s.dB(); j++) {
                ri[j] = clamp(ci[j] * ia * invB[ob + j]);
            }
        }
        return r;
    }

    /** Rounding can push |r| of identical neurons a hair above 1. */
    static double clamp(double r) {
        return r > 1 ? 1 : (r < -1 ? -1 : r);
    }
}
