package org.uneurons.statsfinal;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.commons.cli.Options;
import org.uneurons.blas.OpenBlasGemm;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.core.stats.ActivationStats;
import org.uneurons.formats.ActivationFile;
import org.uneurons.formats.CheckpointRef;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.NeuronStatsFile;
import org.uneurons.formats.PartialStatsFile;
import org.uneurons.formats.Provenance;
import org.uneurons.formats.WeightSource;
import org.uneurons.models.ProcessedWeights;
import org.uneurons.models.WeightProcessing;
import org.uneurons.models.WeightStats;

/**
 * stats-final (the fan-in of the neuron statistics, one task per model): partial statistics (and/or activation
 * files) in, merged in shard-name order so the result does not depend on the order given, plus weight and vocabulary
 * statistics of the checkpoint on TransformerLens-processed weights; the statistics file out ({@link NeuronStatsFile}).
 * The checkpoint must be the one the activations came from: its shapes, then its weights' content hash, are compared
 * with what every input records (another checkpoint of the same shapes is refused, not joined), before the inputs
 * are merged.
 */
public final class StatsFinalTool extends Tool {
    public StatsFinalTool() {
        super("stats-final",
                "Per-neuron activation, weight and vocabulary statistics of one model, from its partial statistics "
                + "and checkpoint.");
    }

    public static void main(String[] argv) {
        main(new StatsFinalTool(), argv);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(option("partial", "FILE", "partial statistics file of stats-partial (repeatable)"));
        o.addOption(option("activations", "FILE", "activation file with /mlp_pre and /mlp_post (repeatable), instead of or"
                + " beside --partial"));
        o.addOption(option("checkpoint", "NAME=DIR", "the model's checkpoint (safetensors or pytorch_model.bin; NAME names it"
                + " in messages, DIR alone: the directory's name)"));
        o.addOption(option("output", "FILE", "statistics file to write"));
        o.addOption(option("top-k", "K", "max-activating tokens kept per neuron (default: the partials' k, else 50)"));
        o.addOption(option("batch-rows", "N", "tokens read at a time from activation files (default 4096)"));
        o.addOption(option("vocab-block", "N", "vocabulary columns per product (default 4096)"));
        o.addOption(option("threads", "N", "BLAS threads (default: all cores)"));
    }

    /** The command line; {@code topK} is null when not given. */
    record Settings(List<Path> partials, List<Path> activations, CheckpointRef model, Path output, Integer topK,
                    int batchRows, int vocabBlock, int threads) {
        static Settings parse(Args args) {
            args.path("output");
            Integer k = args.has("top-k") ? args.positive("top-k", 50) : null;
            int batchRows = args.positive("batch-rows", 4096);
            List<Path> acts = args.existingFiles("activations");
            List<Path> partials = args.existingFiles("partial");
            CheckpointRef model = CheckpointRef.parse(args.string("checkpoint"), "--checkpoint");
            if (!Files.exists(model.dir())) {
                throw new InputException(model.dir() + ": no such file or directory (--checkpoint)");
            }
            int vocabBlock = args.positive("vocab-block", 4096);
            int threads = args.positive("threads", Runtime.getRuntime().availableProcessors());
            if (acts.isEmpty() && partials.isEmpty()) {
                throw new UsageException("stats-final needs --partial or --activations (see --help)");
            }
            args.input("--checkpoint", model.dir());
            return new Settings(partials, acts, model, args.output("output"), k, batchRows, vocabBlock, threads);
        }

        Path checkpoint() {
            return model.dir();
        }
    }

    @Override
    protected int doWork(Args args) {
        Settings s = Settings.parse(args);
        List<Source> sources = sources(s);
        ModelConfig cfg = ModelConfig.read(s.checkpoint(), s.model().name());
        for (Source src : sources) {
            if (cfg.nLayers != src.nLayers() || cfg.dMlp != src.dMlp()) {
                throw new InputException(s.checkpoint() + ": config.json describes " + cfg.nLayers + " layers x "
                        + cfg.dMlp + " neurons, but the activations of " + src.model() + " have " + src.nLayers() + " x "
                        + src.dMlp());
            }
        }
        // the weights are hashed while they are read: the activations must come from these very weights
        Weights weights = weights(s, cfg);
        for (Source src : sources) {
            if (Provenance.differ(src.modelSha256(), weights.sha256())) {
                throw new InputException(s.checkpoint() + ": weights sha256 " + Provenance.abbreviate(weights.sha256())
                        + ", but " + src.where() + " holds statistics of " + src.model() + " made with weights "
                        + Provenance.abbreviate(src.modelSha256()) + "; give the checkpoint the activations came from");
            }
            if (src.modelSha256() == null) {
                err.println(name() + ": warning: " + Provenance.unchecked(Path.of(src.where()), "model_sha256",
                        "the checkpoint its statistics come from"));
            }
        }
        ActivationStats merged = merge(sources);
        Map<String, double[]> columns = new LinkedHashMap<>(merged.columns());
        columns.putAll(WeightStats.weights(weights.processed()));
        try (OpenBlasGemm gemm = new OpenBlasGemm(s.threads())) {
            columns.putAll(WeightStats.vocab(weights.processed(), gemm, s.vocabBlock()));
        }
        // the checkpoint by name and content, never by path: a rerun elsewhere writes the same bytes
        NeuronStatsFile.write(s.output(), merged, columns, CheckpointRef.dirName(s.checkpoint()), weights.sha256());
        err.printf(Locale.ROOT, "stats-final: %s, %d x %d neurons, %,d tokens from %d shard(s)%s%n", merged.model(),
                merged.nLayers(), merged.dMlp(), merged.tokens(), merged.shards().size(),
                merged.describeSkipped());
        return EXIT_OK;
    }

    /**
     * One input: what it covers (its first shard's name, which orders the merge), its model and the hash of that
     * model's weights (null: not recorded), and how to read it.
     */
    private record Source(String firstShard, String model, String modelSha256, int nLayers, int dMlp, String where,
                          java.util.function.Supplier<ActivationStats> load) {
    }

    /** Every input's header, in the order of their first shard's name (so the result does not depend on the order given). */
    private List<Source> sources(Settings s) {
        List<Source> sources = new ArrayList<>();
        int k = s.topK() != null ? s.topK() : 50;
        for (Path p : s.partials()) {
            PartialStatsFile.Header h = PartialStatsFile.readHeader(p);
            if (s.topK() != null && h.topK() != s.topK()) {
                throw new InputException(p + ": partial statistics keep the top " + h.topK() + " tokens, but --top-k is "
                        + s.topK());
            }
            if (p == s.partials().get(0)) {
                k = h.topK();
            }
            sources.add(new Source(h.shards().isEmpty() ? "" : h.shards().get(0), h.model(), h.modelSha256(),
                    h.nLayers(), h.dMlp(), p.toString(), () -> PartialStatsFile.read(p)));
        }
        int kk = k;
        for (Path a : s.activations()) {
            try (ActivationFile.Reader r = ActivationFile.Reader.open(a)) {
                sources.add(new Source(r.shard(), r.model(), r.modelSha256(), r.nLayers(), r.dMlp(), a.toString(),
                        () -> fromActivations(a, kk, s.batchRows(), err)));
            }
        }
        sources.sort(Comparator.comparing(Source::firstShard));
        return sources;
    }

    /** The sources merged in order, read one at a time: memory of two partials whatever their number. */
    private static ActivationStats merge(List<Source> sources) {
        ActivationStats merged = sources.get(0).load().get();
        for (int i = 1; i < sources.size(); i++) {
            merged.merge(sources.get(i).load().get(), sources.get(i).where());
        }
        return merged;
    }

    private static ActivationStats fromActivations(Path file, int k, int batchRows, PrintStream err) {
        try (ActivationFile.Reader r = ActivationFile.Reader.open(file)) {
            ActivationStats s = new ActivationStats(r.model(), r.modelSha256(), r.nLayers(), r.dMlp(), k);
            Progress p = new Progress(err, "stats-final: " + r.shard(), "tokens", (long) r.nTokens() * r.nLayers(), 10);
            r.addTo(s, batchRows, p);
            p.finish();
            return s;
        }
    }

    /** The checkpoint's TransformerLens-processed weights and the content hash of what was read. */
    private record Weights(ProcessedWeights processed, String sha256) {
    }

    private static Weights weights(Settings s, ModelConfig cfg) {
        try (CheckpointWeights st = CheckpointWeights.open(s.checkpoint())) {
            ProcessedWeights w = WeightProcessing.process(cfg, WeightSource.of(st));
            return new Weights(w, st.sha256());
        }
    }
}
