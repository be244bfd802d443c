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
import org.uneurons.formats.WeightSource;
import org.uneurons.models.ProcessedWeights;
import org.uneurons.models.WeightProcessing;

/**
 * stats-final (the fan-in of the neuron statistics, one task per model): partial statistics (and/or activation
 * files) in, merged in shard-name order so the result does not depend on the order given, plus weight and vocabulary
 * statistics of the checkpoint on TransformerLens-processed weights; the statistics file out ({@link NeuronStatsFile}).
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
            Path output = args.path("output");
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
            return new Settings(partials, acts, model, output, k, batchRows, vocabBlock, threads);
        }

        Path checkpoint() {
            return model.dir();
        }
    }

    @Override
    protected int doWork(Args args) {
        Settings s = Settings.parse(args);
        ActivationStats merged = mergeInShardOrder(s);
        ModelConfig cfg = ModelConfig.read(s.checkpoint(), s.model().name());
        if (cfg.nLayers != merged.nLayers() || cfg.dMlp != merged.dMlp()) {
            throw new InputException(s.checkpoint() + ": config.json describes " + cfg.nLayers + " layers x " + cfg.dMlp
                    + " neurons, but the activations of " + merged.model() + " have " + merged.nLayers() + " x "
                    + merged.dMlp());
        }
        Map<String, double[]> columns = new LinkedHashMap<>(merged.columns());
        columns.putAll(weightColumns(s, cfg));
        NeuronStatsFile.write(s.output(), merged, columns, s.checkpoint().toAbsolutePath().normalize().toString());
        err.printf(Locale.ROOT, "stats-final: %s, %d x %d neurons, %,d tokens from %d shard(s)%n", merged.model(),
                merged.nLayers(), merged.dMlp(), merged.tokens(), merged.shards().size());
        return EXIT_OK;
    }

    /** Every source as partial statistics, merged in the order of their first shard's name. */
    private ActivationStats mergeInShardOrder(Settings s) {
        List<ActivationStats> parts = new ArrayList<>();
        List<String> where = new ArrayList<>();
        for (Path p : s.partials()) {
            ActivationStats st = PartialStatsFile.read(p);
            if (s.topK() != null && st.k() != s.topK()) {
                throw new InputException(p + ": partial statistics keep the top " + st.k() + " tokens, but --top-k is "
                        + s.topK());
            }
            parts.add(st);
            where.add(p.toString());
        }
        int k = !parts.isEmpty() ? parts.get(0).k() : s.topK() != null ? s.topK() : 50;
        for (Path a : s.activations()) {
            parts.add(fromActivations(a, k, s.batchRows(), err));
            where.add(a.toString());
        }
        Integer[] order = new Integer[parts.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, Comparator.comparing(i -> parts.get(i).shards().get(0)));
        ActivationStats merged = parts.get(order[0]);
        for (int i = 1; i < order.length; i++) {
            merged.merge(parts.get(order[i]), where.get(order[i]));
        }
        return merged;
    }

    private static ActivationStats fromActivations(Path file, int k, int batchRows, PrintStream err) {
        try (ActivationFile.Reader r = ActivationFile.Reader.open(file)) {
            ActivationStats s = new ActivationStats(r.model(), r.nLayers(), r.dMlp(), k);
            Progress p = new Progress(err, "stats-final: " + r.shard(), "tokens", (long) r.nTokens() * r.nLayers(), 10);
            r.addTo(s, batchRows, p);
            p.finish();
            return s;
        }
    }

    /** Weight and vocabulary columns of the checkpoint, on TransformerLens-processed weights. */
    private static Map<String, double[]> weightColumns(Settings s, ModelConfig cfg) {
        ProcessedWeights w;
        try (CheckpointWeights st = CheckpointWeights.open(s.checkpoint())) {
            w = WeightProcessing.process(cfg, WeightSource.of(st));
        }
        Map<String, double[]> columns = new LinkedHashMap<>(WeightStats.weights(w));
        try (OpenBlasGemm gemm = new OpenBlasGemm(s.threads())) {
            columns.putAll(WeightStats.vocab(w, gemm, s.vocabBlock()));
        }
        return columns;
    }

}
