package org.uneurons.train;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import ai.djl.Device;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.OutputSet;
import org.uneurons.core.io.SafetensorsWriter;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.TokenShard;
import org.uneurons.models.Devices;
import org.uneurons.models.NativeTuning;

/**
 * Trains a small GPT-2 from a seed on token shards with DJL autograd (PyTorch engine) and writes a Hugging Face
 * checkpoint directory (config.json + model.safetensors) that the rest of the pipeline loads like a downloaded
 * model, plus train_log.csv and training.json. {@code --steps 0} writes the initialisation itself (the random-init
 * control). The loop is {@link TrainingLoop}; the command line {@link TrainSettings}.
 */
public final class TrainTool extends Tool {
    public TrainTool() {
        super("train",
                "Train a small GPT-2 from a seed on token shards (AdamW, warmup + cosine decay, gradient clipping) "
                + "and write a Hugging Face checkpoint (config.json, model.safetensors) with train_log.csv and "
                + "training.json to OUTDIR. --steps 0 writes the random initialisation (the control).");
    }

    public static void main(String[] argv) {
        main(new TrainTool(), argv);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(option("train", "FILE", "training token shard (repeatable; shards continue one stream in order)"));
        o.addOption(option("valid", "FILE", "held-out token shard for validation loss (repeatable; optional)"));
        o.addOption(option("outdir", "DIR", "checkpoint directory to write"));
        o.addOption(option("seed", "N", "seed of initialisation and data order (default 1)"));
        o.addOption(option("steps", "N", "optimizer steps (default 2500; 0 writes the initialisation)"));
        o.addOption(option("batch-size", "N", "sequences per step (default 64)"));
        o.addOption(option("ctx", "N", "positions per sequence = n_positions (default: the shards' row length)"));
        o.addOption(option("n-layer", "N", "layers (default 2)"));
        o.addOption(option("d-model", "N", "residual width (default 128)"));
        o.addOption(option("n-head", "N", "attention heads (default 4)"));
        o.addOption(option("d-mlp", "N", "MLP neurons per layer (default 4 x d-model)"));
        o.addOption(option("vocab-size", "N", "model vocabulary (default: the shards' vocab_size; may not be smaller)"));
        o.addOption(option("lr", "X", "peak learning rate (default 0.002)"));
        o.addOption(option("min-lr", "X", "learning rate at the end of the cosine decay (default lr / 10)"));
        o.addOption(option("warmup", "N", "linear warmup steps (default 100, at most steps / 5)"));
        o.addOption(option("weight-decay", "X", "AdamW decoupled weight decay on matrices and embeddings (default 0.1)"));
        o.addOption(option("beta1", "X", "AdamW beta1 (default 0.9)"));
        o.addOption(option("beta2", "X", "AdamW beta2 (default 0.95)"));
        o.addOption(option("grad-clip", "X", "clip the global gradient norm to this (default 1.0; 0 = off)"));
        o.addOption(option("eval-every", "N", "validation loss every N steps and at the end (default 100)"));
        o.addOption(option("val-rows", "N", "validation rows used, from the start of --valid (default 512)"));
        o.addOption(option("log-every", "N", "train_log.csv row every N steps (default 10)"));
        o.addOption(option("device", "DEV", "cpu, gpu or gpu:N (default cpu)"));
        o.addOption(option("save-steps", "LIST", "also save a checkpoint after each of these steps (comma-separated, "
                + "1..steps) in OUTDIR/steps/stepNNNNNN/: config.json, model.safetensors, training.json"));
        o.addOption(option("threads", "N", "PyTorch CPU threads (default 1: tiny models train faster on one thread per "
                + "process, and several trainings share the cores better; 0 = PyTorch's default)"));
    }

    @Override
    protected int doWork(Args a) {
        TrainSettings s = TrainSettings.parse(a);
        TrainingRows train = TrainingRows.read(s.trainShards(), s.ctxOption(), "train");
        int vocab = s.vocabOption() != null ? s.vocabOption() : train.meta.vocabSize();
        checkVocab(s.trainShards().get(0), train.meta, vocab);
        TrainingRows valid = null;
        if (!s.validShards().isEmpty()) {
            valid = TrainingRows.read(s.validShards(), train.ctx, "valid");
            checkVocab(s.validShards().get(0), valid.meta, vocab);
        }
        Gpt2Shape shape = new Gpt2Shape(s.nLayer(), s.dModel(), s.nHead(), s.dMlp(), train.ctx, vocab);
        Device device = startEngine(s);
        components.putAll(Devices.components(device));
        double unigram = train.unigramEntropy(vocab);
        err.printf(Locale.ROOT, "train: %d layers, d_model %d, %d heads, d_mlp %d, ctx %d, vocab %d; %d training "
                        + "sequences, batch %d, %d steps (%.2f epochs), seed %d, %s; unigram entropy %.3f nats%n",
                s.nLayer(), s.dModel(), s.nHead(), s.dMlp(), train.ctx, vocab, train.size(), s.batch(), s.steps(),
                (double) s.steps() * s.batch() / train.size(), s.seed(), device, unigram);
        TrainingLoop loop = new TrainingLoop(s, shape, train, valid, err);
        TrainingLoop.Result r = loop.run(device, (step, weights) -> writeStep(s, shape, train, step, weights));
        // the checkpoint's files are published together: a checkpoint without its training.json never appears
        try (OutputSet set = new OutputSet()) {
            writeCheckpoint(set, s, shape, train, r);
            set.write(s.outdir().resolve("training.json"), trainingJson(s, shape, train, loop, r, unigram, device));
            set.commit();
        }
        out.printf(Locale.ROOT, "wrote %s (%s steps, %.1f s; final train loss %s, val loss %s, unigram entropy %.3f)%n",
                s.outdir(), s.steps(), r.seconds(), fmt(r.lastTrain()), fmt(r.lastVal()), unigram);
        return EXIT_OK;
    }

    /**
     * The checkpoint after {@code step} of --save-steps, OUTDIR/steps/stepNNNNNN/ (config.json, model.safetensors,
     * training.json with the step and seed): its files are published together, so a killed task leaves none or all.
     */
    private void writeStep(TrainSettings s, Gpt2Shape shape, TrainingRows train, int step, java.util.Map<String, float[]> weights) {
        Path dir = stepDir(s.outdir(), step);
        try (OutputSet set = new OutputSet()) {
            writeWeights(set, dir, shape, train, weights);
            JsonObject info = new JsonObject();
            info.addProperty("seed", s.seed());
            info.addProperty("step", step);
            info.addProperty("steps", s.steps());
            info.addProperty("batch_size", s.batch());
            info.addProperty("tokens_seen", (long) step * s.batch() * train.ctx);
            set.write(dir.resolve("training.json"),
                    AtomicOutput.string(new GsonBuilder().setPrettyPrinting().create().toJson(info) + "\n"));
            set.commit();
        }
        err.printf(Locale.ROOT, "train: saved step %d in %s%n", step, dir);
    }

    /** The directory of the checkpoint saved after {@code step}: OUTDIR/steps/step000640. */
    static Path stepDir(Path outdir, int step) {
        return outdir.resolve("steps").resolve(String.format(Locale.ROOT, "step%06d", step));
    }

    /** PyTorch's thread counts are read once, when the engine starts: set them first, then pick the device. */
    private static Device startEngine(TrainSettings s) {
        NativeTuning.preferHugePages();
        if (s.threads() > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(s.threads()));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        return Devices.parse(s.deviceSpec());
    }

    /** The files of a checkpoint directory this tool writes. */
    static final List<String> CHECKPOINT_FILES = List.of("model.safetensors", "config.json", "train_log.csv",
            "training.json");

    /** model.safetensors, config.json and train_log.csv: the checkpoint the rest of the pipeline loads. */
    private static void writeCheckpoint(OutputSet set, TrainSettings s, Gpt2Shape shape, TrainingRows train,
                                        TrainingLoop.Result r) {
        writeWeights(set, s.outdir(), shape, train, r.weights());
        set.write(s.outdir().resolve("train_log.csv"), r.log().content());
    }

    /** model.safetensors and config.json in {@code dir}: the final checkpoint's and every saved step's alike. */
    private static void writeWeights(OutputSet set, Path dir, Gpt2Shape shape, TrainingRows train,
                                     java.util.Map<String, float[]> weights) {
        SafetensorsWriter st = new SafetensorsWriter().metadata("format", "pt");
        shape.tensors().forEach((name, dims) -> st.putF32(name, weights.get(name), dims));
        set.write(dir.resolve("model.safetensors"), st.content());
        set.write(dir.resolve("config.json"), AtomicOutput.string(ModelConfig.gpt2Json(shape.nLayer(),
                shape.dModel(), shape.nHead(), shape.dMlp(), shape.nCtx(), shape.vocabSize(), train.meta.bosId(),
                train.meta.eosId())));
    }

    /** training.json: every setting and the outcome, for provenance. */
    private static OutputSet.Body trainingJson(TrainSettings s, Gpt2Shape shape, TrainingRows train, TrainingLoop loop,
                                               TrainingLoop.Result r, double unigram, Device device) {
        TrainSettings.Optimizer o = s.optimizer();
        JsonObject info = new JsonObject();
        info.addProperty("seed", s.seed());
        info.addProperty("steps", s.steps());
        info.addProperty("batch_size", s.batch());
        info.addProperty("ctx", train.ctx);
        info.addProperty("n_layer", s.nLayer());
        info.addProperty("d_model", s.dModel());
        info.addProperty("n_head", s.nHead());
        info.addProperty("d_mlp", s.dMlp());
        info.addProperty("vocab_size", shape.vocabSize());
        info.addProperty("lr", o.lr());
        info.addProperty("min_lr", o.minLr());
        info.addProperty("warmup", loop.schedule().warmup());
        info.addProperty("weight_decay", o.weightDecay());
        info.addProperty("beta1", o.beta1());
        info.addProperty("beta2", o.beta2());
        info.addProperty("grad_clip", o.clip());
        info.addProperty("tokenizer", train.meta.tokenizer());
        info.add("train_shards", names(s.trainShards()));
        info.add("valid_shards", names(s.validShards()));
        info.addProperty("train_sequences", train.size());
        info.addProperty("tokens_seen", (long) s.steps() * s.batch() * train.ctx);
        info.addProperty("unigram_entropy", unigram);
        if (!Double.isNaN(r.lastTrain())) {
            info.addProperty("final_train_loss", r.lastTrain());
        }
        if (!Double.isNaN(r.lastVal())) {
            info.addProperty("final_val_loss", r.lastVal());
        }
        info.addProperty("recomputed_steps", r.recomputedSteps());
        info.addProperty("seconds", r.seconds());
        info.addProperty("device", device.toString());
        return AtomicOutput.string(new GsonBuilder().setPrettyPrinting().create().toJson(info) + "\n");
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
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

    /** int64 [rows.length, ctx] of the selected rows (see {@link TrainingLoop#ids}). */
    static ai.djl.ndarray.NDArray ids(ai.djl.ndarray.NDManager m, int[][] data, int[] rows) {
        return TrainingLoop.ids(m, data, rows);
    }
}
