package org.uneurons.correlatefused;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.uneurons.accumulate.AccumulatorChoice;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.models.Checkpoints;
import org.uneurons.models.Hook;
import org.uneurons.models.NativeTuning;

/** correlate-fused's command line, checked before any file is read (usage errors, exit 2). */
record FusedSettings(List<Path> dirs, List<String> names, List<ModelPairs.Pair> pairs, Path shard, Path outdir,
                     Gemm.Precision precision, int batchSeqs, Hook hook, int threads, String layersA,
                     TokenFilter filterOption, AccumulatorChoice where) {

    static FusedSettings parse(Args args) {
        List<Path> dirs = new ArrayList<>();
        for (String opt : new String[] {"checkpoint", "checkpoints"}) {
            for (String s : args.strings(opt)) {
                dirs.add(Path.of(s));
            }
        }
        List<String> names = dirs.stream().map(Checkpoints::name).toList();
        List<ModelPairs.Pair> pairs = ModelPairs.choose(names, args.string("pairs", null), args.strings("pair"));
        if (args.has("filter-ids") && args.has("no-filter")) {
            throw new UsageException("--filter-ids and --no-filter exclude each other");
        }
        TokenFilter filter = args.has("no-filter") ? TokenFilter.none()
                : args.has("filter-ids") ? TokenFilter.parseOption(args.string("filter-ids")) : null;
        Path shard = args.path("shard");
        Path outdir = args.path("outdir");
        Gemm.Precision precision = Gemm.Precision.parse(args.choice("gemm", "float32", "float32", "float64"));
        int batchSeqs = args.positive("batch-size", 2);
        Hook hook = Hook.byName(args.choice("hook", "mlp_post", "mlp_post", "mlp_pre"));
        int threads = args.positive("threads", Runtime.getRuntime().availableProcessors());
        NativeTuning.preferHugePages(); // before the engine starts (a GPU --device starts it)
        return new FusedSettings(dirs, names, pairs, shard, outdir, precision, batchSeqs, hook, threads,
                args.string("layers-a", null), filter, AccumulatorChoice.parse(args));
    }

    String gemmName() {
        return precision.name().toLowerCase(Locale.ROOT);
    }
}
