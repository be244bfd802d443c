package org.uneurons.train;

import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.UsageException;

/** The train tool's command line, checked before any shard is read (usage errors, exit 2). */
record TrainSettings(List<Path> trainShards, List<Path> validShards, Path outdir, long seed, int steps, int batch,
                     int ctxOption, Integer vocabOption, int nLayer, int dModel, int nHead, int dMlp, Optimizer optimizer,
                     int evalEvery, int valRows, int logEvery, String deviceSpec, int threads, List<Integer> saveSteps) {

    /** AdamW with warmup and cosine decay, and gradient clipping. */
    record Optimizer(double lr, double minLr, int warmup, double weightDecay, double beta1, double beta2, double clip) {
        static Optimizer parse(Args a, int steps) {
            double lr = a.decimal("lr", 0.002);
            Optimizer o = new Optimizer(lr, a.decimal("min-lr", lr / 10), a.integer("warmup", Math.min(100, steps / 5)),
                    a.decimal("weight-decay", 0.1), a.decimal("beta1", 0.9), a.decimal("beta2", 0.95),
                    a.decimal("grad-clip", 1.0));
            if (!(o.lr > 0) || o.minLr < 0 || o.minLr > o.lr || o.warmup < 0 || o.weightDecay < 0 || o.clip < 0
                    || !(o.beta1 >= 0 && o.beta1 < 1) || !(o.beta2 >= 0 && o.beta2 < 1)) {
                throw new UsageException("optimizer settings out of range: need lr > 0, 0 <= min-lr <= lr, warmup >= 0, "
                        + "weight-decay >= 0, grad-clip >= 0, 0 <= beta1, beta2 < 1");
            }
            return o;
        }
    }

    static TrainSettings parse(Args a) {
        List<Path> trainShards = a.existingFiles("train");
        if (trainShards.isEmpty()) {
            throw new UsageException("missing required option --train (see --help)");
        }
        List<Path> validShards = a.existingFiles("valid");
        a.path("outdir");
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
        Optimizer optimizer = Optimizer.parse(a, steps);
        int evalEvery = a.positive("eval-every", 100);
        int valRows = a.positive("val-rows", 512);
        int logEvery = a.positive("log-every", 10);
        String deviceSpec = a.string("device", "cpu");
        int threads = a.integer("threads", 1);
        if (threads < 0) {
            throw new UsageException("--threads expects a non-negative integer, got " + threads);
        }
        Integer vocab = a.has("vocab-size") ? a.positive("vocab-size", 0) : null;
        List<Integer> saveSteps = saveSteps(a.strings("save-steps"), steps);
        Path outdir = a.outputDir("outdir");
        for (String file : TrainTool.CHECKPOINT_FILES) {
            a.outputFile("--outdir", outdir.resolve(file));
        }
        return new TrainSettings(trainShards, validShards, outdir, seed, steps, batch, ctxOpt, vocab, nLayer, dModel,
                nHead, dMlp, optimizer, evalEvery, valRows, logEvery, deviceSpec, threads, saveSteps);
    }

    /** --save-steps: the steps after which a checkpoint is saved, sorted, each in 1..steps. */
    static List<Integer> saveSteps(List<String> values, int steps) {
        TreeSet<Integer> out = new TreeSet<>();
        for (String v : values) {
            int s;
            try {
                s = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new UsageException("--save-steps: '" + v + "' is not a step (expected integers 1.." + steps + ")");
            }
            if (steps == 0) {
                throw new UsageException("--save-steps: " + s + " with --steps 0 (the initialisation has no later step)");
            }
            if (s < 1 || s > steps) {
                throw new UsageException("--save-steps: " + s + " is " + (s < 1 ? "below 1" : "beyond --steps " + steps)
                        + " (expected integers 1.." + steps + ")");
            }
            out.add(s);
        }
        return List.copyOf(out);
    }

}
