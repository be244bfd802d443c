package org.uneurons.bench;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.apache.commons.cli.Options;
import org.uneurons.accumulate.AccumulatorChoice;
import org.uneurons.accumulate.DeviceBatch;
import org.uneurons.accumulate.DeviceMoments;
import org.uneurons.accumulate.DevicePass;
import org.uneurons.accumulate.KeptRows;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.stats.TokenFilter;
import org.uneurons.formats.ModelConfig;
import org.uneurons.models.Devices;
import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.models.NativeTuning;
import org.uneurons.models.TransformerModel;

/**
 * The fused correlation path on a device, timed: two randomly initialised GPT-2s (GPT-2 small's shape by default),
 * one pair, activations kept on the device ({@link DevicePass}: forward, filter, finite check, centring, co-moment
 * update). For each batch size it prints tokens/s per pair of the whole step (forward included) and of the
 * co-moment update alone, and compares the update's effective rate with a raw GEMM of the same precision and
 * block shape measured in the same run on the same device. Runs on {@code --device cpu} as on a GPU; prints
 * figures, asserts nothing. FLOPs and bytes on paper: docs/benchmarks.md.
 */
public final class DeviceBenchmark extends Tool {
    public DeviceBenchmark() {
        super("device-benchmark", "Times the fused correlation path on a device against a raw GEMM of the same precision.");
    }

    public static void main(String[] argv) {
        main(new DeviceBenchmark(), argv);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(option("device", "DEV", "cpu (default), gpu or gpu:N"));
        o.addOption(option("gemm", "P", "float32 (default), float64, tf32 or bf16"));
        o.addOption(option("batch-sizes", "B,B,...", "sequences per batch (default 1,2,4; on a GPU try 8,16,32)"));
        o.addOption(option("batches", "N", "timed batches per batch size, after one warm-up (default 3)"));
        o.addOption(option("layers", "N", "layers per model (default 12)"));
        o.addOption(option("d-model", "N", "residual width (default 768)"));
        o.addOption(option("heads", "N", "attention heads (default 12)"));
        o.addOption(option("d-mlp", "N", "neurons per layer (default 3072)"));
        o.addOption(option("ctx", "N", "tokens per sequence (default 1024)"));
        o.addOption(option("vocab", "N", "vocabulary (default 50257)"));
        o.addOption(option("layers-a", "RANGE", "a's layers in the pair, FIRST-LAST (default: all)"));
        o.addOption(option("threads", "N", "PyTorch CPU threads on --device cpu (default 1)"));
    }

    /** The command line. */
    record Settings(Device device, String deviceSpec, Gemm.Precision precision, List<Integer> batchSizes, int batches,
                    int layers, int dModel, int heads, int dMlp, int ctx, int vocab, int firstA, int lastA) {
        static Settings parse(Args args) {
            if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
                System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(args.positive("threads", 1)));
            }
            NativeTuning.preferHugePages();
            List<Integer> sizes = new ArrayList<>();
            for (String b : args.string("batch-sizes", "1,2,4").split(",")) {
                sizes.add(Integer.parseInt(b.trim()));
            }
            int layers = args.positive("layers", 12);
            String[] range = args.string("layers-a", "0-" + (layers - 1)).split("-");
            String spec = args.string("device", "cpu");
            return new Settings(Devices.parse(spec), spec, AccumulatorChoice.precision(args), sizes,
                    args.positive("batches", 3), layers, args.positive("d-model", 768), args.positive("heads", 12),
                    args.positive("d-mlp", 3072), args.positive("ctx", 1024), args.positive("vocab", 50257),
                    Integer.parseInt(range[0]), Integer.parseInt(range[range.length - 1]));
        }

        MomentShape shape() {
            return new MomentShape(layers, dMlp, firstA, lastA, layers, dMlp);
        }

        /** Forward FLOPs per token as the model runs them (ExtractBenchmark's count), no unembedding. */
        double forwardFlops() {
            return 2.0 * layers * (4.0 * dModel * dModel + 2.0 * dModel * dMlp) + 4.0 * layers * ctx * dModel;
        }

        /** Co-moment FLOPs per token: 2 N_a N_b (METHOD 9), and b's within-layer blocks (full matMuls here). */
        double updateFlops() {
            MomentShape s = shape();
            return 2.0 * s.neuronsA() * s.neuronsB() + 2.0 * layers * (double) dMlp * dMlp;
        }
    }

    @Override
    protected int doWork(Args args) {
        Settings s = Settings.parse(args);
        out.printf(Locale.ROOT, "device %s (PyTorch %s, %d GPU(s) visible), %s products, load average %s%n",
                s.deviceSpec(), Engine.getEngine("PyTorch").getVersion(), Engine.getEngine("PyTorch").getGpuCount(),
                s.precision().optionName(), CorrelateBenchmark.loadAverage());
        out.printf(Locale.ROOT, "models: 2 x random GPT-2, %d layers, d_model %d, %d heads, d_mlp %d, ctx %d, vocab %d;"
                + " pair %s, totals %.2f GB on the device%n", s.layers(), s.dModel(), s.heads(), s.dMlp(), s.ctx(),
                s.vocab(), s.shape(), PairMoments.bytes(s.shape()) / 1e9);
        out.printf(Locale.ROOT, "FLOPs per token per pair: forward 2 x %.1f M, co-moments %.1f M (2 N_a N_b + 2 L d^2)%n",
                s.forwardFlops() / 1e6, s.updateFlops() / 1e6);
        List<TransformerModel> models = new ArrayList<>();
        try {
            for (long seed : new long[] {1, 2}) {
                ModelConfig cfg = ModelConfig.parse(RandomWeights.gpt2Config(s.layers(), s.dModel(), s.heads(), s.dMlp(),
                        s.vocab(), s.ctx()), "random-gpt2-" + seed);
                models.add(TransformerModel.load(cfg, RandomWeights.gpt2(s.layers(), s.dModel(), s.dMlp(), s.vocab(),
                        s.ctx(), seed), s.device()));
            }
            for (int b : s.batchSizes()) {
                measure(s, models, b);
            }
        } finally {
            models.forEach(TransformerModel::close);
        }
        return EXIT_OK;
    }

    /** One batch size: the whole step, the forward alone, the update alone, and the raw GEMM right after. */
    private void measure(Settings s, List<TransformerModel> models, int batch) {
        int[][] tokens = randomTokens(batch, s.ctx(), s.vocab(), 17 + batch);
        int rows = batch * s.ctx();
        TokenFilter filter = new TokenFilter(TokenFilter.GPT2_EOT, TokenFilter.GPT2_NEWLINE);
        try (DeviceMoments m = new DeviceMoments(s.shape(), s.device(), s.precision())) {
            DevicePass pass = new DevicePass(models, List.of("a", "b"), List.of(new int[] {0, 1}), List.of(m), filter,
                    Hook.MLP_POST);
            pass.step(tokens, 0); // warm-up: allocator, causal mask, kernels
            m.synchronize();
            long t0 = System.nanoTime();
            int kept = 0;
            for (int i = 0; i < s.batches(); i++) {
                kept = pass.step(tokens, 0);
            }
            m.synchronize();
            double step = (System.nanoTime() - t0) / 1e9 / s.batches();
            double forward = forwardSeconds(s, models.get(0), tokens);
            double update = updateSeconds(s, models, tokens, filter, m);
            double raw = RawGemm.rate(s.device(), s.precision(), kept, s.dMlp(), s.batches());
            report(s, batch, rows, kept, step, forward, update, raw);
        }
    }

    private void report(Settings s, int batch, int rows, int kept, double step, double forward, double update,
                        double raw) {
        double effective = s.updateFlops() * kept / update;
        out.printf(Locale.ROOT, "batch %d x %d = %,d tokens (%,d kept): step %.3f s = %,.0f tokens/s per pair (forward"
                        + " %.3f s per model, filter + check + centring + the rest %.3f s); update alone %.3f s = %,.0f"
                        + " tokens/s per pair, %.1f GFLOP/s = %.0f%% of the raw %s GEMM [%d x %d]^T[%d x %d] on %s,"
                        + " %.1f GFLOP/s%n", batch, s.ctx(), rows, kept, step, rows / step, forward,
                step - 2 * forward - update, update, kept / update, effective / 1e9, 100 * effective / raw,
                s.precision().optionName(), kept, s.dMlp(), kept, s.dMlp(), s.deviceSpec(), raw / 1e9);
    }

    /** Mean seconds of one forward with mlp_post hooked, results left on the device (synchronised by one read). */
    private static double forwardSeconds(Settings s, TransformerModel model, int[][] tokens) {
        long t0 = System.nanoTime();
        for (int i = 0; i < s.batches(); i++) {
            try (ForwardResult r = model.forward(tokens, EnumSet.of(Hook.MLP_POST));
                 NDArray one = r.mlpPost(s.layers() - 1).get(0, 0, 0)) {
                one.toFloatArray();
            }
        }
        return (System.nanoTime() - t0) / 1e9 / s.batches();
    }

    /** Mean seconds of DeviceMoments.update alone, on two batches prepared once (outside the timing). */
    private static double updateSeconds(Settings s, List<TransformerModel> models, int[][] tokens, TokenFilter filter,
                                        DeviceMoments m) {
        int rows = tokens.length * s.ctx();
        int[] ids = new int[rows];
        for (int q = 0; q < tokens.length; q++) {
            System.arraycopy(tokens[q], 0, ids, q * s.ctx(), s.ctx());
        }
        try (KeptRows keep = KeptRows.of(s.device(), ids, 0, rows, filter);
             DeviceBatch a = prepared(s, models.get(0), tokens, keep);
             DeviceBatch b = prepared(s, models.get(1), tokens, keep)) {
            m.update(a, b); // warm-up
            m.synchronize();
            long t0 = System.nanoTime();
            for (int i = 0; i < s.batches(); i++) {
                m.update(a, b);
            }
            m.synchronize();
            return (System.nanoTime() - t0) / 1e9 / s.batches();
        }
    }

    private static DeviceBatch prepared(Settings s, TransformerModel model, int[][] tokens, KeptRows keep) {
        try (ForwardResult r = model.forward(tokens, EnumSet.of(Hook.MLP_POST))) {
            List<NDArray> layers = new ArrayList<>();
            for (int l = 0; l < s.layers(); l++) {
                layers.add(r.mlpPost(l));
            }
            return DeviceBatch.of(layers, keep, s.precision(), new DeviceBatch.Origin("bench", "mlp_post", 0, s.ctx()));
        }
    }

    static int[][] randomTokens(int batch, int ctx, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[][] t = new int[batch][ctx];
        for (int[] row : t) {
            for (int i = 0; i < ctx; i++) {
                row[i] = r.nextInt(vocab);
            }
        }
        return t;
    }

    /** The raw GEMM the update is compared with: {@code A^T B}, A and B [k x d], in the precision's format. */
    static final class RawGemm {
        private RawGemm() {
        }

        /** FLOP/s of {@code reps} products after one warm-up, synchronised by reading one value back. */
        static double rate(Device device, Gemm.Precision p, int k, int d, int reps) {
            DataType type = p == Gemm.Precision.FLOAT64 ? DataType.FLOAT64 : DataType.FLOAT32;
            try (NDManager m = NDManager.newBaseManager(device, "PyTorch")) {
                NDArray a = m.randomNormal(new Shape(k, d)).toType(type, false);
                NDArray b = m.randomNormal(new Shape(k, d)).toType(type, false);
                NDArray at = a.transpose();
                readOne(at.matMul(b)); // warm-up
                long t0 = System.nanoTime();
                NDArray last = null;
                for (int i = 0; i < Math.max(1, reps); i++) {
                    if (last != null) {
                        last.close();
                    }
                    last = at.matMul(b);
                }
                readOne(last);
                double seconds = (System.nanoTime() - t0) / 1e9 / Math.max(1, reps);
                return 2.0 * k * d * d / seconds;
            }
        }

        /** Reads one value back: waits for the device's queued work. */
        private static void readOne(NDArray x) {
            try (NDArray one = x.get(0, 0); NDArray wide = one.toType(DataType.FLOAT64, false)) {
                wide.toDoubleArray();
            }
        }
    }
}
