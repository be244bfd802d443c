package org.uneurons.core.stats;

/**
 * Per neuron of a (rows, in the layer range of the moments), its correlations with every neuron of every layer of
 * b reduced to: max with the b layer and neuron where it is reached, min, mean, and the top-k values with their b
 * neurons (as flat indices {@code layer * d_mlp_b + neuron}, best first).
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
    /** [rows][k], flat b index. */
    public final int[][] topIndices;

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
        for (int la = 0; la < s.layersInRangeA(); la++) {
            double[] sum = new double[s.dA()];
            TopK[] tops = new TopK[s.dA()];
            for (int i = 0; i < s.dA(); i++) {
                tops[i] = new TopK(k);
                out.max[la * s.dA() + i] = Double.NEGATIVE_INFINITY;
                out.min[la * s.dA() + i] = Double.POSITIVE_INFINITY;
            }
            for (int lb = 0; lb < s.nLayersB(); lb++) {
                double[][] r = Pearson.block(m, la, lb, invA, invB);
                for (int i = 0; i < s.dA(); i++) {
                    int row = la * s.dA() + i;
                    double[] ri = r[i];
                    double acc = 0;
                    for (int j = 0; j < ri.length; j++) {
                        double v = ri[j];
                        acc += v;
                        // Strict comparisons keep the first (lowest layer, lowest neuron) of equal values.
                        if (v > out.max[row]) {
                            out.max[row] = v;
                            out.maxLayer[row] = lb;
                            out.maxNeuron[row] = j;
                        }
                        if (v < out.min[row]) {
                            out.min[row] = v;
                        }
                        tops[i].offer(v, lb * s.dB() + j);
                    }
                    sum[i] += acc;
                }
            }
            for (int i = 0; i < s.dA(); i++) {
                int row = la * s.dA() + i;
                out.mean[row] = sum[i] / s.neuronsB();
                tops[i].drainDescending(out.topValues[row], out.topIndices[row]);
            }
        }
        return out;
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
