package org.uneurons.intervene;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import ai.djl.Device;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.Hdf5Writer;
import org.uneurons.core.io.OutputSet;
import org.uneurons.formats.CheckpointRef;
import org.uneurons.formats.ModelConfig;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.Devices;
import org.uneurons.models.NativeTuning;
import org.uneurons.models.TransformerModel;

/**
 * intervene (one task per table model): the causal checks of the roles read from the weights (METHOD 7.1-7.3;
 * docs/roles.md): entropy candidates with their activation fixed, attention-deactivation candidates with their
 * output removed from one head's queries, prediction and suppression neurons ablated; seeded random neurons as
 * baselines. Writes entropy.csv, attention.csv, attention_points.h5 and prediction.csv (docs/output.md).
 */
public final class InterveneTool extends Tool {
    static final String VALUES = "-0.17,0,1,2,3,4,5,6";

    public InterveneTool() {
        super("intervene", "Causal checks of a model's functional roles: fixed activations, query-path ablation, zero ablation.");
    }

    public static void main(String[] argv) {
        main(new InterveneTool(), argv);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(option("checkpoint", "NAME=DIR", "the model's checkpoint (NAME names it in messages)"));
        o.addOption(option("roles", "FILE", "the model's roles.csv (weights task)"));
        o.addOption(option("shard", "FILE", "token shard (repeatable, comma-separated; read in file-name order)"));
        o.addOption(option("outdir", "DIR", "directory for entropy.csv, attention.csv, attention_points.h5, prediction.csv"));
        o.addOption(option("top-k", "K", "candidates tested per role (default 4)"));
        o.addOption(option("random", "N", "random neurons per check as its baseline (default 20)"));
        o.addOption(option("values", "LIST", "post-activations the entropy check fixes (default " + VALUES + ")"));
        o.addOption(option("after-pos", "P", "first query position of the path ablation (default 64)"));
        o.addOption(option("context", "N", "tokens per sequence, the rest cut (default 256)"));
        o.addOption(option("max-tokens", "N", "tokens read from the shards at most (default 65536)"));
        o.addOption(option("batch-size", "N", "sequences per forward pass (default 8)"));
        o.addOption(option("seed", "S", "seed of the random baselines (default 1)"));
        o.addOption(option("device", "cpu|gpu[:N]", "where the model runs (default cpu)"));
    }

    record Settings(CheckpointRef checkpoint, Path roles, List<Path> shards, Path outdir, int topK, int random,
                    float[] values, int afterPos, int context, long maxTokens, int batchSize, long seed, Device device) {
        static Settings parse(Args args) {
            for (String required : new String[] {"checkpoint", "roles", "shard", "outdir"}) {
                if (!args.has(required)) {
                    throw new UsageException("missing required option --" + required + " (see --help)");
                }
            }
            CheckpointRef ckpt = CheckpointRef.parse(args.string("checkpoint"), "--checkpoint");
            args.input("--checkpoint", existing(ckpt.dir(), "--checkpoint"));
            Path roles = args.existing("roles");
            List<Path> shards = args.existingFiles("shard");
            Path outdir = args.outputDir("outdir");
            int random = args.integer("random", 20);
            if (random < 0) {
                throw new UsageException("--random expects an integer >= 0, got " + random);
            }
            int afterPos = args.integer("after-pos", 64);
            if (afterPos < 0) {
                throw new UsageException("--after-pos expects an integer >= 0, got " + afterPos);
            }
            return new Settings(ckpt, roles, shards, outdir, args.positive("top-k", 4), random,
                    values(args.string("values", VALUES)), afterPos, args.positive("context", 256),
                    args.longValue("max-tokens", 65536), args.positive("batch-size", 8), args.longValue("seed", 1),
                    Devices.parse(args.string("device", "cpu")));
        }

        static float[] values(String list) {
            String[] parts = list.split(",", -1);
            float[] v = new float[parts.length];
            for (int i = 0; i < parts.length; i++) {
                try {
                    v[i] = Float.parseFloat(parts[i].strip());
                } catch (NumberFormatException e) {
                    v[i] = Float.NaN;
                }
                if (!Float.isFinite(v[i])) {
                    throw new UsageException("--values expects comma-separated finite numbers, got '" + list + "'");
                }
            }
            return v;
        }

        private static Path existing(Path p, String opt) {
            if (!Files.exists(p)) {
                throw new InputException(p + ": no such file or directory (" + opt + ")");
            }
            return p;
        }
    }

    @Override
    protected int doWork(Args args) {
        Settings s = Settings.parse(args);
        components.putAll(Devices.components(s.device()));
        Path entropyCsv = args.outputFile("--outdir", s.outdir().resolve("entropy.csv"));
        Path attentionCsv = args.outputFile("--outdir", s.outdir().resolve("attention.csv"));
        Path pointsH5 = args.outputFile("--outdir", s.outdir().resolve("attention_points.h5"));
        Path predictionCsv = args.outputFile("--outdir", s.outdir().resolve("prediction.csv"));
        if (s.maxTokens() < 1) {
            throw new UsageException("--max-tokens expects a positive integer, got " + s.maxTokens());
        }
        ModelConfig cfg = ModelConfig.read(s.checkpoint().dir(), s.checkpoint().name());
        RolesTable roles = RolesTable.read(s.roles(), cfg.nLayers, cfg.dMlp);
        AnalysisTokens tokens = AnalysisTokens.read(s.shards(), cfg, s.context(), s.maxTokens(), s.batchSize());
        if (s.afterPos() >= tokens.context()) {
            throw new UsageException("--after-pos " + s.afterPos() + " leaves no query position in sequences of "
                    + tokens.context() + " tokens");
        }
        if (tokens.context() < 2) {
            throw new InputException(s.shards().get(0) + ": sequences of " + tokens.context() + " token(s), the checks"
                    + " score next tokens and need 2 or more");
        }
        Choices choices = Choices.of(roles, s.topK(), s.random(), s.seed());
        NativeTuning.preferHugePages();
        try (TransformerModel model = Checkpoints.load(s.checkpoint(), s.device())) {
            EntropyCheck entropy = new EntropyCheck(roles, choices, s.values());
            AttentionCheck attention = new AttentionCheck(roles, choices, s.afterPos(), tokens.sequences(), tokens.context());
            PredictionCheck prediction = new PredictionCheck(roles, choices, model);
            int runs = 1 + entropy.runsPerBatch() + attention.runsPerBatch() + prediction.runsPerBatch();
            err.printf(Locale.ROOT, "intervene: %s, %d entropy + %d random, %d attention + %d random, %d prediction, %d"
                            + " suppression + %d random neurons; %d forward passes over %,d tokens (%d sequences of %d)%n",
                    s.checkpoint().name(), choices.entropy().length, choices.entropyRandom().length,
                    choices.attention().length, choices.attentionRandom().length, choices.prediction().length,
                    choices.suppression().length, choices.predictionRandom().length, runs, tokens.tokens(),
                    tokens.sequences(), tokens.context());
            Progress progress = new Progress(err, "intervene", "sequences", tokens.sequences(), 10);
            for (int[][] ids : tokens.batches()) {
                try (Batch b = new Batch(model, ids, tokens.bosId())) {
                    entropy.run(model, b);
                    attention.run(model, b);
                    prediction.run(model, b);
                }
                progress.advance(ids.length);
            }
            progress.finish();
            try (OutputSet out = new OutputSet()) {
                out.write(entropyCsv, AtomicOutput.string(entropy.csv()));
                out.write(attentionCsv, AtomicOutput.string(attention.csv()));
                out.write(predictionCsv, AtomicOutput.string(prediction.csv()));
                out.write(pointsH5, file -> points(file, attention, s, tokens));
                out.commit();
            }
        }
        return EXIT_OK;
    }

    private static void points(Path file, AttentionCheck a, Settings s, AnalysisTokens tokens) {
        int[][] pairs = a.pairs();
        try (Hdf5Writer w = Hdf5Writer.create(file)) {
            w.attribute("format", "uneurons-attention-points-1").attribute("model", s.checkpoint().name())
                    .attribute("after_pos", s.afterPos()).attribute("context", tokens.context())
                    .attribute("shards", tokens.shards());
            w.attribute("n_pairs", pairs.length);
            if (pairs.length > 0) { // no empty datasets: readers see n_pairs 0 instead
                w.dataset("pairs", pairs).dataset("kind", a.kinds()).dataset("activation", a.activation)
                        .dataset("bos_prob_effect", a.bosEffect).dataset("norm_effect", a.normEffect)
                        .dataset("frac_norm_effect", a.fracNormEffect);
            }
        }
    }
}
