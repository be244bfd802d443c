package org.uneurons.extract;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.Tool;
import org.uneurons.models.Devices;
import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.models.ModelConfig;
import org.uneurons.models.NativeTuning;
import org.uneurons.models.TransformerModel;

/**
 * Measures extraction throughput on this machine with a randomly initialised GPT-2 (small by default, held in
 * memory, never written), converts it to the forward pass's FLOP rate, and measures in the same run the raw
 * float32 GEMM rate of the same engine, so the two can be compared. Prints figures on stdout.
 */
public final class ExtractBenchmark extends Tool {
    public static void main(String[] a) {
        main(new ExtractBenchmark(), a);
    }

    @Override
    public String name() {
        return "extract-benchmark";
    }

    @Override
    public String description() {
        return "Extraction throughput (tokens/s) and forward FLOP rate versus the raw float32 GEMM rate, "
                + "on a random-init GPT-2 held in memory.";
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(Option.builder().longOpt("layers").hasArg().desc("layers (default 12)").build());
        o.addOption(Option.builder().longOpt("d-model").hasArg().desc("model width (default 768)").build());
        o.addOption(Option.builder().longOpt("heads").hasArg().desc("attention heads (default 12)").build());
        o.addOption(Option.builder().longOpt("d-mlp").hasArg().desc("MLP width (default 4 x d-model)").build());
        o.addOption(Option.builder().longOpt("vocab").hasArg().desc("vocabulary (default 50257)").build());
        o.addOption(Option.builder().longOpt("ctx").hasArg().desc("sequence length (default 1024)").build());
        o.addOption(Option.builder().longOpt("batch-sizes").hasArg()
                .desc("sequences per forward to try, comma-separated (default 1,2,4)").build());
        o.addOption(Option.builder().longOpt("batches").hasArg().desc("timed batches per setting (default 3)").build());
        o.addOption(Option.builder().longOpt("threads").hasArg()
                .desc("PyTorch intra-op threads (default: PyTorch's own choice)").build());
        o.addOption(Option.builder().longOpt("gemm-size").hasArg().desc("square GEMM size (default 4096)").build());
        o.addOption(Option.builder().longOpt("device").hasArg().desc("cpu, gpu or gpu:N (default cpu)").build());
    }

    @Override
    protected int doWork(Args args) {
        NativeTuning.preferHugePages();
        if (args.has("threads")) {
            // Read by the PyTorch engine when it starts, so set before the first DJL call.
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(args.positive("threads", 1)));
        }
        int layers = args.positive("layers", 12);
        int d = args.positive("d-model", 768);
        int heads = args.positive("heads", 12);
        int dMlp = args.positive("d-mlp", 4 * d);
        int vocab = args.positive("vocab", 50257);
        int ctx = args.positive("ctx", 1024);
        int batches = args.positive("batches", 3);
        int gemmN = args.positive("gemm-size", 4096);
        List<Integer> batchSizes = new ArrayList<>();
        for (String s : args.strings("batch-sizes")) {
            batchSizes.add(Integer.parseInt(s));
        }
        if (batchSizes.isEmpty()) {
            batchSizes = List.of(1, 2, 4);
        }
        Device device = Devices.parse(args.string("device", "cpu"));
        out.printf(Locale.ROOT, "engine: PyTorch %s on %s, intra-op threads %d, inter-op threads %d, %d CPUs%n",
                Engine.getEngine("PyTorch").getVersion(), device, JniUtils.getNumThreads(),
                JniUtils.getNumInteropThreads(), Runtime.getRuntime().availableProcessors());
        out.printf(Locale.ROOT, "load average at start: %s%n", loadAverage());

        long t0 = System.nanoTime();
        ModelConfig cfg = ModelConfig.parse(RandomWeights.gpt2Config(layers, d, heads, dMlp, vocab, ctx), "random-gpt2");
        TransformerModel model;
        {
            RandomWeights w = RandomWeights.gpt2(layers, d, dMlp, vocab, ctx, 1234);
            model = TransformerModel.load(cfg, w, device);
        }
        out.printf(Locale.ROOT, "model: %s (random init, built in %.1f s)%n", cfg, (System.nanoTime() - t0) / 1e9);

        // FLOPs of the forward pass as run: every weight matmul (2 FLOPs per multiply-add) plus attention's QK^T and
        // AV over the full seq x seq square (the causal mask is applied after), no unembedding (not needed).
        double matmulPerToken = 2.0 * layers * (4.0 * d * d + 2.0 * d * dMlp);
        double attnPerToken = 4.0 * layers * (double) ctx * d;
        double flopPerToken = matmulPerToken + attnPerToken;
        out.printf(Locale.ROOT, "forward FLOPs/token = 2*L*(4*d^2 + 2*d*d_mlp) + 4*L*seq*d = %.1f M + %.1f M = %.1f M "
                + "(L=%d, d=%d, d_mlp=%d, seq=%d)%n", matmulPerToken / 1e6, attnPerToken / 1e6, flopPerToken / 1e6,
                layers, d, dMlp, ctx);

        double best = 0;
        String bestDesc = "";
        try (TransformerModel m = model) {
            for (int b : batchSizes) {
                int[][] tokens = randomTokens(b, ctx, vocab, 99 + b);
                // warm-up (first pass also builds the causal mask for this length)
                timedPass(m, tokens, true);
                double fwd = 0;
                double fwdCopy = 0;
                for (int i = 0; i < batches; i++) {
                    fwd += timedPass(m, tokens, false);
                    fwdCopy += timedPass(m, tokens, true);
                }
                double tokens1 = (double) b * ctx * batches;
                double tpsFwd = tokens1 / fwd;
                double tpsCopy = tokens1 / fwdCopy;
                out.printf(Locale.ROOT, "batch %d x %d tokens: forward (mlp_post hooked, kept on device) %,.0f tokens/s "
                        + "= %.1f GFLOP/s; forward + copy of all mlp_post to Java (extract path) %,.0f tokens/s = %.1f "
                        + "GFLOP/s%n", b, ctx, tpsFwd, tpsFwd * flopPerToken / 1e9, tpsCopy, tpsCopy * flopPerToken / 1e9);
                if (tpsCopy * flopPerToken > best) {
                    best = tpsCopy * flopPerToken;
                    bestDesc = "batch " + b;
                }
            }
        }

        double gemm;
        try (NDManager nm = NDManager.newBaseManager(device, "PyTorch")) {
            NDArray a = nm.randomNormal(0, 1, new Shape(gemmN, gemmN), DataType.FLOAT32);
            NDArray bb = nm.randomNormal(0, 1, new Shape(gemmN, gemmN), DataType.FLOAT32);
            a.matMul(bb).close();
            long s = System.nanoTime();
            int reps = 3;
            for (int i = 0; i < reps; i++) {
                a.matMul(bb).close();
            }
            double sec = (System.nanoTime() - s) / 1e9 / reps;
            gemm = 2.0 * gemmN * gemmN * (double) gemmN / sec;
            out.printf(Locale.ROOT, "raw GEMM float32 %dx%d @ %dx%d: %.1f GFLOP/s%n", gemmN, gemmN, gemmN, gemmN, gemm / 1e9);
            int rows = batchSizes.get(batchSizes.size() - 1) * ctx;
            NDArray x = nm.randomNormal(0, 1, new Shape(rows, d), DataType.FLOAT32);
            NDArray h = nm.randomNormal(0, 1, new Shape(rows, dMlp), DataType.FLOAT32);
            NDArray wIn = nm.randomNormal(0, 1, new Shape(dMlp, d), DataType.FLOAT32);
            NDArray bIn = nm.zeros(new Shape(dMlp));
            NDArray wOut = nm.randomNormal(0, 1, new Shape(d, dMlp), DataType.FLOAT32);
            NDArray bOut = nm.zeros(new Shape(d));
            double mlpIn = linearRate(x, wIn, bIn, rows, d, dMlp);
            double mlpOut = linearRate(h, wOut, bOut, rows, dMlp, d);
            out.printf(Locale.ROOT, "MLP GEMMs as run (linear with bias): [%d x %d] x [%d x %d]^T %.1f GFLOP/s, "
                    + "[%d x %d] x [%d x %d]^T %.1f GFLOP/s%n", rows, d, dMlp, d, mlpIn / 1e9, rows, dMlp, d, dMlp,
                    mlpOut / 1e9);
        }
        out.printf(Locale.ROOT, "best extract-path forward rate %.1f GFLOP/s (%s) = %.0f%% of the raw %dx%d GEMM rate%n",
                best / 1e9, bestDesc, 100 * best / gemm, gemmN, gemmN);
        out.printf(Locale.ROOT, "load average at end: %s%n", loadAverage());
        return EXIT_OK;
    }

    private static double linearRate(NDArray x, NDArray w, NDArray b, int rows, int in, int outDim) {
        Linear.linear(x, w, b).singletonOrThrow().close();
        int reps = 5;
        long s = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            Linear.linear(x, w, b).singletonOrThrow().close();
        }
        double sec = (System.nanoTime() - s) / 1e9 / reps;
        return 2.0 * rows * in * (double) outDim / sec;
    }

    /** Seconds for one forward pass hooking mlp_post; with {@code copy}, also reading every layer into Java. */
    private static double timedPass(TransformerModel m, int[][] tokens, boolean copy) {
        long s = System.nanoTime();
        try (ForwardResult r = m.forward(tokens, EnumSet.of(Hook.MLP_POST))) {
            for (int l = 0; l < m.config().nLayers; l++) {
                NDArray a = r.mlpPost(l);
                if (copy) {
                    a.toFloatArray();
                }
            }
        }
        return (System.nanoTime() - s) / 1e9;
    }

    private static int[][] randomTokens(int batch, int seq, int vocab, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        int[][] t = new int[batch][seq];
        for (int[] row : t) {
            for (int i = 0; i < seq; i++) {
                row[i] = r.nextInt(vocab);
            }
        }
        return t;
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException | RuntimeException e) {
            return String.format(Locale.ROOT, "%.2f", java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}
