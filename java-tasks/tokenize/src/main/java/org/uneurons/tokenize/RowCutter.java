package org.uneurons.tokenize;

/**
 * Cuts a token stream into rows the way TransformerLens' {@code utils.tokenize_and_concatenate} does: the stream
 * is cut into pieces of ctx-1 tokens, each piece is prefixed with BOS, and an incomplete final piece is dropped.
 * Rows that arrive already formed (a 2-D id array) pass through as they are. Stops accepting once the row cap
 * (from --max-tokens) is reached.
 */
final class RowCutter {
    interface RowSink {
        void row(int[] row);
    }

    private final int ctx;
    private final int bos;
    private final long maxRows;
    private final RowSink sink;
    private int[] current;
    private int filled;
    private long rows;
    private long streamTokens;

    RowCutter(int ctx, int bos, long maxRows, RowSink sink) {
        this.ctx = ctx;
        this.bos = bos;
        this.maxRows = maxRows;
        this.sink = sink;
    }

    /** True once the row cap is reached: callers stop reading input. */
    boolean full() {
        return rows >= maxRows;
    }

    /** Appends stream tokens[0..n). */
    void stream(int[] tokens, int n) {
        for (int i = 0; i < n && !full(); i++) {
            if (current == null) {
                current = new int[ctx];
                current[0] = bos;
                filled = 1;
            }
            current[filled++] = tokens[i];
            streamTokens++;
            if (filled == ctx) {
                emit(current);
                current = null;
            }
        }
    }

    /** A complete row of ctx tokens, taken as is. */
    void row(int[] row) {
        if (!full()) {
            emit(row);
        }
    }

    private void emit(int[] row) {
        sink.row(row);
        rows++;
    }

    long rows() {
        return rows;
    }

    /** Stream tokens seen so far (including those of the incomplete final piece). */
    long streamTokens() {
        return streamTokens;
    }

    /** Tokens of the incomplete final piece, which are dropped. */
    int pending() {
        return current == null ? 0 : filled - 1;
    }
}
