package org.uneurons.correlate;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import io.jhdf.HdfFile;
import io.jhdf.exceptions.HdfException;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.io.TokenShard;
import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.TokenFilter;

/**
 * correlate (staged mode): the activations of model a and model b on one token shard in, that shard's partial
 * moments out (means, sums of squared deviations, co-moment blocks, b's within-layer co-moments), ready for
 * merge and finalise. With {@code --fused} ({@link FusedMode}): checkpoints and a token shard in, the same files
 * out for every requested pair, without activation files.
 */
public final class CorrelateTool extends Tool {

    public static void main(String[] argv) {
        main(new CorrelateTool(), argv);
    }

    @Override
    public String name() {
        return "correlate";
    }

    @Override
    public String description() {
        return "Streams the MLP activations of two models on the same tokens into partial Pearson moments (HDF5).";
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(Option.builder().longOpt("a").hasArg().argName("FILE").desc("activations of model a (the anchor)").build());
        o.addOption(Option.builder().longOpt("b").hasArg().argName("FILE").desc("activations of model b on the same tokens").build());
        o.addOption(Option.builder().longOpt("output").hasArg().argName("FILE").desc("partial moments file to write").build());
        o.addOption(Option.builder().longOpt("gemm").hasArg().argName("P")
                .desc("precision of the batch products: float32 (default; centred data, float64 totals) or float64").build());
        o.addOption(Option.builder().longOpt("filter-ids").hasArg().argName("IDS")
                .desc("token ids to drop, comma-separated (default: BOS/EOS/pad ids from the attributes, and 198 for GPT-2)").build());
        o.addOption(Option.builder().longOpt("no-filter").desc("keep every token").build());
        o.addOption(Option.builder().longOpt("shard").hasArg().argName("FILE")
                .desc("token shard whose tokenizer/bos_id/eos_id attributes choose the default filter").build());
        o.addOption(Option.builder().longOpt("batch-tokens").hasArg().argName("N").desc("tokens per batch (default 2048)").build());
        o.addOption(Option.builder().longOpt("layers-a").hasArg().argName("RANGE")
                .desc("layers of model a to cover, FIRST-LAST or one layer (default: all); bounds memory").build());
        o.addOption(Option.builder().longOpt("hook").hasArg().argName("H").desc("mlp_post (default) or mlp_pre").build());
        o.addOption(Option.builder().longOpt("threads").hasArg().argName("N").desc("BLAS threads (default: all cores); with --accumulator device on cpu, PyTorch's threads").build());
        // fused mode
        o.addOption(Option.builder().longOpt("fused").desc("fused mode: run the checkpoints over --shard in memory and"
                + " write every pair's partial moments to --outdir, without activation files").build());
        o.addOption(Option.builder().longOpt("checkpoint").hasArg().argName("DIR")
                .desc("fused: a checkpoint directory (repeatable; the model is named by the directory's name)").build());
        o.addOption(Option.builder().longOpt("checkpoints").hasArg().argName("A,B,...")
                .desc("fused: checkpoint directories, comma-separated (the first is the anchor)").build());
        o.addOption(Option.builder().longOpt("pairs").hasArg().argName("MODE")
                .desc("fused: anchor (the first model against each other) or all (every pair)").build());
        o.addOption(Option.builder().longOpt("pair").hasArg().argName("A:B")
                .desc("fused: one pair by model names (repeatable), instead of --pairs").build());
        o.addOption(Option.builder().longOpt("outdir").hasArg().argName("DIR")
                .desc("fused: where to write <a>__<b>.<shard stem>.h5 per pair").build());
        o.addOption(Option.builder().longOpt("batch-size").hasArg().argName("N")
                .desc("fused: sequences per forward pass (default 2)").build());
        o.addOption(Option.builder().longOpt("device").hasArg().argName("DEV")
                .desc("cpu (default), gpu or gpu:N: where the models run (fused) and where --accumulator device keeps"
                        + " the totals").build());
        o.addOption(Option.builder().longOpt("accumulator").hasArg().argName("WHERE")
                .desc("heap (Java heap, OpenBLAS products; the default on cpu) or device (float64 arrays on --device"
                        + " through PyTorch; the default on a GPU)").build());
    }

    @Override
    protected int doWork(Args args) {
        if (args.has("fused")) {
            return FusedMode.run(args, err);
        }
        for (String o : FusedMode.FUSED_ONLY) {
            if (args.has(o)) {
                throw new UsageException("--" + o + " is for fused mode (add --fused; see --help)");
            }
        }
        Path pa = args.existing("a");
        Path pb = args.existing("b");
        Path output = args.path("output");
        Gemm.Precision precision = Gemm.Precision.parse(args.choice("gemm", "float32", "float32", "float64"));
        int batch = args.positive("batch-tokens", 2048);
        String hook = args.choice("hook", "mlp_post", "mlp_post", "mlp_pre");
        int threads = args.positive("threads", Runtime.getRuntime().availableProcessors());
        if (args.has("filter-ids") && args.has("no-filter")) {
            throw new UsageException("--filter-ids and --no-filter exclude each other");
        }
        AccumulatorChoice where = AccumulatorChoice.parse(args);
        try (ActivationSource a = FileActivationSource.open(pa, hook);
             ActivationSource b = FileActivationSource.open(pb, hook)) {
            int[] range = layerRange(args.string("layers-a", null), a.nLayers(), a.label());
            CorrelationRun.checkSameTokens(a, b);
            TokenFilter filter = filter(args, () -> FilterChoice.defaults(a.tokenAttributes(), a.label()));
            try (OpenBlasGemm gemm = new OpenBlasGemm(threads)) {
                CorrelationRun run = new CorrelationRun(a, b, range[0], range[1], filter, gemm, precision, batch);
                err.printf(Locale.ROOT, "correlate: %s vs %s on %s: %s, %,d tokens, filter %s, %s products%s,"
                                + " %s, totals %.2f GB%n", a.model(), b.model(), a.shard(), run.shape(), a.nTokens(),
                        FilterChoice.describe(filter), precision.name().toLowerCase(Locale.ROOT),
                        where.onDevice() ? "" : " on " + threads + " threads", where.describe(),
                        PairMoments.bytes(run.shape()) / 1e9);
                Progress progress = new Progress(err, "correlate", "tokens", a.nTokens(), 10);
                PairMoments m;
                try (MomentAccumulator acc = where.create(run.shape(), gemm, precision)) {
                    run.run(acc, progress);
                    m = acc.totals(); // device totals come back to the heap here, once
                }
                progress.finish();
                err.printf(Locale.ROOT, "correlate: %,d of %,d tokens kept after filtering%n", m.count(), a.nTokens());
                MomentsFile.write(output, m, new MomentsFile.Info(a.model(), b.model(), List.of(a.shard()),
                        FilterChoice.describe(filter), precision.name().toLowerCase(Locale.ROOT), a.nTokens()));
            }
        }
        return EXIT_OK;
    }

    /** The a layers to cover: FIRST-LAST or one layer of a model with {@code nLayers}; {@code what} names it. */
    static int[] layerRange(String spec, int nLayers, String what) {
        if (spec == null) {
            return new int[] {0, nLayers - 1};
        }
        int first, last;
        try {
            String[] parts = spec.split("-", -1);
            if (parts.length == 1) {
                first = last = Integer.parseInt(parts[0].trim());
            } else if (parts.length == 2) {
                first = Integer.parseInt(parts[0].trim());
                last = Integer.parseInt(parts[1].trim());
            } else {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new UsageException("--layers-a expects FIRST-LAST or one layer (e.g. 0-5), got '" + spec + "'");
        }
        if (first < 0 || last >= nLayers || first > last) {
            throw new InputException(what + ": --layers-a " + spec + " is not within the model's layers 0-"
                    + (nLayers - 1));
        }
        return new int[] {first, last};
    }

    /** --no-filter, --filter-ids, --shard's attributes, else {@code defaults}. */
    static TokenFilter filter(Args args, Supplier<TokenFilter> defaults) {
        if (args.has("no-filter")) {
            return TokenFilter.none();
        }
        if (args.has("filter-ids")) {
            List<String> ids = args.strings("filter-ids");
            int[] out = new int[ids.size()];
            for (int i = 0; i < out.length; i++) {
                try {
                    out[i] = Integer.parseInt(ids.get(i));
                } catch (NumberFormatException e) {
                    throw new UsageException("--filter-ids expects comma-separated token ids, got '" + ids.get(i) + "'");
                }
            }
            return new TokenFilter(out);
        }
        if (args.has("shard")) {
            Path shard = args.existing("shard");
            return FilterChoice.defaults(shardAttributes(shard), shard.toString());
        }
        return defaults.get();
    }

    static Map<String, Object> shardAttributes(Path shard) {
        Map<String, Object> attrs = new HashMap<>();
        try (HdfFile f = new HdfFile(shard)) {
            String tok = Hdf5Attributes.string(f, "tokenizer");
            if (tok != null) {
                attrs.put("tokenizer", tok);
            }
            for (String name : new String[] {"bos_id", "eos_id", "pad_id"}) {
                Integer v = Hdf5Attributes.integer(f, name, shard.toString());
                if (v != null) {
                    attrs.put(name, v);
                }
            }
        } catch (HdfException e) {
            throw new InputException(shard + ": not a readable HDF5 token shard (" + e.getMessage() + ")", e);
        }
        String[] vocab = TokenShard.readVocab(shard);
        if (vocab != null) {
            attrs.put(FilterChoice.NEWLINE_IDS, FilterChoice.newlineIds(vocab));
        }
        return attrs;
    }
}
