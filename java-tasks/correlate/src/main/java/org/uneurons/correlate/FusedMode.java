package org.uneurons.correlate;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import ai.djl.Device;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.io.AtomicOutput;
import org.uneurons.core.io.TokenShard;
import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.Hook;
import org.uneurons.models.ModelConfig;
import org.uneurons.models.NativeTuning;
import org.uneurons.models.TransformerModel;

/**
 * {@code correlate --fused}: checkpoints and one token shard in, one partial-moments file per model pair out
 * ({@code OUTDIR/<a>__<b>.<shard stem>.h5}, the staged format), without writing activations. Order: command line
 * (exit 2), then inputs (configs against the shard, exit 1), then the models are loaded once and run; the files
 * are published together at the end, so a failure publishes none of them.
 */
final class FusedMode {
    /** Options that belong to staged mode only. */
    static final List<String> STAGED_ONLY = List.of("a", "b", "output", "batch-tokens");
    /** Options that belong to fused mode only. */
    static final List<String> FUSED_ONLY = List.of("checkpoint", "checkpoints", "pairs", "pair", "outdir", "batch-size");

    private FusedMode() {
    }

    /** {@code OUTDIR/<a>__<b>.<shard file name without .h5>.h5}. */
    static String outputName(String modelA, String modelB, String shardFileName) {
        String stem = shardFileName.endsWith(".h5") ? shardFileName.substring(0, shardFileName.length() - 3) : shardFileName;
        return modelA + "__" + modelB + "." + stem + ".h5";
    }

    static int run(Args args, PrintStream err) {
        for (String o : STAGED_ONLY) {
            if (args.has(o)) {
                throw new UsageException("--" + o + " is for staged mode; --fused reads --checkpoint and --shard and writes"
                        + " to --outdir (see --help)");
            }
        }
        List<Path> dirs = new ArrayList<>();
        for (String opt : new String[] {"checkpoint", "checkpoints"}) {
            for (String s : args.strings(opt)) {
                dirs.add(Path.of(s));
            }
        }
        List<String> names = new ArrayList<>();
        for (Path d : dirs) {
            names.add(Checkpoints.name(d));
        }
        List<ModelPairs.Pair> pairs = ModelPairs.choose(names, args.string("pairs", null), args.strings("pair"));
        Path shardFile = args.path("shard");
        Path outdir = args.path("outdir");
        Gemm.Precision precision = Gemm.Precision.parse(args.choice("gemm", "float32", "float32", "float64"));
        int batchSeqs = args.positive("batch-size", 2);
        Hook hook = Hook.byName(args.choice("hook", "mlp_post", "mlp_post", "mlp_pre"));
        int threads = args.positive("threads", Runtime.getRuntime().availableProcessors());
        if (args.has("filter-ids") && args.has("no-filter")) {
            throw new UsageException("--filter-ids and --no-filter exclude each other");
        }
        NativeTuning.preferHugePages(); // before the engine starts (a GPU --device starts it)
        AccumulatorChoice where = AccumulatorChoice.parse(args); // the models run on the same device
        Device device = where.device();
        String deviceSpec = where.deviceSpec();

        // Inputs, before anything heavy: names, configs against the shard, layer range, filter.
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < dirs.size(); i++) {
            if (!Files.isDirectory(dirs.get(i))) {
                throw new InputException(dirs.get(i) + ": no such checkpoint directory (--checkpoint)");
            }
            if (!seen.add(names.get(i))) {
                throw new InputException(dirs.get(i) + ": another checkpoint is also named '" + names.get(i)
                        + "'; models are named by their directory names, which must differ");
            }
            if (names.get(i).contains("__")) {
                throw new InputException(dirs.get(i) + ": the directory name '" + names.get(i) + "' contains '__', which"
                        + " separates the two model names in output file names");
            }
        }
        if (!Files.exists(shardFile)) {
            throw new InputException(shardFile + ": no such file or directory (--shard)");
        }
        TokenShard shard = TokenShard.read(shardFile);
        boolean[] used = new boolean[dirs.size()];
        for (ModelPairs.Pair p : pairs) {
            used[p.a()] = true;
            used[p.b()] = true;
        }
        List<ModelConfig> configs = new ArrayList<>();
        for (int i = 0; i < dirs.size(); i++) {
            ModelConfig cfg = used[i] ? ModelConfig.read(dirs.get(i), names.get(i)) : null;
            if (cfg != null) {
                checkTokens(shardFile, shard.tokens(), cfg);
            }
            configs.add(cfg);
        }
        List<int[]> layersA = new ArrayList<>();
        for (ModelPairs.Pair p : pairs) {
            layersA.add(CorrelateTool.layerRange(args.string("layers-a", null), configs.get(p.a()).nLayers,
                    "checkpoint " + names.get(p.a())));
        }
        TokenFilter filter = CorrelateTool.filter(args, () -> FilterChoice.defaults(
                CorrelateTool.shardAttributes(shardFile), shardFile.toString()));
        String shardName = shardFile.getFileName().toString();
        List<Path> targets = new ArrayList<>();
        for (ModelPairs.Pair p : pairs) {
            targets.add(outdir.resolve(outputName(names.get(p.a()), names.get(p.b()), shardName)));
        }

        List<TransformerModel> models = new ArrayList<>();
        try {
            for (int i = 0; i < dirs.size(); i++) {
                models.add(used[i] ? Checkpoints.load(dirs.get(i), names.get(i), device) : null);
            }
            try (OpenBlasGemm gemm = new OpenBlasGemm(threads)) {
                FusedRun run = new FusedRun(models, names, shard.tokens(), pairs, layersA, filter,
                        s -> where.create(s, gemm, precision), batchSeqs, hook);
                long bytes = 0;
                for (MomentShape s : run.shapes()) {
                    bytes += PairMoments.bytes(s);
                }
                err.printf(Locale.ROOT, "correlate --fused: %d models, %d pairs on %s (%,d tokens) on %s, filter %s,"
                                + " %s products%s, %s, totals %.2f GB%n",
                        models.stream().filter(m -> m != null).count(), pairs.size(), shardName, run.tokensTotal(),
                        deviceSpec, FilterChoice.describe(filter),
                        precision.name().toLowerCase(Locale.ROOT), where.onDevice() ? "" : " on " + threads + " threads",
                        where.describe(), bytes / 1e9);
                Progress progress = new Progress(err, "correlate --fused", "tokens", run.tokensTotal(), 10);
                List<PairMoments> moments = run.run(progress);
                progress.finish();
                err.printf(Locale.ROOT, "correlate --fused: %,d of %,d tokens kept after filtering%n",
                        moments.get(0).count(), run.tokensTotal());
                List<MomentsFile.Info> infos = new ArrayList<>();
                for (ModelPairs.Pair p : pairs) {
                    infos.add(new MomentsFile.Info(names.get(p.a()), names.get(p.b()), List.of(shardName),
                            FilterChoice.describe(filter), precision.name().toLowerCase(Locale.ROOT), run.tokensTotal()));
                }
                publishAll(targets, moments, infos);
                for (Path t : targets) {
                    err.println("correlate --fused: wrote " + t);
                }
            }
        } finally {
            for (TransformerModel m : models) {
                if (m != null) {
                    m.close();
                }
            }
        }
        return 0;
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
            for (AtomicOutput out : outs) {
                out.close(); // deletes the temporary file of any not committed
            }
            if (!done) {
                for (Path p : published) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(p + ": cannot withdraw a partly published result", e);
                    }
                }
            }
        }
    }

    /** Every id inside each model's vocabulary and every sequence within its context (as extract checks). */
    static void checkTokens(Path shardFile, int[][] tokens, ModelConfig cfg) {
        int ctx = tokens[0].length;
        if (ctx > cfg.nCtx) {
            throw new InputException(shardFile + ": sequences of " + ctx + " tokens exceed the context of checkpoint "
                    + cfg.name() + " (" + cfg.nCtx + " positions)");
        }
        for (int s = 0; s < tokens.length; s++) {
            for (int t = 0; t < ctx; t++) {
                int id = tokens[s][t];
                if (id < 0 || id >= cfg.vocabSize) {
                    throw new InputException(shardFile + ": token id " + id + " at sequence " + s + ", position " + t
                            + " is outside the vocabulary of checkpoint " + cfg.name() + " [0, " + cfg.vocabSize + ")");
                }
            }
        }
    }
}
