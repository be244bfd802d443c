package org.uneurons.core.stats;

/**
 * The k largest values of each of many variables with where they occurred (a source index, e.g. the shard, and a
 * row), as one min-heap per variable in flat arrays. Ties keep the earlier (source, row), so the result does not
 * depend on the order in which equal values arrive.
 */
public final class TopK {
    private final int k;
    private final double[] value;
    private final int[] source;
    private final long[] row;
    private final int[] size;

    public TopK(int variables, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be positive");
        }
        this.k = k;
        value = new double[variables * k];
        source = new int[variables * k];
        row = new long[variables * k];
        size = new int[variables];
    }

    public int k() {
        return k;
    }

    public int variables() {
        return size.length;
    }

    /** Offers one value of variable j; cheap when it is below the current k-th largest. */
    public void offer(int j, double v, int src, long r) {
        int base = j * k;
        int s = size[j];
        if (s < k) {
            value[base + s] = v;
            source[base + s] = src;
            row[base + s] = r;
            size[j] = s + 1;
            siftUp(base, s);
        } else if (better(v, src, r, base)) {
            value[base] = v;
            source[base] = src;
            row[base] = r;
            siftDown(base, k);
        }
    }

    /** Current minimum of variable j's heap, or -infinity while it holds fewer than k values. */
    public double threshold(int j) {
        return size[j] < k ? Double.NEGATIVE_INFINITY : value[j * k];
    }

    private boolean better(double v, int src, long r, int at) {
        return v > value[at] || (v == value[at] && (src < source[at] || (src == source[at] && r < row[at])));
    }

    /** a is "smaller" than b: lower value, or equal value and later position (it leaves first). */
    private boolean less(int a, int b) {
        if (value[a] != value[b]) {
            return value[a] < value[b];
        }
        if (source[a] != source[b]) {
            return source[a] > source[b];
        }
        return row[a] > row[b];
    }

    private void swap(int a, int b) {
        double tv = value[a];
        value[a] = value[b];
        value[b] = tv;
        int ts = source[a];
        source[a] = source[b];
        source[b] = ts;
        long tr = row[a];
        row[a] = row[b];
        row[b] = tr;
    }

    private void siftUp(int base, int i) {
        while (i > 0) {
            int p = (i - 1) / 2;
            if (!less(base + i, base + p)) {
                return;
            }
            swap(base + i, base + p);
            i = p;
        }
    }

    private void siftDown(int base, int s) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1, r = l + 1, m = i;
            if (l < s && less(base + l, base + m)) {
                m = l;
            }
            if (r < s && less(base + r, base + m)) {
                m = r;
            }
            if (m == i) {
                return;
            }
            swap(base + i, base + m);
            i = m;
        }
    }

    /** Folds another TopK in, its sources renumbered by {@code sourceMap[old] = new}. */
    public void merge(TopK o, int[] sourceMap) {
        if (o.k != k || o.size.length != size.length) {
            throw new IllegalArgumentException("top-k shapes differ");
        }
        for (int j = 0; j < size.length; j++) {
            int base = j * o.k;
            for (int i = 0; i < o.size[j]; i++) {
                offer(j, o.value[base + i], sourceMap[o.source[base + i]], o.row[base + i]);
            }
        }
    }

    /** Sorted best first: values [variables][k], sources and rows alike; slots never filled hold -inf, -1, -1. */
    public Sorted sorted() {
        int n = size.length;
        double[][] v = new double[n][k];
        int[][] s = new int[n][k];
        long[][] r = new long[n][k];
        for (int j = 0; j < n; j++) {
            Integer[] idx = new Integer[size[j]];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = j * k + i;
            }
            java.util.Arrays.sort(idx, (a, b) -> less(a, b) ? 1 : (less(b, a) ? -1 : 0));
            for (int i = 0; i < k; i++) {
                if (i < idx.length) {
                    v[j][i] = value[idx[i]];
                    s[j][i] = source[idx[i]];
                    r[j][i] = row[idx[i]];
                } else {
                    v[j][i] = Double.NEGATIVE_INFINITY;
                    s[j][i] = -1;
                    r[j][i] = -1;
                }
            }
        }
        return new Sorted(v, s, r);
    }

    /** Rebuilds from sorted arrays (as read from a file). */
    public static TopK of(Sorted s, int k) {
        TopK t = new TopK(s.values().length, k);
        for (int j = 0; j < s.values().length; j++) {
            for (int i = 0; i < k; i++) {
                if (s.sources()[j][i] >= 0) {
                    t.offer(j, s.values()[j][i], s.sources()[j][i], s.rows()[j][i]);
                }
            }
        }
        return t;
    }

    public record Sorted(double[][] values, int[][] sources, long[][] rows) {
    }
}
