package org.uneurons.families;

import java.util.Arrays;

/**
 * Per position and neuron: tokens, tokens whose pre-activation fires (> 0), and the sum of the pre-activation; from
 * them the paper's position measures (METHOD 6.2, its position_neurons notebook): the binary mutual information
 * between firing and position, and the standard deviation over positions of the mean pre-activation.
 */
final class PositionStats {
    private final int k;
    private long[] tokens = new long[0];
    private long[] fires = new long[0];
    private double[] preSums = new double[0];

    PositionStats(int neurons) {
        this.k = neurons;
    }

    int positions() {
        return tokens.length;
    }

    private void grow(int ctx) {
        if (ctx > tokens.length) {
            tokens = Arrays.copyOf(tokens, ctx);
            fires = Arrays.copyOf(fires, ctx * k);
            preSums = Arrays.copyOf(preSums, ctx * k);
        }
    }

    /** Token-major pre-activations of {@code rows} tokens, whole sequences of {@code ctx}. */
    void add(float[] pre, int rows, int ctx) {
        grow(ctx);
        for (int t = 0; t < rows; t++) {
            int p = t % ctx;
            tokens[p]++;
            for (int j = 0; j < k; j++) {
                float x = pre[t * k + j];
                if (x > 0) {
                    fires[p * k + j]++;
                }
                preSums[p * k + j] += x;
            }
        }
    }

    void merge(PositionStats o) {
        grow(o.tokens.length);
        for (int p = 0; p < o.tokens.length; p++) {
            tokens[p] += o.tokens[p];
            for (int j = 0; j < k; j++) {
                fires[p * k + j] += o.fires[p * k + j];
                preSums[p * k + j] += o.preSums[p * k + j];
            }
        }
    }

    /**
     * MI = (1/d) Σ_pos [p_pos log(p_pos / p + 1e-9) + (1 − p_pos) log((1 − p_pos) / (1 − p) + 1e-9)] over the d
     * positions seen, p_pos the firing rate at the position and p the overall rate (the notebook's formula, its 1e-9
     * included). A neuron that never or always fires carries no information about position: 0.
     */
    double mutualInformation(int j) {
        long all = 0;
        long fired = 0;
        int d = 0;
        for (int p = 0; p < tokens.length; p++) {
            if (tokens[p] > 0) {
                all += tokens[p];
                fired += fires[p * k + j];
                d++;
            }
        }
        if (fired == 0 || fired == all) {
            return 0;
        }
        double rate = (double) fired / all;
        double sum = 0;
        for (int p = 0; p < tokens.length; p++) {
            if (tokens[p] > 0) {
                double q = (double) fires[p * k + j] / tokens[p];
                sum += q * Math.log(q / rate + 1e-9) + (1 - q) * Math.log((1 - q) / (1 - rate) + 1e-9);
            }
        }
        return sum / d;
    }

    /** Sample standard deviation (ddof 1, torch's default) over positions of the mean pre-activation; 0 for one position. */
    double meanStd(int j) {
        int d = 0;
        double mean = 0;
        for (int p = 0; p < tokens.length; p++) {
            if (tokens[p] > 0) {
                d++;
                mean += preSums[p * k + j] / tokens[p];
            }
        }
        if (d < 2) {
            return 0;
        }
        mean /= d;
        double ss = 0;
        for (int p = 0; p < tokens.length; p++) {
            if (tokens[p] > 0) {
                double m = preSums[p * k + j] / tokens[p] - mean;
                ss += m * m;
            }
        }
        return Math.sqrt(ss / (d - 1));
    }
}
