package org.uneurons.correlate;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.apache.commons.cli.Options;
import org.uneurons.accumulate.AccumulatorChoice;
import org.uneurons.accumulate.MomentAccumulator;
import org.uneurons.blas.OpenBlasGemm;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.Progress;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.cli.UsageException;
import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.LayerRange;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.formats.FilterChoice;
import org.uneurons.formats.MomentsFile;
import org.uneurons.formats.Provenance;

/**
 * correlate (staged mode): the activation files of model a and model b on one token shard in, that shard's partial
 * moments out (means, sums of squared deviations, co-moment blocks, b's within-layer co-moments), ready for merge
 * and finalise. The token filter is the one the activation files carry (from their token shard), unless
 * {@code --filter-ids} or {@code --no-filter} overrides it. Fused mode is the correlate-fused tool.
 */
public final class CorrelateTool extends Tool {
    public CorrelateTool() {
        super("correlate",
                "Streams the MLP activations of two models on the same tokens into partial Pearson moments (HDF5).");
    }

    public static void main(String[] argv) {
        main(new CorrelateTool(), argv);
    }

    /** The command line, checked before any file is opened. */
    record Settings(Path a, Path b, Path output, Gemm.Precision precision, int batchTokens, String hook, int threads,
                    String layersA, TokenFilter filterOption, AccumulatorChoice where) {

        static Settings parse(Args args) {
            if (args.has("filter-ids") && args.has("no-filter")) {
                throw new UsageException("--filter-ids and --no-filter exclude each other");
            }
            TokenFilter filter = args.has("no-filter") ? TokenFilter.none()
                    : args.has("filter-ids") ? TokenFilter.parseOption(args.string("filter-ids")) : null;
            Path a = args.existing("a");
            Path b = args.existing("b");
            return new Settings(a, b, args.output("output"),
                    AccumulatorChoice.precision(args),
                    args.positive("batch-tokens", 2048), args.choice("hook", "mlp_post", "mlp_post", "mlp_pre"),
                    args.positive("threads", Runtime.getRuntime().availableProcessors()), args.string("layers-a", null),
                    filter, AccumulatorChoice.parse(args));
        }

        String gemmName() {
            return precision.optionName();
        }
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(option("a", "FILE", "activations of model a (the anchor)"));
        o.addOption(option("b", "FILE", "activations of model b on the same tokens"));
        o.addOption(option("output", "FILE", "partial moments file to write"));
        o.addOption(option("gemm", "P", "precision of the batch products, totals always float64: float32 (default;"
                + " centred data), float64, tf32 or bf16 (these two need --accumulator device, their default;"
                + " emulated on --device cpu)"));
        o.addOption(option("filter-ids", "IDS", "token ids to drop, comma-separated (default: the filter the activation"
                + " files carry from their token shard)"));
        o.addOption(flag("no-filter", "keep every token"));
        o.addOption(option("batch-tokens", "N", "tokens per batch (default 2048)"));
        o.addOption(option("layers-a", "RANGE", "layers of model a to cover, FIRST-LAST or one layer (default: all); bounds memory"));
        o.addOption(option("hook", "H", "mlp_post (default) or mlp_pre"));
        o.addOption(option("threads", "N", "BLAS threads (default: all cores); with --accumulator device on cpu, PyTorch's threads"));
        o.addOption(option("device", "DEV", "cpu (default), gpu or gpu:N: where --accumulator device keeps the totals"));
        o.addOption(option("accumulator", "WHERE", "heap (Java heap, OpenBLAS products; the default on cpu) or device"
                + " (float64 arrays on --device through PyTorch; the default on a GPU)"));
    }

    @Override
    protected int doWork(Args args) {
        Settings s = Settings.parse(args);
        try (ActivationSource a = FileActivationSource.open(s.a(), s.hook());
             ActivationSource b = FileActivationSource.open(s.b(), s.hook());
             OpenBlasGemm gemm = new OpenBlasGemm(s.threads())) {
            LayerRange range = LayerRange.parse(s.layersA(), a.nLayers(), a.label());
            CorrelationRun.checkSameTokens(a, b);
            TokenFilter filter = s.filterOption() != null ? s.filterOption() : recordedFilter(a, b);
            CorrelationRun run = new CorrelationRun(a, b, range.first(), range.last(), filter, gemm, s.precision(),
                    s.batchTokens());
            announce(s, a, b, run, filter);
            warnUnchecked(a);
            warnUnchecked(b);
            MomentsFile.Info info = new MomentsFile.Info(a.model(), b.model(), List.of(a.shard()),
                    FilterChoice.describe(filter), s.gemmName(), a.nTokens(), a.modelSha256(), b.modelSha256(),
                    List.of(a.shardSha256() != null ? a.shardSha256() : b.shardSha256() != null ? b.shardSha256() : ""));
            accumulateAndWrite(s, a, run, gemm, info);
        }
        return EXIT_OK;
    }

    /** One warning line for an activation file of an earlier version: what made it cannot be checked. */
    private void warnUnchecked(ActivationSource src) {
        if (src.modelSha256() == null || src.shardSha256() == null) {
            err.println(name() + ": warning: " + Provenance.unchecked(Path.of(src.label()), "model_sha256 or shard_sha256",
                    "its model and tokens"));
        }
    }

    /** The filter both activation files carry from their token shard; they must agree. */
    static TokenFilter recordedFilter(ActivationSource a, ActivationSource b) {
        if (a.filter() == null) {
            throw new InputException(a.label() + ": no filter_ids attribute (activation files from extract carry their"
                    + " token shard's filter); pass --filter-ids (GPT-2: 50256,198) or --no-filter");
        }
        if (b.filter() != null && !b.filter().equals(a.filter())) {
            throw new InputException(b.label() + ": filter_ids " + FilterChoice.describe(b.filter()) + " differ from "
                    + a.label() + " (" + FilterChoice.describe(a.filter()) + "); both must come from the same token shard");
        }
        return a.filter();
    }

    private void announce(Settings s, ActivationSource a, ActivationSource b, CorrelationRun run, TokenFilter filter) {
        err.printf(Locale.ROOT, "correlate: %s vs %s on %s: %s, %,d tokens, filter %s, %s products%s, %s, totals %.2f GB%n",
                a.model(), b.model(), a.shard(), run.shape(), a.nTokens(), FilterChoice.describe(filter), s.gemmName(),
                s.where().onDevice() ? "" : " on " + s.threads() + " threads", s.where().describe(),
                PairMoments.bytes(run.shape()) / 1e9);
    }

    /** One pass into the totals, then the file, written block by block (device totals come back one block at a time). */
    private void accumulateAndWrite(Settings s, ActivationSource a, CorrelationRun run, OpenBlasGemm gemm,
                                    MomentsFile.Info info) {
        Progress progress = new Progress(err, "correlate", "tokens", a.nTokens(), 10);
        try (MomentAccumulator acc = s.where().create(run.shape(), gemm, s.precision())) {
            run.run(acc, progress);
            progress.finish();
            err.printf(Locale.ROOT, "correlate: %,d of %,d tokens kept after filtering%n", acc.count(), a.nTokens());
            MomentsFile.write(s.output(), acc.blocks(), info);
        }
    }
}
