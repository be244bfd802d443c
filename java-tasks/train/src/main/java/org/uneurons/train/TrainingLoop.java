package org.uneurons.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.formats.TrainLog;

/**
 * The training loop: AdamW steps on seeded batches of training rows, validation loss every few steps, and the rows
 * of train_log.csv. The seed fixes the initialisation ({@link Gpt2Init}) and the order of the training rows; zero
 * steps leave the initialisation itself (the random-init control).
 */
final class TrainingLoop {
    /** Separates the data-order stream from the initialisation stream of the same seed. */
    private static final long DATA_ORDER_SALT = 0x5DEECE66DL;

    /** Saves the weights after a step of --save-steps (the loop keeps training: nothing of the model changes). */
    interface StepSaver {
        void save(int step, Map<String, float[]> weights);
    }

    /** What training leaves: the weights by tensor name, the last losses, the log, the steps computed twice. */
    record Result(Map<String, float[]> weights, double lastTrain, double lastVal, int recomputedSteps,
                  TrainLog.Writer log, double seconds) {
    }

    private final TrainSettings s;
    private final Gpt2Shape shape;
    private final TrainingRows train;
    private final TrainingRows valid;
    private final LrSchedule schedule;
    private final PrintStream err;
    private final TrainLog.Writer log = new TrainLog.Writer();
    private final long start = System.nanoTime();
    private double lastTrain = Double.NaN;
    private double lastVal = Double.NaN;
    private int recomputedSteps;
    // train loss and gradient norm since the last log row
    private double lossSum;
    private double normSum;
    private int inWindow;

    TrainingLoop(TrainSettings s, Gpt2Shape shape, TrainingRows train, TrainingRows valid, PrintStream err) {
        this.s = s;
        this.shape = shape;
        this.train = train;
        this.valid = valid;
        this.schedule = new LrSchedule(s.optimizer().lr(), s.optimizer().minLr(),
                Math.min(s.optimizer().warmup(), s.steps()), s.steps());
        this.err = err;
    }

    LrSchedule schedule() {
        return schedule;
    }

    Result run(Device device) {
        return run(device, (step, weights) -> { });
    }

    /** Trains, handing the weights after every step of --save-steps to {@code saver}. */
    Result run(Device device, StepSaver saver) {
        TrainSettings.Optimizer o = s.optimizer();
        try (TrainableGpt2 model = new TrainableGpt2(shape, Gpt2Init.initialise(shape, s.seed()), device)) {
            AdamW opt = new AdamW(model.parameters(), model.manager(), o.beta1(), o.beta2(), 1e-8, o.weightDecay(), o.clip());
            BatchOrder order = new BatchOrder(train.size(), new Random(s.seed() ^ DATA_ORDER_SALT));
            Progress progress = new Progress(err, "train", "tokens", (long) s.steps() * s.batch() * train.ctx, 10.0);
            if (valid != null) {
                lastVal = evaluate(model, valid, s.valRows(), s.batch());
                log.initial(schedule.at(0), lastVal, seconds());
                err.printf(Locale.ROOT, "train: step 0 val loss %.4f%n", lastVal);
            }
            for (int step = 0; step < s.steps(); step++) {
                double rate = schedule.at(step);
                double[] lossNorm = step(model, opt, order.next(s.batch()), rate, step);
                record(model, step, rate, lossNorm[0], lossNorm[1]);
                if (s.saveSteps().contains(step + 1)) {
                    saver.save(step + 1, model.weights());   // a copy to the host: draws nothing, changes nothing
                }
                progress.advance((long) s.batch() * train.ctx);
            }
            if (s.steps() > 0) {
                progress.finish();
            }
            return new Result(model.weights(), lastTrain, lastVal, recomputedSteps, log, seconds());
        }
    }

    /**
     * One optimizer step on the given rows; returns {loss, gradient norm}. A step whose loss or gradient norm is not
     * finite changes nothing (AdamW skips it). With finite parameters it is computed once more: on the CPU engine a
     * rare step has come out NaN from finite parameters and not again when recomputed. Twice in a row, or non-finite
     * parameters, is divergence.
     */
    private double[] step(TrainableGpt2 model, AdamW opt, int[] rows, double rate, int step) {
        double loss = Double.NaN;
        double norm = Double.NaN;
        for (int attempt = 1; attempt <= 2; attempt++) {
            try (NDManager scratch = model.manager().newSubManager()) {
                NDArray ids = ids(scratch, train.inputs, rows);
                NDArray targets = ids(scratch, train.targets, rows);
                model.zeroGradients();
                try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray l = model.loss(ids, targets);
                    gc.backward(l);
                    loss = l.getFloat();
                }
                norm = Double.isFinite(loss) ? opt.step(rate, scratch) : Double.NaN;
            }
            if (Double.isFinite(loss) && Double.isFinite(norm)) {
                break;
            }
            boolean finiteParams = model.parametersFinite();
            if (attempt == 2 || !finiteParams) {
                throw new InputException("training diverged at step " + (step + 1) + " (loss " + loss
                        + ", gradient norm " + norm + (finiteParams ? ", twice" : ", parameters not finite")
                        + "); lower --lr or raise --warmup");
            }
            recomputedSteps++;
            model.clearGradients();
            err.printf(Locale.ROOT, "train: step %d: loss %s, gradient norm %s with finite parameters;"
                    + " nothing updated, computing the step again%n", step + 1, loss, norm);
        }
        return new double[] {loss, norm};
    }

    /** Keeps the step's loss, evaluates on evaluation steps, and writes a log row when one is due. */
    private void record(TrainableGpt2 model, int step, double rate, double loss, double norm) {
        lastTrain = loss;
        lossSum += loss;
        normSum += norm;
        inWindow++;
        int done = step + 1;
        boolean evalNow = valid != null && (done % s.evalEvery() == 0 || done == s.steps());
        if (evalNow) {
            lastVal = evaluate(model, valid, s.valRows(), s.batch());
            err.printf(Locale.ROOT, "train: step %d/%d lr %.2e train loss %.4f val loss %.4f (%.1f s)%n", done,
                    s.steps(), rate, loss, lastVal, seconds());
        }
        if (done % s.logEvery() == 0 || done == s.steps() || evalNow) {
            log.row(done, rate, lossSum / inWindow, evalNow ? lastVal : Double.NaN, normSum / inWindow,
                    (long) done * s.batch() * train.ctx, seconds());
            lossSum = 0;
            normSum = 0;
            inWindow = 0;
        }
    }

    private double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** int64 [rows.length, ctx] of the selected rows. */
    static NDArray ids(NDManager m, int[][] data, int[] rows) {
        int ctx = data[0].length;
        long[] flat = new long[rows.length * ctx];
        for (int i = 0; i < rows.length; i++) {
            int[] r = data[rows[i]];
            for (int t = 0; t < ctx; t++) {
                flat[i * ctx + t] = r[t];
            }
        }
        return m.create(flat, new Shape(rows.length, ctx));
    }

    /** Mean loss over the first {@code maxRows} validation rows, in batches, without gradients. */
    static double evaluate(TrainableGpt2 model, TrainingRows valid, int maxRows, int batch) {
        int n = Math.min(maxRows, valid.size());
        double sum = 0;
        for (int from = 0; from < n; from += batch) {
            int len = Math.min(batch, n - from);
            int[] rows = new int[len];
            for (int i = 0; i < len; i++) {
                rows[i] = from + i;
            }
            try (NDManager scratch = model.manager().newSubManager()) {
                sum += model.loss(ids(scratch, valid.inputs, rows), ids(scratch, valid.targets, rows)).getFloat()
                        * (double) len;
            }
        }
        return sum / n;
    }

    /** Seeded epochs: a fresh permutation of the rows each time the previous one is used up. */
    static final class BatchOrder {
        private final int n;
        private final Random rnd;
        private int[] perm;
        private int pos;

        BatchOrder(int n, Random rnd) {
            this.n = n;
            this.rnd = rnd;
            reshuffle();
        }

        private void reshuffle() {
            perm = new int[n];
            for (int i = 0; i < n; i++) {
                perm[i] = i;
            }
            for (int i = n - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            pos = 0;
        }

        int[] next(int size) {
            int[] b = new int[size];
            for (int i = 0; i < size; i++) {
                if (pos == n) {
                    reshuffle();
                }
                b[i] = perm[pos++];
            }
            return b;
        }
    }
}
