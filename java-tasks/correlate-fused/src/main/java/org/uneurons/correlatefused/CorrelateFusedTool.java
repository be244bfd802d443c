package org.uneurons.correlatefused;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.commons.cli.Options;
import org.uneurons.blas.OpenBlasGemm;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.formats.FilterChoice;
import org.uneurons.formats.MomentsFile;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.TransformerModel;

/**
 * correlate-fused: checkpoints and one token shard in, one partial-moments file per model pair out
 * ({@code OUTDIR/<a>__<b>.<shard stem>.h5}, staged correlate's format and name), without writing activations: every
 * model runs once per batch and feeds all of its pairs. Order: command line (exit 2), then inputs (configs against
 * the shard, exit 1), then the models are loaded once and run; the files are published together at the end, so a
 * failure publishes none of them.
 */
public final class CorrelateFusedTool extends Tool {
    public CorrelateFusedTool() {
        super("correlate-fused",
                "Runs checkpoints over a token shard in memory and writes every model pair's partial Pearson moments "
                + "(HDF5), without activation files.");
    }

    public static void main(String[] argv) {
        main(new CorrelateFusedTool(), argv);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(option("checkpoint", "NAME=DIR", "a checkpoint directory and the model's name (repeatable; DIR alone:"
                + " the model is named by the directory's name); the first is the anchor"));
        o.addOption(option("checkpoints", "A,B,...", "checkpoints (NAME=DIR or DIR), comma-separated"));
        o.addOption(option("pairs", "MODE", "anchor (the first model against each other) or all (every pair)"));
        o.addOption(option("pair", "A:B", "one pair by model names (repeatable), instead of --pairs"));
        o.addOption(option("shard", "FILE", "token shard (its filter_ids attribute is the default token filter)"));
        o.addOption(option("outdir", "DIR", "where to write <a>__<b>.<shard stem>.h5 per pair"));
        o.addOption(option("batch-size", "N", "sequences per forward pass (default 2)"));
        o.addOption(option("gemm", "P", "precision of the batch products: float32 (default; centred data, float64 totals) or float64"));
        o.addOption(option("filter-ids", "IDS", "token ids to drop, comma-separated (default: the shard's filter)"));
        o.addOption(flag("no-filter", "keep every token"));
        o.addOption(option("layers-a", "RANGE", "layers of each pair's model a, FIRST-LAST or one layer (default: all)"));
        o.addOption(option("hook", "H", "mlp_post (default) or mlp_pre"));
        o.addOption(option("threads", "N", "BLAS threads (default: all cores); with --accumulator device on cpu, PyTorch's threads"));
        o.addOption(option("device", "DEV", "cpu (default), gpu or gpu:N: where the models run and where --accumulator"
                + " device keeps the totals"));
        o.addOption(option("accumulator", "WHERE", "heap (Java heap, OpenBLAS products; the default on cpu) or device"
                + " (float64 arrays on --device through PyTorch; the default on a GPU)"));
    }

    @Override
    protected int doWork(Args args) {
        FusedSettings s = FusedSettings.parse(args);
        FusedInputs in = FusedInputs.check(s);
        List<TransformerModel> models = new ArrayList<>();
        try (OpenBlasGemm gemm = new OpenBlasGemm(s.threads())) {
            for (int i = 0; i < s.dirs().size(); i++) {
                models.add(in.used()[i] ? Checkpoints.load(s.checkpoints().get(i), s.where().device()) : null);
            }
            FusedRun run = new FusedRun(models, s.names(), in.shard().tokens(), s.pairs(), in.layersA(), in.filter(),
                    shape -> s.where().create(shape, gemm, s.precision()), s.batchSeqs(), s.hook());
            announce(s, in, run, models);
            Progress progress = new Progress(err, "correlate-fused", "tokens", run.tokensTotal(), 10);
            List<PairMoments> moments = run.run(progress);
            progress.finish();
            err.printf(Locale.ROOT, "correlate-fused: %,d of %,d tokens kept after filtering%n", moments.get(0).count(),
                    run.tokensTotal());
            publishAll(in.targets(), moments, infos(s, in, run.tokensTotal()));
            in.targets().forEach(t -> err.println("correlate-fused: wrote " + t));
        } finally {
            models.stream().filter(m -> m != null).forEach(TransformerModel::close);
        }
        return EXIT_OK;
    }

    private void announce(FusedSettings s, FusedInputs in, FusedRun run, List<TransformerModel> models) {
        long bytes = 0;
        for (MomentShape shape : run.shapes()) {
            bytes += PairMoments.bytes(shape);
        }
        err.printf(Locale.ROOT, "correlate-fused: %d models, %d pairs on %s (%,d tokens) on %s, filter %s, %s products%s,"
                        + " %s, totals %.2f GB%n", models.stream().filter(m -> m != null).count(), s.pairs().size(),
                in.shardName(), run.tokensTotal(), s.where().deviceSpec(), FilterChoice.describe(in.filter()),
                s.gemmName(), s.where().onDevice() ? "" : " on " + s.threads() + " threads", s.where().describe(),
                bytes / 1e9);
    }

    private static List<MomentsFile.Info> infos(FusedSettings s, FusedInputs in, long tokensRead) {
        List<MomentsFile.Info> infos = new ArrayList<>();
        for (ModelPairs.Pair p : s.pairs()) {
            infos.add(new MomentsFile.Info(s.names().get(p.a()), s.names().get(p.b()), List.of(in.shardName()),
                    FilterChoice.describe(in.filter()), s.gemmName(), tokensRead));
        }
        return infos;
    }

    /**
     * Every file is written to its temporary name first; only when all are complete are they renamed. If a
     * rename fails, the files already renamed are removed again, so a run publishes all of its pairs or none.
     */
    static void publishAll(List<Path> targets, List<PairMoments> moments, List<MomentsFile.Info> infos) {
        List<AtomicOutput> outs = new ArrayList<>();
        List<Path> published = new ArrayList<>();
        boolean done = false;
        try {
            for (int i = 0; i < targets.size(); i++) {
                AtomicOutput out = AtomicOutput.create(targets.get(i));
                outs.add(out);
                MomentsFile.writeUnpublished(out.temp(), moments.get(i), infos.get(i));
            }
            for (AtomicOutput out : outs) {
                out.commit();
                published.add(out.target());
            }
            done = true;
        } finally {
            outs.forEach(AtomicOutput::close); // deletes the temporary file of any not committed
            if (!done) {
                withdraw(published);
            }
        }
    }

    private static void withdraw(List<Path> published) {
        for (Path p : published) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new UncheckedIOException(p + ": cannot withdraw a partly published result", e);
            }
        }
    }

    /** {@code OUTDIR/<a>__<b>.<shard file name without .h5>.h5}. */
    public static String outputName(String modelA, String modelB, String shardFileName) {
        String stem = shardFileName.endsWith(".h5") ? shardFileName.substring(0, shardFileName.length() - 3) : shardFileName;
        return modelA + "__" + modelB + "." + stem + ".h5";
    }
}
