package org.uneurons.correlatefused;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

import org.apache.commons.cli.Options;
import org.uneurons.accumulate.MomentAccumulator;
import org.uneurons.blas.OpenBlasGemm;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.io.OutputSet;
import org.uneurons.core.stats.ActivationStats;
import org.uneurons.core.stats.MomentBlocks;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.formats.FilterChoice;
import org.uneurons.formats.MomentsFile;
import org.uneurons.formats.PartialStatsFile;
import org.uneurons.models.Devices;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.TransformerModel;

/**
 * correlate-fused: checkpoints and a chunk of token shards in, one partial-moments file per model pair out
 * ({@code OUTDIR/<a>__<b>.<chunk>.h5}, staged correlate's format; the chunk defaults to the first shard's name),
 * without writing activations: every model runs once per batch and feeds all of its pairs, the totals stay resident
 * for the whole chunk, and the statistics of the models named with --stats-model accumulate in the same pass. Order: command line (exit 2), then inputs (configs against
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
        o.addOption(option("shard", "FILE", "a token shard of the chunk (repeatable: the shards, in order, are one stream of"
                + " tokens; they share their context length and filter_ids, the default token filter)"));
        o.addOption(option("chunk", "NAME", "name of the chunk in the outputs' names (default: the first shard's name)"));
        o.addOption(option("outdir", "DIR", "where to write <a>__<b>.<chunk>.h5 per pair (and the statistics)"));
        o.addOption(option("stats-model", "NAME", "also accumulate this model's activation statistics over the chunk"
                + " (all its layers, every token) and write <NAME>.<chunk>.stats-partial.h5 (repeatable)"));
        o.addOption(option("stats-top-k", "K", "max-activating tokens kept per neuron in the statistics (default 50)"));
        o.addOption(option("batch-size", "N", "sequences per forward pass (default 2)"));
        o.addOption(option("dtype", "TYPE", "precision the activations are rounded to before anything reads them, as"
                + " staged mode stores them: float32 (default) or float16 (as extract --dtype float16)"));
        o.addOption(option("gemm", "P", "precision of the batch products, totals always float64: float32 (default; centred"
                + " data), float64, or on a device tf32 or bf16 (docs/correlate.md: their measured error)"));
        o.addOption(option("filter-ids", "IDS", "token ids to drop, comma-separated (default: the shards' filter)"));
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
        checkPaths(args, s);
        FusedInputs in = FusedInputs.check(s);
        components.putAll(Devices.components(s.where().device()));
        List<TransformerModel> models = new ArrayList<>();
        try (OpenBlasGemm gemm = new OpenBlasGemm(s.threads())) {
            for (int i = 0; i < s.dirs().size(); i++) {
                models.add(in.loaded()[i] ? Checkpoints.load(s.checkpoints().get(i), s.where().device()) : null);
            }
            List<Integer> statsModels = s.statsModels().stream().map(s.names()::indexOf).toList();
            FusedRun run = new FusedRun(models, s.names(), s.pairs(), in.layersA(), in.filter(), s.batchSeqs(), s.hook(),
                    statsModels, s.statsTopK(), s.stored());
            announce(s, in, run, models);
            List<MomentAccumulator> moments = run.accumulators(shape -> s.where().create(shape, gemm, s.precision()));
            try {
                Progress progress = new Progress(err, "correlate-fused", "tokens", in.tokens(), 10);
                run.run(s.shards(), moments, progress);
                progress.finish();
                err.printf(Locale.ROOT, "correlate-fused: %,d of %,d tokens kept after filtering%n",
                        moments.isEmpty() ? 0 : moments.get(0).count(), in.tokens());
                publishAll(outputs(s, in, moments, run, models));
            } finally {
                moments.forEach(MomentAccumulator::close);
            }
            in.targets().forEach(t -> err.println("correlate-fused: wrote " + t));
        } finally {
            models.stream().filter(m -> m != null).forEach(TransformerModel::close);
        }
        return EXIT_OK;
    }

    /** The shards and checkpoints as inputs, every output file as an output of --outdir: checked before anything is read. */
    private static void checkPaths(Args args, FusedSettings s) {
        for (Path shard : s.shards()) {
            if (!Files.exists(shard)) {
                throw new InputException(shard + ": no such file or directory (--shard)");
            }
            args.input("--shard", shard);
        }
        s.dirs().stream().filter(Files::exists).forEach(d -> args.input("--checkpoint", d));
        args.outputDir("outdir");
        s.targets().forEach(t -> args.outputFile("--outdir", t));
        s.statsTargets().forEach(t -> args.outputFile("--outdir", t));
    }

    private void announce(FusedSettings s, FusedInputs in, FusedRun run, List<TransformerModel> models) {
        long bytes = 0;
        for (MomentShape shape : run.shapes()) {
            bytes += PairMoments.bytes(shape);
        }
        err.printf(Locale.ROOT, "correlate-fused: %d models, %d pairs on chunk %s (%d shards, %,d tokens) on %s, filter %s,"
                        + " %s activations, %s products%s, %s, totals %.2f GB%n", models.stream().filter(m -> m != null).count(),
                s.pairs().size(), s.chunk(), in.shardNames().size(), in.tokens(), s.where().deviceSpec(),
                FilterChoice.describe(in.filter()), s.stored().name().toLowerCase(Locale.ROOT), s.gemmName(), s.where().onDevice() ? "" : " on " + s.threads()
                        + " threads", s.where().describe(), bytes / 1e9);
    }

    /**
     * One output per pair (its moments, written block by block) and per statistics model, with the identities of the
     * models' weights and of the chunk's shards.
     */
    private static List<Output> outputs(FusedSettings s, FusedInputs in, List<MomentAccumulator> moments, FusedRun run,
                                        List<TransformerModel> models) {
        List<Output> out = new ArrayList<>();
        for (int i = 0; i < s.pairs().size(); i++) {
            ModelPairs.Pair p = s.pairs().get(i);
            MomentsFile.Info info = new MomentsFile.Info(s.names().get(p.a()), s.names().get(p.b()), in.shardNames(),
                    FilterChoice.describe(in.filter()), s.gemmName(), in.tokens(), models.get(p.a()).weightsSha256(),
                    models.get(p.b()).weightsSha256(), in.shardSha256());
            MomentBlocks blocks = moments.get(i).blocks();
            out.add(new Output(in.targets().get(i), file -> MomentsFile.writeUnpublished(file, blocks, info)));
        }
        List<ActivationStats> stats = new ArrayList<>(run.stats().values());
        for (int i = 0; i < stats.size(); i++) {
            ActivationStats st = stats.get(i);
            out.add(new Output(in.statsTargets().get(i), file -> PartialStatsFile.writeUnpublished(file, st)));
        }
        return out;
    }

    /** A file to publish and how to write it to a given (temporary) path. */
    record Output(Path target, Consumer<Path> writer) {
    }

    /** Every file is written to its temporary name first, then all are renamed together ({@link OutputSet}). */
    static void publishAll(List<Output> outputs) {
        try (OutputSet set = new OutputSet()) {
            for (Output o : outputs) {
                set.write(o.target(), file -> o.writer().accept(file));
            }
            set.commit();
        }
    }

    /** {@code <a>__<b>.<chunk>.h5} (a chunk given as a shard's file name loses its .h5). */
    public static String outputName(String modelA, String modelB, String chunk) {
        String stem = chunk.endsWith(".h5") ? chunk.substring(0, chunk.length() - 3) : chunk;
        return modelA + "__" + modelB + "." + stem + ".h5";
    }
}
