package org.uneurons.train;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.SafetensorsWriter;
import org.uneurons.core.io.TokenShard;
import org.uneurons.models.Devices;
import org.uneurons.models.NativeTuning;

/**
 * Trains a small GPT-2 from a seed on token shards with DJL autograd (PyTorch engine) and writes a Hugging Face
 * checkpoint directory (config.json + model.safetensors) that the rest of the pipeline loads like a downloaded
 * model, plus train_log.csv and training.json. The seed fixes the initialisation ({@link Gpt2Init}) and the order
 * of the training rows; {@code --steps 0} writes the initialisation itself (the random-init control).
 */
public final class TrainTool extends Tool {
    /** Separates the data-order stream from the initialisation stream of the same seed. */
    private static final long DATA_ORDER_SALT = 0x5DEECE66DL;

    public static void main(String[] argv) {
        main(new TrainTool(), argv);
    }

    @Override
    public String name() {
        return "train";
    }

    @Override
    public String description() {
        return "Train a small GPT-2 from a seed on token shards (AdamW, warmup + cosine decay, gradient clipping) "
                + "and write a Hugging Face checkpoint (config.json, model.safetensors) with train_log.csv and "
                + "training.json to OUTDIR. --steps 0 writes the random initialisation (the control).";
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(opt("train", "FILE", "training token shard (repeatable; shards continue one stream in order)"));
        o.addOption(opt("valid", "FILE", "held-out token shard for validation loss (repeatable; optional)"));
        o.addOption(opt("outdir", "DIR", "checkpoint directory to write"));
        o.addOption(opt("seed", "N", "seed of initialisation and data order (default 1)"));
        o.addOption(opt("steps", "N", "optimizer steps (default 2500; 0 writes the initialisation)"));
        o.addOption(opt("batch-size", "N", "sequences per step (default 64)"));
        o.addOption(opt("ctx", "N", "positions per sequence = n_positions (default: the shards' row length)"));
        o.addOption(opt("n-layer", "N", "layers (default 2)"));
        o.addOption(opt("d-model", "N", "residual width (default 128)"));
        o.addOption(opt("n-head", "N", "attention heads (default 4)"));
        o.addOption(opt("d-mlp", "N", "MLP neurons per layer (default 4 x d-model)"));
        o.addOption(opt("vocab-size", "N", "model vocabulary (default: the shards' vocab_size; may not be smaller)"));
        o.addOption(opt("lr", "X", "peak learning rate (default 0.002)"));
        o.addOption(opt("min-lr", "X", "learning rate at the end of the cosine decay (default lr / 10)"));
        o.addOption(opt("warmup", "N", "linear warmup steps (default 100, at most steps / 5)"));
        o.addOption(opt("weight-decay", "X", "AdamW decoupled weight decay on matrices and embeddings (default 0.1)"));
        o.addOption(opt("beta1", "X", "AdamW beta1 (default 0.9)"));
        o.addOption(opt("beta2", "X", "AdamW beta2 (default 0.95)"));
        o.addOption(opt("grad-clip", "X", "clip the global gradient norm to this (default 1.0; 0 = off)"));
        o.addOption(opt("eval-every", "N", "validation loss every N steps and at the end (default 100)"));
        o.addOption(opt("val-rows", "N", "validation rows used, from the start of --valid (default 512)"));
        o.addOption(opt("log-every", "N", "train_log.csv row every N steps (default 10)"));
        o.addOption(opt("device", "DEV", "cpu, gpu or gpu:N (default cpu)"));
        o.addOption(opt("threads", "N", "PyTorch CPU threads (default 1: tiny models train faster on one thread per "
                + "process, and several trainings share the cores better; 0 = PyTorch's default)"));
    }

    private static Option opt(String name, String arg, String desc) {
        return Option.builder().longOpt(name).hasArg().argName(arg).desc(desc).build();
    }

    @Override
    protected int doWork(Args a) throws Exception {
        List<Path> trainShards = paths(a, "train", true);
        List<Path> validShards = paths(a, "valid", false);
        Path outdir = a.path("outdir");
        long seed = a.longValue("seed", 1);
        int steps = a.integer("steps", 2500);
        if (steps < 0) {
            throw new UsageException("--steps expects a non-negative integer, got " + steps);
        }
        int batch = a.positive("batch-size", 64);
        int ctxOpt = a.has("ctx") ? a.positive("ctx", 0) : 0;
        int nLayer = a.positive("n-layer", 2);
        int dModel = a.positive("d-model", 128);
        int nHead = a.positive("n-head", 4);
        int dMlp = a.positive("d-mlp", 4 * dModel);
        double lr = a.decimal("lr", 0.002);
        double minLr = a.decimal("min-lr", lr / 10);
        int warmup = a.integer("warmup", Math.min(100, steps / 5));
        double wd = a.decimal("weight-decay", 0.1);
        double beta1 = a.decimal("beta1", 0.9);
        double beta2 = a.decimal("beta2", 0.95);
        double clip = a.decimal("grad-clip", 1.0);
        int evalEvery = a.positive("eval-every", 100);
        int valRows = a.positive("val-rows", 512);
        int logEvery = a.positive("log-every", 10);
        String deviceSpec = a.string("device", "cpu");
        int threads = a.integer("threads", 1);
        if (threads < 0) {
            throw new UsageException("--threads expects a non-negative integer, got " + threads);
        }
        if (!(lr > 0) || minLr < 0 || minLr > lr || warmup < 0 || wd < 0 || clip < 0 || !(beta1 >= 0 && beta1 < 1)
                || !(beta2 >= 0 && beta2 < 1)) {
            throw new UsageException("optimizer settings out of range: need lr > 0, 0 <= min-lr <= lr, warmup >= 0, "
                    + "weight-decay >= 0, grad-clip >= 0, 0 <= beta1, beta2 < 1");
        }

        TrainingRows train = TrainingRows.read(trainShards, ctxOpt, "train");
        int vocab = a.has("vocab-size") ? a.positive("vocab-size", 0) : train.meta.vocabSize();
        checkVocab(trainShards.get(0), train.meta, vocab);
        TrainingRows valid = null;
        if (!validShards.isEmpty()) {
            valid = TrainingRows.read(validShards, train.ctx, "valid");
            checkVocab(validShards.get(0), valid.meta, vocab);
        }
        Gpt2Shape shape = new Gpt2Shape(nLayer, dModel, nHead, dMlp, train.ctx, vocab);

        NativeTuning.preferHugePages();
        if (threads > 0) {
            // Read once, when the engine starts (a no-op if it already runs in this JVM).
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        Device device = Devices.parse(deviceSpec);
        double unigram = train.unigramEntropy(vocab);
        err.printf(Locale.ROOT, "train: %d layers, d_model %d, %d heads, d_mlp %d, ctx %d, vocab %d; %d training "
                        + "sequences, batch %d, %d steps (%.2f epochs), seed %d, %s; unigram entropy %.3f nats%n",
                nLayer, dModel, nHead, dMlp, train.ctx, vocab, train.size(), batch, steps,
                (double) steps * batch / train.size(), seed, device, unigram);

        LrSchedule schedule = new LrSchedule(lr, minLr, Math.min(warmup, steps), steps);
        StringBuilder log = new StringBuilder("step,lr,train_loss,val_loss,grad_norm,tokens,elapsed_s\n");
        long start = System.nanoTime();
        double lastTrain = Double.NaN;
        double lastVal = Double.NaN;
        int recomputedSteps = 0;
        Map<String, float[]> weights;
        try (TrainableGpt2 model = new TrainableGpt2(shape, Gpt2Init.initialise(shape, seed), device)) {
            AdamW opt = new AdamW(model.parameters(), model.manager(), beta1, beta2, 1e-8, wd, clip);
            BatchOrder order = new BatchOrder(train.size(), new Random(seed ^ DATA_ORDER_SALT));
            Progress progress = new Progress(err, "train", "tokens", (long) steps * batch * train.ctx, 10.0);
            double lossSum = 0;
            double normSum = 0;
            int inWindow = 0;
            if (valid != null) {
                lastVal = evaluate(model, valid, valRows, batch);
                log.append(String.format(Locale.ROOT, "0,%g,,%.6f,,0,%.3f%n", schedule.at(0), lastVal, seconds(start)));
                err.printf(Locale.ROOT, "train: step 0 val loss %.4f%n", lastVal);
            }
            for (int s = 0; s < steps; s++) {
                double rate = schedule.at(s);
                int[] rows = order.next(batch);
                double loss = Double.NaN;
                double norm = Double.NaN;
                // A step whose loss or gradient norm is not finite changes nothing (AdamW skips it). With finite
                // parameters it is computed once more: on the CPU engine a rare step has come out NaN from finite
                // parameters and not again when recomputed. Twice in a row, or non-finite parameters, is divergence.
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
                        throw new InputException("training diverged at step " + (s + 1) + " (loss " + loss
                                + ", gradient norm " + norm + (finiteParams ? ", twice" : ", parameters not finite")
                                + "); lower --lr or raise --warmup");
                    }
                    recomputedSteps++;
                    model.clearGradients();
                    err.printf(Locale.ROOT, "train: step %d: loss %s, gradient norm %s with finite parameters;"
                            + " nothing updated, computing the step again%n", s + 1, loss, norm);
                }
                lastTrain = loss;
                lossSum += loss;
                normSum += norm;
                inWindow++;
                boolean evalNow = valid != null && ((s + 1) % evalEvery == 0 || s + 1 == steps);
                if (evalNow) {
                    lastVal = evaluate(model, valid, valRows, batch);
                    err.printf(Locale.ROOT, "train: step %d/%d lr %.2e train loss %.4f val loss %.4f (%.1f s)%n", s + 1,
                            steps, rate, loss, lastVal, seconds(start));
                }
                if ((s + 1) % logEvery == 0 || s + 1 == steps || evalNow) {
                    log.append(String.format(Locale.ROOT, "%d,%g,%.6f,%s,%.6f,%d,%.3f%n", s + 1, rate,
                            lossSum / inWindow, evalNow ? String.format(Locale.ROOT, "%.6f", lastVal) : "",
                            normSum / inWindow, (long) (s + 1) * batch * train.ctx, seconds(start)));
                    lossSum = 0;
                    normSum = 0;
                    inWindow = 0;
                }
                progress.advance((long) batch * train.ctx);
            }
            if (steps > 0) {
                progress.finish();
            }
            weights = model.weights();
        }
        double elapsed = seconds(start);

        SafetensorsWriter st = new SafetensorsWriter().metadata("format", "pt");
        shape.tensors().forEach((name, dims) -> st.putF32(name, weights.get(name), dims));
        st.write(outdir.resolve("model.safetensors"));
        writeText(outdir.resolve("config.json"), shape.configJson(train.meta.bosId(), train.meta.eosId()));
        writeText(outdir.resolve("train_log.csv"), log.toString());
        JsonObject info = new JsonObject();
        info.addProperty("seed", seed);
        info.addProperty("steps", steps);
        info.addProperty("batch_size", batch);
        info.addProperty("ctx", train.ctx);
        info.addProperty("n_layer", nLayer);
        info.addProperty("d_model", dModel);
        info.addProperty("n_head", nHead);
        info.addProperty("d_mlp", dMlp);
        info.addProperty("vocab_size", vocab);
        info.addProperty("lr", lr);
        info.addProperty("min_lr", minLr);
        info.addProperty("warmup", schedule.warmup());
        info.addProperty("weight_decay", wd);
        info.addProperty("beta1", beta1);
        info.addProperty("beta2", beta2);
        info.addProperty("grad_clip", clip);
        info.addProperty("tokenizer", train.meta.tokenizer());
        info.add("train_shards", names(trainShards));
        info.add("valid_shards", names(validShards));
        info.addProperty("train_sequences", train.size());
        info.addProperty("tokens_seen", (long) steps * batch * train.ctx);
        info.addProperty("unigram_entropy", unigram);
        if (!Double.isNaN(lastTrain)) {
            info.addProperty("final_train_loss", lastTrain);
        }
        if (!Double.isNaN(lastVal)) {
            info.addProperty("final_val_loss", lastVal);
        }
        info.addProperty("recomputed_steps", recomputedSteps);
        info.addProperty("seconds", elapsed);
        info.addProperty("device", device.toString());
        writeText(outdir.resolve("training.json"), new GsonBuilder().setPrettyPrinting().create().toJson(info) + "\n");
        out.printf(Locale.ROOT, "wrote %s (%s steps, %.1f s; final train loss %s, val loss %s, unigram entropy %.3f)%n",
                outdir, steps, elapsed, fmt(lastTrain), fmt(lastVal), unigram);
        return EXIT_OK;
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static List<Path> paths(Args a, String opt, boolean required) {
        List<Path> ps = new ArrayList<>();
        for (String s : a.strings(opt)) {
            Path p = Path.of(s);
            if (!Files.isRegularFile(p)) {
                throw new InputException(p + ": no such file (--" + opt + ")");
            }
            ps.add(p);
        }
        if (required && ps.isEmpty()) {
            throw new UsageException("missing required option --" + opt + " (see --help)");
        }
        return ps;
    }

    private static void checkVocab(Path shard, TokenShard.Meta meta, int vocab) {
        if (meta.vocabSize() > vocab) {
            throw new InputException(shard + ": vocab_size " + meta.vocabSize() + " is larger than --vocab-size " + vocab
                    + " (the model's vocabulary must cover every id of the shards)");
        }
    }

    private static JsonArray names(List<Path> ps) {
        JsonArray arr = new JsonArray();
        ps.forEach(p -> arr.add(p.getFileName().toString()));
        return arr;
    }

    private static void writeText(Path file, String text) throws java.io.IOException {
        try (AtomicOutput out = AtomicOutput.create(file)) {
            Files.writeString(out.temp(), text, StandardCharsets.UTF_8);
            out.commit();
        }
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
