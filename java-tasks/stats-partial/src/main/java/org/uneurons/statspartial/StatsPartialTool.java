package org.uneurons.statspartial;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.stats.ActivationStats;
import org.uneurons.formats.ActivationFile;
import org.uneurons.formats.PartialStatsFile;
import org.uneurons.formats.Provenance;

/**
 * stats-partial (the fan-out of the neuron statistics, one task per (model, shard)): activation files with /mlp_pre
 * and /mlp_post in, exact and mergeable partial activation statistics out ({@link PartialStatsFile}), which
 * stats-final merges with the weight statistics of the checkpoint.
 */
public final class StatsPartialTool extends Tool {
    public StatsPartialTool() {
        super("stats-partial",
                "Exact, mergeable per-neuron activation statistics of one model on some token shards (partial "
                + "statistics).");
    }

    public static void main(String[] argv) {
        main(new StatsPartialTool(), argv);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(option("activations", "FILE", "activation file with /mlp_pre and /mlp_post (repeatable)"));
        o.addOption(option("output", "FILE", "partial statistics file to write"));
        o.addOption(option("top-k", "K", "max-activating tokens kept per neuron (default 50)"));
        o.addOption(option("batch-rows", "N", "tokens read at a time (default 4096)"));
    }

    /** The command line: activation files (each must exist), the output, top-k, batch rows. */
    record Settings(List<Path> activations, Path output, int topK, int batchRows) {
        static Settings parse(Args args) {
            args.path("output");
            int k = args.positive("top-k", 50);
            int batchRows = args.positive("batch-rows", 4096);
            List<Path> acts = args.existingFiles("activations");
            if (acts.isEmpty()) {
                throw new UsageException("missing required option --activations (see --help)");
            }
            return new Settings(acts, args.output("output"), k, batchRows);
        }
    }

    @Override
    protected int doWork(Args args) {
        Settings s = Settings.parse(args);
        ActivationStats stats = accumulate(s.activations(), s.topK(), s.batchRows(), err,
                w -> err.println(name() + ": warning: " + w));
        PartialStatsFile.write(s.output(), stats);
        err.printf(Locale.ROOT, "stats-partial: partial statistics of %s over %,d tokens (%s)%s%n", stats.model(),
                stats.tokens(), String.join(",", stats.shards()), stats.describeSkipped());
        return EXIT_OK;
    }

    /**
     * The statistics of the activation files, in the order given: of one model (its weights, where the files record
     * their hash), no shard twice; {@code warn} gets a line for each file of an earlier version.
     */
    static ActivationStats accumulate(List<Path> files, int k, int batchRows, java.io.PrintStream err,
                                      java.util.function.Consumer<String> warn) {
        ActivationStats s = null;
        for (Path f : files) {
            try (ActivationFile.Reader r = ActivationFile.Reader.open(f)) {
                if (r.modelSha256() == null || r.shardSha256() == null) {
                    warn.accept(Provenance.unchecked(f, "model_sha256 or shard_sha256", "its model and tokens"));
                }
                if (s == null) {
                    s = new ActivationStats(r.model(), r.modelSha256(), r.nLayers(), r.dMlp(), k);
                }
                Progress p = new Progress(err, "stats-partial: " + r.shard(), "tokens", (long) r.nTokens() * r.nLayers(), 10);
                r.addTo(s, batchRows, p);
                p.finish();
            }
        }
        return s;
    }

}
