package org.uneurons.core.stats;

import java.util.stream.IntStream;

/** Rank-one updates and block sums of the totals, row-parallel on large blocks (same result for any thread count). */
public final class Outer {
    private static final long PARALLEL_MIN = 1 << 16;

    private Outer() {
    }

    /** Rows 0..count-1, in parallel when the block is large enough to pay for it. */
    public static IntStream rows(int count, int cols) {
        IntStream s = IntStream.range(0, count);
        return (long) count * cols >= PARALLEL_MIN ? s.parallel() : s;
    }

    /** {@code block[i][j] += w * u[uo + i] * v[vo + j]}. */
    public static void add(double[][] block, double[] u, int uo, double[] v, int vo, double w) {
        if (w == 0) {
            return;
        }
        int cols = block.length == 0 ? 0 : block[0].length;
        rows(block.length, cols).forEach(i -> {
            double ui = u[uo + i] * w;
            if (ui == 0) {
                return;
            }
            double[] r = block[i];
            for (int j = 0; j < cols; j++) {
                r[j] += ui * v[vo + j];
            }
        });
    }

    /** {@code into[i][j] += from[i][j]}. */
    public static void addBlock(double[][] into, double[][] from) {
        rows(into.length, into.length == 0 ? 0 : into[0].length).forEach(i -> {
            double[] r = into[i], s = from[i];
            for (int j = 0; j < r.length; j++) {
                r[j] += s[j];
            }
        });
    }
}
