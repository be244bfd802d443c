package org.uneurons.families;

import java.util.Arrays;

/**
 * The sufficient statistics of one categorical variable (token id, previous token id, position, one tag set): for
 * every value seen, the token count and, per neuron, the shifted sums S1 = Σ(a − c) and S2 = Σ(a − c)² of the
 * activations a of the tokens with that value, where c is the neuron's shift (a pilot mean, {@link Shift}). Only
 * values that occur get a row, so memory is (values seen) × neurons × 16 bytes.
 *
 * <p>Why shifted sums and not raw ones: Σa² − (Σa)²/n loses everything for a = 10⁶ + noise; with c near the
 * neuron's mean the cancellation is bounded by (mean − c)²/var, and the variance of any union of groups (a
 * feature) is the same sums added up, so any feature's variance reduction follows without another pass and shards
 * merge by addition. docs/families.md works out the error bound.
 *
 * <p>Values are ints ≥ −1 (−1: "no previous token"); rows are kept in order of first appearance.
 */
final class GroupSums {
    private final String variable;
    private final int neurons;
    /** value + 1 → row, −1 when the value has no row yet; grows with the largest value seen. */
    private int[] rowOf = new int[16];
    private int[] valueOf = new int[16];
    private long[] counts = new long[16];
    /** Per row, per neuron: S1 at [2 (row K + k)], S2 at [2 (row K + k) + 1]. */
    private double[] sums;
    private int rows;

    GroupSums(String variable, int neurons) {
        this.variable = variable;
        this.neurons = neurons;
        Arrays.fill(rowOf, -1);
        sums = new double[2 * 16 * neurons];
    }

    String variable() {
        return variable;
    }

    int neurons() {
        return neurons;
    }

    /** Distinct values seen. */
    int rows() {
        return rows;
    }

    int value(int row) {
        return valueOf[row];
    }

    long count(int row) {
        return counts[row];
    }

    /** The row of {@code value}, or −1 when it was never seen. */
    int rowOf(int value) {
        int i = value + 1;
        return i < rowOf.length ? rowOf[i] : -1;
    }

    /** S1 of neuron k in a row. */
    double s1(int row, int k) {
        return sums[2 * (row * neurons + k)];
    }

    double s2(int row, int k) {
        return sums[2 * (row * neurons + k) + 1];
    }

    /** The row of {@code value}, made when new. */
    private int row(int value) {
        if (value < -1) {
            throw new IllegalArgumentException(variable + ": value " + value + " < -1");
        }
        int i = value + 1;
        if (i >= rowOf.length) {
            int old = rowOf.length;
            rowOf = Arrays.copyOf(rowOf, Math.max(i + 1, 2 * old));
            Arrays.fill(rowOf, old, rowOf.length, -1);
        }
        int r = rowOf[i];
        if (r < 0) {
            if (rows == valueOf.length) {
                int cap = 2 * rows;
                valueOf = Arrays.copyOf(valueOf, cap);
                counts = Arrays.copyOf(counts, cap);
                sums = Arrays.copyOf(sums, Math.multiplyExact(2 * cap, neurons));
            }
            r = rows++;
            rowOf[i] = r;
            valueOf[r] = value;
        }
        return r;
    }

    /**
     * Adds {@code n} tokens: token t has value {@code values[t]} and shifted activations
     * {@code shifted[t K .. t K + K)} (a − c, in float64).
     */
    void add(int[] values, double[] shifted, int n) {
        int k = neurons;
        for (int t = 0; t < n; t++) {
            int r = row(values[t]);
            counts[r]++;
            int base = 2 * r * k;
            int src = t * k;
            for (int j = 0; j < k; j++) {
                double d = shifted[src + j];
                sums[base + 2 * j] += d;
                sums[base + 2 * j + 1] += d * d;
            }
        }
    }

    /**
     * Folds in another variable's sums, taken about {@code otherShift} while this one's are about {@code shift}: each
     * group is moved to this shift (S1 + nδ, S2 + 2δS1 + nδ², δ = c_other − c), then added.
     */
    void merge(GroupSums o, double[] shift, double[] otherShift) {
        if (o.neurons != neurons || !o.variable.equals(variable)) {
            throw new IllegalArgumentException("merging " + o.variable + " of " + o.neurons + " neurons into " + variable
                    + " of " + neurons);
        }
        for (int or = 0; or < o.rows; or++) {
            int r = row(o.valueOf[or]);
            long n = o.counts[or];
            counts[r] += n;
            for (int j = 0; j < neurons; j++) {
                double delta = otherShift[j] - shift[j];
                double a = o.sums[2 * (or * neurons + j)];
                double b = o.sums[2 * (or * neurons + j) + 1];
                sums[2 * (r * neurons + j)] += a + n * delta;
                sums[2 * (r * neurons + j) + 1] += b + 2 * delta * a + n * delta * delta;
            }
        }
    }

    /** Adds row {@code r} of {@code o} (same shift) to this variable's row of {@code value}. */
    void addRowFrom(int value, GroupSums o, int r) {
        int mine = row(value);
        counts[mine] += o.counts[r];
        for (int j = 0; j < 2 * neurons; j++) {
            sums[2 * mine * neurons + j] += o.sums[2 * r * neurons + j];
        }
    }

    /** Bytes held (for the memory figures printed and documented). */
    long bytes() {
        return 8L * sums.length + 8L * counts.length + 4L * valueOf.length + 4L * rowOf.length;
    }
}
