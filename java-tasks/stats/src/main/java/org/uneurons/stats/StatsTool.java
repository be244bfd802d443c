package org.uneurons.stats;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.io.ActivationFile;
import org.uneurons.core.io.SafetensorsCheckpoint;
import org.uneurons.correlate.OpenBlasGemm;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.ModelConfig;
import org.uneurons.models.WeightSource;

/**
 * stats: per-neuron statistics of one model. Two stages that fit the DAG as correlate/merge do:
 * <ul>
 * <li>{@code --mode partial} (fan-out, one task per (model, shard)): activation files in, exact partial activation
 * statistics out ({@link PartialStatsFile});</li>
 * <li>{@code --mode final} (fan-in, one task per model): partial files and/or activation files in, merged (sorted by
 * shard name, so the result does not depend on the order given), plus weight and vocabulary statistics of the
 * checkpoint on TransformerLens-processed weights; the statistics file out ({@link StatsFile}).</li>
 * </ul>
 */
public final class StatsTool extends Tool {

    public static void main(String[] argv) {
        main(new StatsTool(), argv);
    }

    @Override
    public String name() {
        return "stats";
    }

    @Override
    public String description() {
        return "Per-neuron activation, weight and vocabulary statistics of one model (partial per shard, then final).";
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(Option.builder().longOpt("mode").hasArg().argName("MODE")
                .desc("partial (activation files -> partial statistics) or final (default: partials/activations + checkpoint -> statistics)").build());
        o.addOption(Option.builder().longOpt("activations").hasArg().argName("FILE")
                .desc("activation file with /mlp_pre and /mlp_post (repeatable)").build());
        o.addOption(Option.builder().longOpt("partial").hasArg().argName("FILE").desc("partial statistics file (final mode; repeatable)").build());
        o.addOption(Option.builder().longOpt("checkpoint").hasArg().argName("DIR").desc("the model's checkpoint (final mode)").build());
        o.addOption(Option.builder().longOpt("output").hasArg().argName("FILE").desc("file to write").build());
        o.addOption(Option.builder().longOpt("top-k").hasArg().argName("K").desc("max-activating tokens kept per neuron (default 50)").build());
        o.addOption(Option.builder().longOpt("batch-rows").hasArg().argName("N").desc("tokens read at a time (default 4096)").build());
        o.addOption(Option.builder().longOpt("vocab-block").hasArg().argName("N").desc("vocabulary columns per product (default 4096)").build());
        o.addOption(Option.builder().longOpt("threads").hasArg().argName("N").desc("BLAS threads (default: all cores)").build());
    }

    @Override
    protected int doWork(Args args) {
        String mode = args.choice("mode", "final", "partial", "final");
        Path output = args.path("output");
        int k = args.positive("top-k", 50);
        int batchRows = args.positive("batch-rows", 4096);
        List<Path> acts = files(args.strings("activations"), "activations");
        List<Path> partials = files(args.strings("partial"), "partial");
        if (mode.equals("partial")) {
            if (acts.isEmpty()) {
                throw new UsageException("--mode partial needs --activations (see --help)");
            }
            if (!partials.isEmpty()) {
                throw new UsageException("--partial is for --mode final (see --help)");
            }
            ActivationStats s = fromActivations(acts, k, batchRows);
            PartialStatsFile.write(output, s);
            err.printf(Locale.ROOT, "stats: partial statistics of %s over %,d tokens (%s)%n", s.model(), s.tokens(),
                    String.join(",", s.shards()));
            return EXIT_OK;
        }
        Path checkpoint = args.existing("checkpoint");
        int vocabBlock = args.positive("vocab-block", 4096);
        int threads = args.positive("threads", Runtime.getRuntime().availableProcessors());
        if (acts.isEmpty() && partials.isEmpty()) {
            throw new UsageException("--mode final needs --partial or --activations (see --help)");
        }
        // every source as partial statistics, merged in shard-name order
        List<ActivationStats> parts = new ArrayList<>();
        List<String> where = new ArrayList<>();
        for (Path p : partials) {
            ActivationStats s = PartialStatsFile.read(p);
            if (s.k() != k && args.has("top-k")) {
                throw new InputException(p + ": partial statistics keep the top " + s.k() + " tokens, but --top-k is " + k);
            }
            parts.add(s);
            where.add(p.toString());
        }
        int kk = parts.isEmpty() ? k : parts.get(0).k();
        for (Path a : acts) {
            parts.add(fromActivations(List.of(a), kk, batchRows));
            where.add(a.toString());
        }
        Integer[] order = new Integer[parts.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, Comparator.comparing(i -> parts.get(i).shards().get(0)));
        ActivationStats merged = null;
        for (int i : order) {
            if (merged == null) {
                merged = parts.get(i);
            } else {
                merged.merge(parts.get(i), where.get(i));
            }
        }
        ModelConfig cfg = ModelConfig.read(checkpoint, Checkpoints.name(checkpoint));
        if (cfg.nLayers != merged.nLayers() || cfg.dMlp != merged.dMlp()) {
            throw new InputException(checkpoint + ": config.json describes " + cfg.nLayers + " layers x " + cfg.dMlp
                    + " neurons, but the activations of " + merged.model() + " have " + merged.nLayers() + " x "
                    + merged.dMlp());
        }
        ProcessedWeights w;
        try (SafetensorsCheckpoint st = SafetensorsCheckpoint.open(checkpoint)) {
            w = WeightProcessing.process(cfg, WeightSource.of(st));
        }
        Map<String, double[]> columns = new LinkedHashMap<>(merged.columns());
        columns.putAll(WeightStats.weights(w));
        try (OpenBlasGemm gemm = new OpenBlasGemm(threads)) {
            columns.putAll(WeightStats.vocab(w, gemm, vocabBlock));
        }
        StatsFile.write(output, merged, columns, checkpoint.toAbsolutePath().normalize().toString());
        err.printf(Locale.ROOT, "stats: %s, %d x %d neurons, %,d tokens from %d shard(s)%n", merged.model(),
                merged.nLayers(), merged.dMlp(), merged.tokens(), merged.shards().size());
        return EXIT_OK;
    }

    private ActivationStats fromActivations(List<Path> files, int k, int batchRows) {
        ActivationStats s = null;
        for (Path f : files) {
            try (ActivationFile.Reader r = ActivationFile.Reader.open(f)) {
                if (s == null) {
                    s = new ActivationStats(r.model(), r.nLayers(), r.dMlp(), k);
                }
                Progress p = new Progress(err, "stats: " + r.shard(), "tokens", (long) r.nTokens() * r.nLayers(), 10);
                s.accumulate(r, batchRows, p);
                p.finish();
            }
        }
        return s;
    }

    private static List<Path> files(List<String> names, String opt) {
        List<Path> out = new ArrayList<>();
        for (String s : names) {
            Path p = Path.of(s);
            if (!Files.isRegularFile(p)) {
                throw new InputException(p + ": no such file (--" + opt + ")");
            }
            out.add(p);
        }
        return out;
    }
}
