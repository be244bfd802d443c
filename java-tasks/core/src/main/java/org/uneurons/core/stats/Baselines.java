package org.uneurons.core.stats;

/**
 * Baseline correlations from the moments alone (docs/correlate.md), with no second pass over the tokens. For layer l of b
 * and its random matrix R_l (rows = baseline units), the co-moment of a's neuron i with unit j is
 * {@code (C[i, l] R_l^T)_ij} and the unit's sum of squared deviations is {@code r_j^T covB_l r_j}; so the baseline
 * correlation equals streaming the rotated activations {@code R_l y_l}. A neuron's baseline is its max over every
 * unit of every layer of b; a dead neuron of a ({@link Pearson#dead}) has baseline 0 at layer -1.
 */
public final class Baselines {
    /** [samples][rows of a]: the max baseline correlation, and the b layer where it is reached. */
    public final double[][] max;
    public final int[][] maxLayer;
    public final Rotations.Kind kind;
    /** The run's baseline seed. */
    public final long seed;
    /** The seed the matrices were drawn from: the run's seed itself, or mixed with the pair ({@link #forPair}). */
    public final long drawSeed;

    private Baselines(Rotations.Kind kind, long seed, long drawSeed, int samples, int rows) {
        this.kind = kind;
        this.seed = seed;
        this.drawSeed = drawSeed;
        this.max = new double[samples][rows];
        this.maxLayer = new int[samples][rows];
    }

    public interface Listener {
        void layerDone(int sample, int layerB);
    }

    /**
     * The baselines of the pair {@code modelA} vs {@code modelB}: matrices drawn from
     * {@link Rotations#pairSeed}(seed, modelA, modelB), so each comparison has its own draw.
     */
    public static Baselines forPair(MomentBlocks m, Rotations.Kind kind, long seed, String modelA, String modelB,
                                    int samples, Gemm gemm, Listener listener) {
        return compute(m, kind, seed, Rotations.pairSeed(seed, modelA, modelB), samples, gemm, listener);
    }

    /** The baselines with matrices drawn from {@code seed} itself. */
    public static Baselines of(MomentBlocks m, Rotations.Kind kind, long seed, int samples, Gemm gemm, Listener listener) {
        return compute(m, kind, seed, seed, samples, gemm, listener);
    }

    private static Baselines compute(MomentBlocks m, Rotations.Kind kind, long seed, long drawSeed, int samples,
                                     Gemm gemm, Listener listener) {
        MomentShape s = m.shape();
        Baselines out = new Baselines(kind, seed, drawSeed, samples, s.neuronsA());
        double[] invA = Pearson.inverseNorms(m.m2A(), m.meanA(), m.count());
        for (int sample = 0; sample < samples; sample++) {
            double[] best = out.max[sample];
            java.util.Arrays.fill(best, Double.NEGATIVE_INFINITY);
            for (int lb = 0; lb < s.nLayersB(); lb++) {
                double[][] r = Rotations.matrix(kind, drawSeed, sample, lb, s.dB(), gemm);
                double[] invUnit = unitInverseNorms(r, m.covB(lb), gemm);
                for (int la = 0; la < s.layersInRangeA(); la++) {
                    double[][] z = gemm.multiplyABt(m.comoment(la, lb), r);
                    for (int i = 0; i < s.dA(); i++) {
                        int row = la * s.dA() + i;
                        double ia = invA[row];
                        double[] zi = z[i];
                        for (int j = 0; j < zi.length; j++) {
                            double v = Pearson.clamp(zi[j] * ia * invUnit[j]);
                            if (v > best[row]) {
                                best[row] = v;
                                out.maxLayer[sample][row] = lb;
                            }
                        }
                    }
                }
                if (listener != null) {
                    listener.layerDone(sample, lb);
                }
            }
            for (int row = 0; row < invA.length; row++) {
                if (invA[row] == 0) { // a dead neuron of a: no correlation, baseline 0 at no layer
                    best[row] = 0;
                    out.maxLayer[sample][row] = -1;
                }
            }
        }
        return out;
    }

    /** 1/sqrt(r_j^T covB r_j) per unit, 0 for a unit without variance (a layer of dead neurons). */
    static double[] unitInverseNorms(double[][] r, double[][] covB, Gemm gemm) {
        double[][] rc = gemm.multiplyABt(r, covB); // covB is symmetric, so this is R covB
        double[] inv = new double[r.length];
        for (int j = 0; j < r.length; j++) {
            double var = Rotations.dot(rc[j], r[j]);
            inv[j] = var > 0 ? 1 / Math.sqrt(var) : 0;
        }
        return inv;
    }
}
