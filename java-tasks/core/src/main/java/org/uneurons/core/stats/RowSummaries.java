package org.uneurons.core.stats;

/**
 * Per neuron of a (rows, in the layer range of the moments), its correlations with every neuron of every layer of
 * b reduced to: max with the b layer and neuron where it is reached, min, mean, and the top-k values with their b
 * neurons (as flat indices {@code layer * d_mlp_b + neuron}, best first).
 *
 * <p>Dead neurons ({@link Pearson#dead}: constant on the analysed tokens) have no correlation; as in the paper, which
 * sets NaN to 0, their r is 0 in max, min and mean. They are flagged ({@link #deadA}, {@link #deadB}) and are nobody's
 * partner: a dead row of a has max, min and mean 0, partner layer and neuron -1 and no top-k (values 0, indices -1);
 * a dead neuron of b is never a row's partner or in its top-k, so where only a dead neuron's 0 reaches a row's max
 * (every live correlation is negative), the partner is -1, and top-k slots no live neuron fills are 0 with index -1.
 */
public final class RowSummaries {
    public final MomentShape shape;
    public final int k;
    public final double[] max;
    public final int[] maxLayer;
    public final int[] maxNeuron;
    public final double[] min;
    public final double[] mean;
    /** [rows][k], descending. */
    public final double[][] topValues;
    /** [rows][k], flat b index; -1 for a slot no live neuron of b fills. */
    public final int[][] topIndices;
    /** Per row of a: constant on the analysed tokens. */
    public final boolean[] deadA;
    /** Per neuron of b (flat, layer-major): constant on the analysed tokens. */
    public final boolean[] deadB;

    private RowSummaries(MomentShape shape, int k) {
        this.shape = shape;
        this.k = k;
        int rows = shape.neuronsA();
        max = new double[rows];
        maxLayer = new int[rows];
        maxNeuron = new int[rows];
        min = new double[rows];
        mean = new double[rows];
        topValues = new double[rows][k];
        topIndices = new int[rows][k];
        deadA = new boolean[rows];
        deadB = new boolean[shape.neuronsB()];
    }

    /** Summaries of every row of the correlation matrix of {@code m}, block by block (the matrix is never whole). */
    public static RowSummaries of(MomentBlocks m, int k) {
        MomentShape s = m.shape();
        if (k < 1 || k > s.neuronsB()) {
            throw new IllegalArgumentException("top-k must be within 1-" + s.neuronsB() + ", got " + k);
        }
        RowSummaries out = new RowSummaries(s, k);
        double[] invA = Pearson.inverseNorms(m.m2A(), m.meanA(), m.count());
        double[] invB = Pearson.inverseNorms(m.m2B(), m.meanB(), m.count());
        for (int j = 0; j < invB.length; j++) {
            out.deadB[j] = invB[j] == 0;
        }
        for (int la = 0; la < s.layersInRangeA(); la++) {
            Rows rows = new Rows(out, la, k);
            for (int lb = 0; lb < s.nLayersB(); lb++) {
                rows.add(Pearson.block(m, la, lb, invA, invB), lb);
            }
            rows.finish(invA);
        }
        return out;
    }

    /** The running summaries of the rows of one layer of a. */
    private static final class Rows {
        private final RowSummaries out;
        private final MomentShape s;
        private final int first;
        private final double[] sum;
        private final TopK[] tops;
        /** Per row: the best live neuron of b so far (its r, flat index), -inf / -1 before any. */
        private final double[] liveMax;
        private final int[] liveAt;

        Rows(RowSummaries out, int la, int k) {
            this.out = out;
            this.s = out.shape;
            this.first = la * s.dA();
            this.sum = new double[s.dA()];
            this.tops = new TopK[s.dA()];
            this.liveMax = new double[s.dA()];
            this.liveAt = new int[s.dA()];
            for (int i = 0; i < s.dA(); i++) {
                tops[i] = new TopK(k);
                out.max[first + i] = Double.NEGATIVE_INFINITY;
                out.min[first + i] = Double.POSITIVE_INFINITY;
                liveMax[i] = Double.NEGATIVE_INFINITY;
                liveAt[i] = -1;
            }
        }

        /** One block of correlations, [dA][dB], with b's layer {@code lb}. */
        void add(double[][] r, int lb) {
            int ob = lb * s.dB();
            for (int i = 0; i < s.dA(); i++) {
                int row = first + i;
                double[] ri = r[i];
                double acc = 0;
                for (int j = 0; j < ri.length; j++) {
                    double v = ri[j];
                    acc += v;
                    if (v > out.max[row]) {
                        out.max[row] = v;
                    }
                    if (v < out.min[row]) {
                        out.min[row] = v;
                    }
                    if (!out.deadB[ob + j]) {
                        // Strict comparisons keep the first (lowest layer, lowest neuron) of equal values.
                        if (v > liveMax[i]) {
                            liveMax[i] = v;
                            liveAt[i] = ob + j;
                        }
                        tops[i].offer(v, ob + j);
                    }
                }
                sum[i] += acc;
            }
        }

        void finish(double[] invA) {
            for (int i = 0; i < s.dA(); i++) {
                int row = first + i;
                out.mean[row] = sum[i] / s.neuronsB();
                java.util.Arrays.fill(out.topIndices[row], -1);
                tops[i].drainDescending(out.topValues[row], out.topIndices[row]);
                out.deadA[row] = invA[row] == 0;
                boolean partner = !out.deadA[row] && liveAt[i] >= 0 && liveMax[i] == out.max[row];
                out.maxLayer[row] = partner ? liveAt[i] / s.dB() : -1;
                out.maxNeuron[row] = partner ? liveAt[i] % s.dB() : -1;
                if (out.deadA[row]) {
                    out.max[row] = 0;
                    out.min[row] = 0;
                    out.mean[row] = 0;
                    java.util.Arrays.fill(out.topValues[row], 0);
                    java.util.Arrays.fill(out.topIndices[row], -1);
                }
            }
        }
    }

    /** The k largest values seen, as a min-heap; ties keep the earlier index. */
    static final class TopK {
        private final double[] v;
        private final int[] idx;
        private int size;

        TopK(int k) {
            v = new double[k];
            idx = new int[k];
        }

        void offer(double value, int index) {
            if (size < v.length) {
                v[size] = value;
                idx[size] = index;
                siftUp(size++);
            } else if (value > v[0]) {
                v[0] = value;
                idx[0] = index;
                siftDown(0);
            }
        }

        /** Smaller value first; equal values: the later index is "smaller" so it leaves the heap first. */
        private boolean less(int a, int b) {
            return v[a] < v[b] || (v[a] == v[b] && idx[a] > idx[b]);
        }

        private void swap(int a, int b) {
            double tv = v[a];
            v[a] = v[b];
            v[b] = tv;
            int ti = idx[a];
            idx[a] = idx[b];
            idx[b] = ti;
        }

        private void siftUp(int i) {
            while (i > 0) {
                int p = (i - 1) / 2;
                if (!less(i, p)) {
                    return;
                }
                swap(i, p);
                i = p;
            }
        }

        private void siftDown(int i) {
            while (true) {
                int l = 2 * i + 1, r = l + 1, m = i;
                if (l < size && less(l, m)) {
                    m = l;
                }
                if (r < size && less(r, m)) {
                    m = r;
                }
                if (m == i) {
                    return;
                }
                swap(i, m);
                i = m;
            }
        }

        /** The values best first into the first {@code size} slots; the slots after them are left as they are. */
        void drainDescending(double[] values, int[] indices) {
            for (int pos = size - 1; pos >= 0; pos--) {
                values[pos] = v[0];
                indices[pos] = idx[0];
                v[0] = v[size - 1];
                idx[0] = idx[size - 1];
                size--;
                siftDown(0);
            }
        }
    }
}
