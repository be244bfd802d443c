package org.uneurons.formats;

import java.nio.file.Path;
import java.util.Locale;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.OutputSet;

/**
 * train_log.csv of a checkpoint trained by the train tool: a header row {@link Writer#HEADER}, a row at step 0 with
 * the validation loss of the initialisation, then one row every few steps (train loss and gradient norm averaged
 * since the previous row, validation loss on evaluation steps, tokens trained on so far). Readers need only
 * {@code step} and {@code train_loss}, and use {@code val_loss} (empty on steps without validation) and
 * {@code tokens} when present; other columns are ignored.
 */
public final class TrainLog {
    public static final String WHAT = "a training log CSV (columns step, train_loss[, val_loss][, tokens])";

    public final String label;
    public final double[] step;
    public final double[] train;
    public final double[] val;
    /** Tokens trained on by the last row, or -1 without a {@code tokens} column or rows. */
    public final long tokens;

    /** Collects the rows of train_log.csv while training runs; {@link #write} publishes them. */
    public static final class Writer {
        public static final String HEADER = "step,lr,train_loss,val_loss,grad_norm,tokens,elapsed_s";
        private final StringBuilder csv = new StringBuilder(HEADER).append('\n');

        /** Step 0: the learning rate and validation loss before any update. */
        public void initial(double lr, double valLoss, double elapsedSeconds) {
            csv.append(String.format(Locale.ROOT, "0,%g,,%.6f,,0,%.3f%n", lr, valLoss, elapsedSeconds));
        }

        /** A row after {@code step} updates; {@code valLoss} NaN leaves the column empty. */
        public void row(int step, double lr, double trainLoss, double valLoss, double gradNorm, long tokens,
                        double elapsedSeconds) {
            csv.append(String.format(Locale.ROOT, "%d,%g,%.6f,%s,%.6f,%d,%.3f%n", step, lr, trainLoss,
                    Double.isNaN(valLoss) ? "" : String.format(Locale.ROOT, "%.6f", valLoss), gradNorm, tokens,
                    elapsedSeconds));
        }

        public void write(Path file) {
            AtomicOutput.write(file, content());
        }

        /** The log's content so far, for an {@link OutputSet}. */
        public OutputSet.Body content() {
            return AtomicOutput.string(csv.toString());
        }
    }

    private TrainLog(String label, double[] step, double[] train, double[] val, long tokens) {
        this.label = label;
        this.step = step;
        this.train = train;
        this.val = val;
        this.tokens = tokens;
    }

    /** True for a log without rows (an initialisation written by train --steps 0 without validation). */
    public boolean isEmpty() {
        return step.length == 0;
    }

    public static TrainLog read(String label, Path file) {
        CsvTable t = CsvTable.read(file, WHAT, ',');
        t.require("step", "train_loss");
        // no rows: a checkpoint written by train --steps 0 without --valid (its initialisation), a log without a curve
        double[] step = t.numbers("step");
        double[] train = new double[t.rows()];
        double[] val = new double[t.rows()];
        for (int r = 0; r < t.rows(); r++) {
            train[r] = t.optionalNumber(r, "train_loss");
            val[r] = t.has("val_loss") ? t.optionalNumber(r, "val_loss") : Double.NaN;
        }
        long tokens = -1;
        if (t.has("tokens") && t.rows() > 0) {
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
    public static int last(double[] xs) {
        for (int i = xs.length - 1; i >= 0; i--) {
            if (!Double.isNaN(xs[i])) {
                return i;
            }
        }
        return -1;
    }
}
