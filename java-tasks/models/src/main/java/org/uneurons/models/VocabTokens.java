package org.uneurons.models;

import java.util.Arrays;

/**
 * The k tokens each neuron's output raises most and lowers most: the entries of W_U^T w_out (processed weights, so
 * the final LayerNorm's gain is folded in and the unembedding centred) per unit of post-activation. Filled from the
 * blocks of cosines {@link WeightStats#vocab} already computes (cos x |w_out| x |W_U[:, v]| is the product), so the
 * selection adds a scan of those blocks and no product. Ties go to the lower token id.
 */
public final class VocabTokens {
    private final int k;
    private final int[][] topIds;
    private final double[][] topValues;
    private final int[][] bottomIds;
    private final double[][] bottomValues;
    private final int[] filled;

    /** Room for {@code neurons} neurons (layer-major), {@code k} tokens each way. */
    public VocabTokens(int neurons, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be positive: " + k);
        }
        this.k = k;
        topIds = new int[neurons][k];
        topValues = new double[neurons][k];
        bottomIds = new int[neurons][k];
        bottomValues = new double[neurons][k];
        filled = new int[neurons];
    }

    public int k() {
        return k;
    }

    /**
     * Offers one block: {@code cos[j][c]} is the cosine of neuron {@code first + j} with token {@code from + c};
     * {@code outNorm[j]} that neuron's |w_out|, {@code uNorm} every token's |W_U[:, v]|.
     */
    void add(int first, int from, double[][] cos, double[] outNorm, double[] uNorm) {
        for (int j = 0; j < cos.length; j++) {
            int n = first + j;
            double[] row = cos[j];
            for (int c = 0; c < row.length; c++) {
                double x = row[c] * outNorm[j] * uNorm[from + c];
                offer(n, from + c, x);
            }
        }
    }

    /** Offers token {@code id} with product {@code x} to neuron {@code n}; tokens must come in increasing id order. */
    void offer(int n, int id, double x) {
        if (filled[n] < k) {
            int s = filled[n]++;
            push(topValues[n], topIds[n], s, id, x);
            push(bottomValues[n], bottomIds[n], s, id, -x);
            return;
        }
        // heap roots hold the weakest kept entry; a later id wins only on a strictly larger value
        if (x > topValues[n][0]) {
            replaceRoot(topValues[n], topIds[n], id, x);
        }
        if (-x > bottomValues[n][0]) {
            replaceRoot(bottomValues[n], bottomIds[n], id, -x);
        }
    }

    /** A neuron's kept tokens, strongest first, with their products. */
    public record Ranked(int[] ids, double[] values) {
    }

    /** Neuron n's top tokens, largest product first. */
    public Ranked top(int n) {
        return sorted(topValues[n], topIds[n], filled[n], 1);
    }

    /** Neuron n's bottom tokens, most negative product first. */
    public Ranked bottom(int n) {
        return sorted(bottomValues[n], bottomIds[n], filled[n], -1);
    }

    public int neurons() {
        return filled.length;
    }

    // --- a min-heap on (value, -id): the root is the entry to drop first (smallest value, then largest id) ---

    private static boolean weaker(double va, int ia, double vb, int ib) {
        return va < vb || (va == vb && ia > ib);
    }

    private static void push(double[] v, int[] id, int size, int newId, double x) {
        int i = size;
        v[i] = x;
        id[i] = newId;
        while (i > 0) {
            int p = (i - 1) / 2;
            if (!weaker(v[i], id[i], v[p], id[p])) {
                break;
            }
            swap(v, id, i, p);
            i = p;
        }
    }

    private static void replaceRoot(double[] v, int[] id, int newId, double x) {
        v[0] = x;
        id[0] = newId;
        int i = 0, size = v.length;
        while (true) {
            int l = 2 * i + 1, r = l + 1, m = i;
            if (l < size && weaker(v[l], id[l], v[m], id[m])) {
                m = l;
            }
            if (r < size && weaker(v[r], id[r], v[m], id[m])) {
                m = r;
            }
            if (m == i) {
                return;
            }
            swap(v, id, i, m);
            i = m;
        }
    }

    private static void swap(double[] v, int[] id, int a, int b) {
        double t = v[a];
        v[a] = v[b];
        v[b] = t;
        int u = id[a];
        id[a] = id[b];
        id[b] = u;
    }

    /** Kept entries strongest first; sign undoes the negation of the bottom heap (+ 0.0 turns -0.0 into 0.0). */
    private static Ranked sorted(double[] v, int[] id, int size, int sign) {
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> weaker(v[a], id[a], v[b], id[b]) ? 1 : weaker(v[b], id[b], v[a], id[a]) ? -1 : 0);
        int[] ids = new int[size];
        double[] values = new double[size];
        for (int i = 0; i < size; i++) {
            ids[i] = id[order[i]];
            values[i] = sign * v[order[i]] + 0.0;
        }
        return new Ranked(ids, values);
    }
}
