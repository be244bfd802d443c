package org.uneurons.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.uneurons.core.cli.InputException;
import org.uneurons.formats.TokenShard;

/**
 * Training examples from token shards whose rows are consecutive pieces of one stream (BOS + ctx-1 stream
 * tokens each, as the corpus and tokenize tasks write them; several shards continue one stream in the order given).
 * An example is the first {@code ctx} tokens of a row as input, and the next stream token at every position as
 * target: within the row, then, for the row's last position, the first token after BOS of the following row. So
 * every position up to n_positions - 1 is trained, including the last one that extraction will run. When ctx is the
 * shard's full row length, the final row (which has no successor) only serves as a continuation.
 */
final class TrainingRows {
    final int ctx;
    final int[][] inputs;
    final int[][] targets;
    final TokenShard.Meta meta;

    private TrainingRows(int ctx, int[][] inputs, int[][] targets, TokenShard.Meta meta) {
        this.ctx = ctx;
        this.inputs = inputs;
        this.targets = targets;
        this.meta = meta;
    }

    int size() {
        return inputs.length;
    }

    /** Reads the shards; {@code ctx} 0 means the shards' row length. All shards must share ctx and vocabulary. */
    static TrainingRows read(List<Path> shards, int ctx, String option) {
        List<int[]> rows = new ArrayList<>();
        TokenShard.Meta meta = null;
        int rowLen = -1;
        for (Path p : shards) {
            TokenShard s = TokenShard.read(p);
            if (meta == null) {
                meta = s.meta();
                rowLen = s.ctx();
            } else {
                if (s.ctx() != rowLen) {
                    throw new InputException(p + ": rows have " + s.ctx() + " tokens but " + shards.get(0) + " has "
                            + rowLen + " (--" + option + " shards must share one row length)");
                }
                if (s.meta().vocabSize() != meta.vocabSize() || !s.meta().tokenizer().equals(meta.tokenizer())) {
                    throw new InputException(p + ": tokenizer " + s.meta().tokenizer() + " with vocab_size "
                            + s.meta().vocabSize() + " differs from " + shards.get(0) + " (" + meta.tokenizer() + ", "
                            + meta.vocabSize() + ")");
                }
            }
            for (int[] r : s.tokens()) {
                rows.add(r);
            }
        }
        int c = ctx == 0 ? rowLen : ctx;
        if (c > rowLen) {
            throw new InputException(shards.get(0) + ": rows have " + rowLen + " tokens, fewer than --ctx " + c);
        }
        if (c < 2) {
            throw new InputException(shards.get(0) + ": rows of " + c + " token(s) give nothing to predict (need >= 2)");
        }
        int n = c < rowLen ? rows.size() : rows.size() - 1;
        if (n <= 0) {
            throw new InputException(shards.get(0) + ": " + rows.size() + " row(s) of " + rowLen + " tokens give no "
                    + "training example at --ctx " + c + " (the last row only continues the one before it)");
        }
        int[][] in = new int[n][];
        int[][] tg = new int[n][c];
        for (int i = 0; i < n; i++) {
            int[] r = rows.get(i);
            in[i] = c == rowLen ? r : java.util.Arrays.copyOf(r, c);
            System.arraycopy(r, 1, tg[i], 0, c - 1);
            tg[i][c - 1] = c < rowLen ? r[c] : rows.get(i + 1)[1];
        }
        return new TrainingRows(c, in, tg, meta);
    }

    /** Empirical entropy (nats) of the target tokens: the loss of the best context-free (unigram) predictor. */
    double unigramEntropy(int vocab) {
        long[] counts = new long[vocab];
        long total = 0;
        for (int[] t : targets) {
            for (int id : t) {
                counts[id]++;
                total++;
            }
        }
        double h = 0;
        for (long k : counts) {
            if (k > 0) {
                double p = (double) k / total;
                h -= p * Math.log(p);
            }
        }
        return h;
    }
}
