package org.uneurons.correlatefused;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.uneurons.accumulate.AccumulatorChoice;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.formats.ActivationFile;
import org.uneurons.formats.CheckpointRef;
import org.uneurons.models.Hook;
import org.uneurons.models.NativeTuning;

/** correlate-fused's command line, checked before any file is read (usage errors, exit 2). */
record FusedSettings(List<CheckpointRef> checkpoints, List<ModelPairs.Pair> pairs, List<Path> shards, String chunk,
                     Path outdir, Gemm.Precision precision, int batchSeqs, Hook hook, int threads, String layersA,
                     TokenFilter filterOption, List<String> statsModels, int statsTopK, AccumulatorChoice where,
                     ActivationFile.Precision stored) {

    static FusedSettings parse(Args args) {
        List<CheckpointRef> checkpoints = new ArrayList<>();
        for (String opt : new String[] {"checkpoint", "checkpoints"}) {
            checkpoints.addAll(CheckpointRef.parseAll(args.strings(opt), "--" + opt));
        }
        List<String> names = checkpoints.stream().map(CheckpointRef::name).toList();
        List<ModelPairs.Pair> pairs = ModelPairs.choose(names, args.string("pairs", null), args.strings("pair"));
        if (args.has("filter-ids") && args.has("no-filter")) {
            throw new UsageException("--filter-ids and --no-filter exclude each other");
        }
        TokenFilter filter = args.has("no-filter") ? TokenFilter.none()
                : args.has("filter-ids") ? TokenFilter.parseOption(args.string("filter-ids")) : null;
        List<Path> shards = args.strings("shard").stream().map(Path::of).toList();
        if (shards.isEmpty()) {
            throw new UsageException("missing required option --shard (see --help)");
        }
        List<String> statsModels = args.strings("stats-model");
        for (String m : statsModels) {
            if (!names.contains(m)) {
                throw new UsageException("--stats-model " + m + " is not among the checkpoints (" + String.join(", ", names)
                        + ")");
            }
        }
        Path outdir = args.path("outdir");
        Gemm.Precision precision = AccumulatorChoice.precision(args);
        int batchSeqs = args.positive("batch-size", 2);
        Hook hook = Hook.byName(args.choice("hook", "mlp_post", "mlp_post", "mlp_pre"));
        int threads = args.positive("threads", Runtime.getRuntime().availableProcessors());
        NativeTuning.preferHugePages(); // before the engine starts (a GPU --device starts it)
        return new FusedSettings(checkpoints, pairs, shards, args.string("chunk", stem(shards.get(0))), outdir,
                precision, batchSeqs, hook, threads, args.string("layers-a", null), filter, statsModels,
                args.positive("stats-top-k", 50), AccumulatorChoice.parse(args),
                ActivationFile.Precision.parse(args.choice("dtype", "float32", "float32", "float16")));
    }

    /** A shard's file name without .h5: the default chunk name. */
    static String stem(Path shard) {
        String name = shard.getFileName().toString();
        return name.endsWith(".h5") ? name.substring(0, name.length() - 3) : name;
    }

    /** Each pair's output, {@code OUTDIR/<a>__<b>.<chunk>.h5}, in the order of {@link #pairs}. */
    List<Path> targets() {
        return pairs.stream().map(p -> outdir.resolve(CorrelateFusedTool.outputName(names().get(p.a()),
                names().get(p.b()), chunk))).toList();
    }

    /** Each statistics model's output, {@code OUTDIR/<model>.<chunk>.stats-partial.h5}. */
    List<Path> statsTargets() {
        return statsModels.stream().map(m -> outdir.resolve(m + "." + chunk + ".stats-partial.h5")).toList();
    }

    /** The checkpoint directories, in command-line order. */
    List<Path> dirs() {
        return checkpoints.stream().map(CheckpointRef::dir).toList();
    }

    /** The model names (NAME of NAME=DIR, else the directory's name), in command-line order. */
    List<String> names() {
        return checkpoints.stream().map(CheckpointRef::name).toList();
    }

    String gemmName() {
        return precision.optionName();
    }
}
