package org.uneurons.tokenize;

/**
 * Cuts a token stream into rows the way TransformerLens' {@code utils.tokenize_and_concatenate} does: the stream
 * is cut into pieces of ctx-1 tokens, each piece is prefixed with BOS, and an incomplete final piece is dropped.
 * Rows that arrive already formed (a 2-D id array) pass through as they are. Rows go to a {@link Count}, which
 * several cutters may share (one per document group, {@link DocumentRows}) and which stops accepting once the row
 * cap (from --max-tokens) is reached.
 */
final class RowCutter {
    interface RowSink {
        void row(int[] row);
    }

    /** The rows of every cutter that shares it, counted against the cap and passed on. */
    static final class Count implements RowSink {
        private final long maxRows;
        private final RowSink next;
        private long rows;

        Count(long maxRows, RowSink next) {
            this.maxRows = maxRows;
            this.next = next;
        }

        /** True once the row cap is reached: callers stop reading input. */
        boolean full() {
            return rows >= maxRows;
        }

        long rows() {
            return rows;
        }

        @Override
        public void row(int[] row) {
            if (!full()) {
                next.row(row);
                rows++;
            }
        }
    }

    private final int ctx;
    private final int bos;
    private final Count out;
    private int[] current;
    private int filled;
    private long streamTokens;

    RowCutter(int ctx, int bos, Count out) {
        this.ctx = ctx;
        this.bos = bos;
        this.out = out;
    }

    /** True once the shared row cap is reached: callers stop reading input. */
    boolean full() {
        return out.full();
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
                out.row(current);
                current = null;
            }
        }
    }

    /** A complete row of ctx tokens, taken as is. */
    void row(int[] row) {
        out.row(row);
    }

    /** Rows of every cutter sharing this one's count. */
    long rows() {
        return out.rows();
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
