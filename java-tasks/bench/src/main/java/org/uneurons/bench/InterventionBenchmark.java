package org.uneurons.bench;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.Tool;
import org.uneurons.formats.ModelConfig;
import org.uneurons.models.Devices;
import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.models.Intervention;
import org.uneurons.models.NativeTuning;
import org.uneurons.models.TransformerModel;

/**
 * The intervene task's four kinds of forward pass (docs/interventions.md) on a random-init GPT-2 held in memory:
 * the unchanged run with its hooks and unembedding, an entropy run (a fixed activation, unembedded twice: own and
 * frozen LayerNorm scale), a query-path ablation stopped after the head's layer, and a zero ablation with its
 * softmax. Prints tokens/s and FLOP rates next to the raw float32 GEMM rate measured in the same run, and the time
 * the task would take at the default choices and a token budget.
 */
public final class InterventionBenchmark extends Tool {
    public InterventionBenchmark() {
        super("intervention-benchmark", "Forward passes of the intervene task, against the raw float32 GEMM rate.");
    }

    public static void main(String[] a) {
        main(new InterventionBenchmark(), a);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(Option.builder().longOpt("layers").hasArg().desc("layers (default 12)").build());
        o.addOption(Option.builder().longOpt("d-model").hasArg().desc("model width (default 768)").build());
        o.addOption(Option.builder().longOpt("heads").hasArg().desc("attention heads (default 12)").build());
        o.addOption(Option.builder().longOpt("vocab").hasArg().desc("vocabulary (default 50257)").build());
        o.addOption(Option.builder().longOpt("ctx").hasArg().desc("tokens per sequence (default 256)").build());
        o.addOption(Option.builder().longOpt("batch").hasArg().desc("sequences per pass (default 8)").build());
        o.addOption(Option.builder().longOpt("repeats").hasArg().desc("timed passes per kind (default 2)").build());
        o.addOption(Option.builder().longOpt("budget").hasArg().desc("token budget of the estimate (default 65536)").build());
        o.addOption(Option.builder().longOpt("gemm-size").hasArg().desc("square GEMM size (default 2048)").build());
        o.addOption(Option.builder().longOpt("device").hasArg().desc("cpu, gpu or gpu:N (default cpu)").build());
    }

    @Override
    protected int doWork(Args args) {
        NativeTuning.preferHugePages();
        int layers = args.positive("layers", 12), d = args.positive("d-model", 768), heads = args.positive("heads", 12);
        int vocab = args.positive("vocab", 50257), ctx = args.positive("ctx", 256), batch = args.positive("batch", 8);
        int repeats = args.positive("repeats", 2), gemmN = args.positive("gemm-size", 2048);
        long budget = args.longValue("budget", 65536);
        Device device = Devices.parse(args.string("device", "cpu"));
        ModelConfig cfg = ModelConfig.parse(RandomWeights.gpt2Config(layers, d, heads, 4 * d, vocab, ctx), "random-gpt2");
        out.printf(Locale.ROOT, "engine: PyTorch %s on %s, %d CPUs; model %s; batch %d x %d tokens%n",
                Engine.getEngine("PyTorch").getVersion(), device, Runtime.getRuntime().availableProcessors(), cfg, batch, ctx);
        double block = 2.0 * (4.0 * d * d + 8.0 * d * d) + 4.0 * ctx * d; // per layer per token
        double unembed = 2.0 * d * vocab;
        int mid = layers / 2;
        int[][] ids = new int[batch][ctx];
        SplittableRandom r = new SplittableRandom(3);
        for (int[] row : ids) {
            for (int t = 0; t < ctx; t++) {
                row[t] = r.nextInt(vocab);
            }
        }
        double tokens = (double) batch * ctx;
        try (TransformerModel m = TransformerModel.load(cfg, RandomWeights.gpt2(layers, d, 4 * d, vocab, ctx, 7), device);
             NDManager nm = NDManager.newBaseManager(device, "PyTorch")) {
            NDArray ga = nm.randomNormal(0, 1, new Shape(gemmN, gemmN), DataType.FLOAT32);
            NDArray gb = nm.randomNormal(0, 1, new Shape(gemmN, gemmN), DataType.FLOAT32);
            ga.matMul(gb).close();
            double gemm = 0;
            int gemmRuns = 0;
            Kind[] kinds = kinds(ids, layers, mid, ctx, layers * block, unembed, block);
            double[] perToken = new double[kinds.length];
            for (int k = 0; k < kinds.length; k++) {
                kinds[k].pass().accept(m); // warm-up
                long t0 = System.nanoTime();
                for (int i = 0; i < repeats; i++) {
                    kinds[k].pass().accept(m);
                }
                double s = (System.nanoTime() - t0) / 1e9 / repeats;
                perToken[k] = s / tokens;
                long g0 = System.nanoTime();
                ga.matMul(gb).close();
                gemm += 2.0 * gemmN * gemmN * (double) gemmN / ((System.nanoTime() - g0) / 1e9);
                gemmRuns++;
                out.printf(Locale.ROOT, "%-55s %8.2f s/pass  %,10.0f tokens/s  %7.1f GFLOP/s%n", kinds[k].name(), s,
                        tokens / s, kinds[k].flopPerToken() * tokens / s / 1e9);
            }
            double gemmRate = gemm / gemmRuns;
            double passes = 1 + 24 * 8 + 24 + 28;
            double estimate = budget * (perToken[0] + 24 * 8 * perToken[1] + 24 * perToken[2] + 28 * perToken[3]);
            double flops = budget * (kinds[0].flopPerToken() + 24 * 8 * kinds[1].flopPerToken()
                    + 24 * kinds[2].flopPerToken() + 28 * kinds[3].flopPerToken());
            out.printf(Locale.ROOT, "raw GEMM float32 %dx%d: %.1f GFLOP/s (mean of %d runs between the kinds)%n", gemmN, gemmN,
                    gemmRate / 1e9, gemmRuns);
            out.printf(Locale.ROOT, "RESULT intervene at the defaults (%.0f passes: 1 unchanged, 192 entropy, 24 path, 28 zero)"
                    + " over %,d tokens: %.3g FLOP, estimated %.0f s here = %.0f%% of the raw GEMM rate%n", passes, budget,
                    flops, estimate, 100 * flops / estimate / gemmRate);
        }
        return EXIT_OK;
    }

    /** The four kinds of pass; {@code blocks} the FLOPs per token of all blocks, {@code block} of one. */
    private static Kind[] kinds(int[][] ids, int layers, int mid, int ctx, double blocks, double unembed, double block) {
        Set<Hook> nominalHooks = EnumSet.of(Hook.MLP_POST, Hook.RESID_FINAL, Hook.LN_FINAL_SCALE, Hook.ATTN_BOS,
                Hook.HEAD_Z_NORM);
        return new Kind[] {
            new Kind("unchanged run (hooks, unembedding, metrics)", blocks + unembed, mm -> {
                try (ForwardResult f = mm.forward(ids, nominalHooks)) {
                    metrics(mm.finalLogits(f.residFinal(), null));
                }
            }),
            new Kind("entropy run (fixed activation, two unembeddings)", blocks + 2 * unembed, mm -> {
                try (ForwardResult f = mm.forward(ids, EnumSet.of(Hook.RESID_FINAL, Hook.LN_FINAL_SCALE),
                        Intervention.none().fix(layers - 1, 5, 3f))) {
                    metrics(mm.finalLogits(f.residFinal(), null));
                    metrics(mm.finalLogits(f.residFinal(), f.lnFinalScale()));
                }
            }),
            new Kind("query-path ablation (stopped after layer " + mid + ")", (mid + 1) * block, mm -> {
                try (ForwardResult f = mm.forward(ids, EnumSet.of(Hook.ATTN_BOS, Hook.HEAD_Z_NORM),
                        Intervention.none().ablateQueryPath(mid - 1, 5, mid, 0, Math.min(64, ctx - 1)).stopAfter(mid))) {
                    ForwardResult.floats(f.headZNorm(mid));
                }
            }),
            new Kind("zero ablation (softmax, metrics)", blocks + unembed, mm -> {
                try (ForwardResult f = mm.forward(ids, EnumSet.of(Hook.RESID_FINAL),
                        Intervention.none().fix(layers - 1, 5, 0f))) {
                    NDArray logits = mm.finalLogits(f.residFinal(), null);
                    metrics(logits);
                    logits.softmax(-1).sum().getFloat();
                }
            })};
    }

    private record Kind(String name, double flopPerToken, Consumer<TransformerModel> pass) {
    }

    /** What TokenMetrics does on the device: log-softmax, entropy, and a rank count against one column. */
    private static void metrics(NDArray logits) {
        NDArray logp = logits.logSoftmax(-1);
        logp.exp().mul(logp).sum(new int[] {-1}).toFloatArray();
        logits.gt(logits.get(":, :, 0:1")).toType(DataType.FLOAT32, false).sum(new int[] {-1}).toFloatArray();
    }
}
