package org.uneurons.report;

import java.nio.file.Path;

import org.uneurons.core.cli.InputException;

/**
 * A training log as CSV with a header row and columns {@code step}, {@code train_loss} and optionally
 * {@code val_loss} (empty on steps without validation) and {@code tokens} (tokens trained on so far, as the train
 * tool writes it). Other columns are ignored.
 */
final class TrainLog {
    static final String WHAT = "a training log CSV (columns step, train_loss[, val_loss][, tokens])";

    final String label;
    final double[] step;
    final double[] train;
    final double[] val;
    /** Tokens trained on by the last row, or -1 without a {@code tokens} column. */
    final long tokens;

    private TrainLog(String label, double[] step, double[] train, double[] val, long tokens) {
        this.label = label;
        this.step = step;
        this.train = train;
        this.val = val;
        this.tokens = tokens;
    }

    static TrainLog read(String label, Path file) {
        CsvTable t = CsvTable.read(file, WHAT, ',');
        t.require("step", "train_loss");
        if (t.rows() == 0) {
            throw new InputException(file + ": no rows (expected " + WHAT + ")");
        }
        double[] step = t.numbers("step");
        double[] train = new double[t.rows()];
        double[] val = new double[t.rows()];
        for (int r = 0; r < t.rows(); r++) {
            train[r] = t.optionalNumber(r, "train_loss");
            val[r] = t.has("val_loss") ? t.optionalNumber(r, "val_loss") : Double.NaN;
        }
        long tokens = -1;
        if (t.has("tokens")) {
            int last = t.rows() - 1;
            double n = t.number(last, "tokens");
            if (n < 0 || n != Math.rint(n)) {
                throw new InputException(file + ": line " + t.line(last) + ", column 'tokens': '" + t.string(last, "tokens")
                        + "' is not a count of tokens (expected " + WHAT + ")");
            }
            tokens = (long) n;
        }
        return new TrainLog(label, step, train, val, tokens);
    }

    /** Index of the last row with a value, or -1. */
    static int last(double[] xs) {
        for (int i = xs.length - 1; i >= 0; i--) {
            if (!Double.isNaN(xs[i])) {
                return i;
            }
        }
        return -1;
    }
}
