package org.uneurons.families;

/**
 * How many neurons one pass over the shards summarises. The grouped sums hold 16 bytes per (value seen, neuron) of
 * every variable; token and previous token can each see the whole vocabulary, so a neuron costs at most
 * 16 x (2 vocab + ctx) bytes, times 1.5 for the slack of growing arrays, plus the tag sets' few hundred values. With
 * 40% of the heap for them, GPT-2 small (vocab 50,257, ctx 512) fits 1,000 neurons per pass in a 6 GB heap. The
 * neurons' sums are independent, so the number of passes changes the time, never a result.
 */
final class Passes {
    private Passes() {
    }

    static long bytesPerNeuron(int vocab, int ctx) {
        return (long) (16 * 1.5 * (2L * vocab + ctx + 512)) + 24L * ctx;
    }

    static int neuronsPerPass(long maxHeap, int vocab, int ctx) {
        long n = (long) (0.4 * maxHeap) / bytesPerNeuron(vocab, ctx);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, n));
    }

    /** Consecutive blocks of at most {@code perPass} of n neurons (indices 0..n-1). */
    static int[][] blocks(int n, int perPass) {
        int count = (n + perPass - 1) / perPass;
        int[][] out = new int[count][];
        for (int b = 0; b < count; b++) {
            int from = b * perPass;
            int to = Math.min(n, from + perPass);
            out[b] = new int[to - from];
            for (int i = from; i < to; i++) {
                out[b][i - from] = i;
            }
        }
        return out;
    }
}
