package org.uneurons.bench;

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
import org.uneurons.formats.ActivationFile;
import org.uneurons.models.Devices;
import org.uneurons.models.ForwardResult;
import org.uneurons.models.Hook;
import org.uneurons.formats.ModelConfig;
import org.uneurons.models.NativeTuning;
import org.uneurons.models.TransformerModel;

/**
 * Measures extraction throughput on this machine with a randomly initialised GPT-2 (small by default, held in
 * memory, never written), converts it to the forward pass's FLOP rate, and measures in the same run the raw
 * float32 GEMM rate of the same engine, so the two can be compared. Prints figures on stdout.
 */
public final class ExtractBenchmark extends Tool {
    public ExtractBenchmark() {
        super("extract-benchmark",
                "Extraction throughput (tokens/s) and forward FLOP rate versus the raw float32 GEMM rate, on a "
                + "random-init GPT-2 held in memory.");
    }

    public static void main(String[] a) {
        main(new ExtractBenchmark(), a);
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
                .desc("sequences per forward to try, comma-separated (default 1,2)").build());
        o.addOption(Option.builder().longOpt("batches").hasArg().desc("timed batches per setting (default 2)").build());
        o.addOption(Option.builder().longOpt("threads").hasArg()
                .desc("PyTorch intra-op threads (default: PyTorch's own choice)").build());
        o.addOption(Option.builder().longOpt("gemm-size").hasArg().desc("square GEMM size (default 4096)").build());
        o.addOption(flag("no-output", "skip the run that also writes an activation file"));
        o.addOption(Option.builder().longOpt("device").hasArg().desc("cpu, gpu or gpu:N (default cpu)").build());
    }

    /** The benchmark's model shape and runs, from the command line. */
    private record Settings(int layers, int d, int heads, int dMlp, int vocab, int ctx, int batches, int gemmN,
                            List<Integer> batchSizes, boolean writeOutput, Device device) {
        static Settings parse(Args args) {
            int d = args.positive("d-model", 768);
            List<Integer> batchSizes = new ArrayList<>();
            for (String s : args.strings("batch-sizes")) {
                batchSizes.add(Integer.parseInt(s));
            }
            return new Settings(args.positive("layers", 12), d, args.positive("heads", 12),
                    args.positive("d-mlp", 4 * d), args.positive("vocab", 50257), args.positive("ctx", 1024),
                    args.positive("batches", 2), args.positive("gemm-size", 4096),
                    batchSizes.isEmpty() ? List.of(1, 2) : batchSizes, !args.has("no-output"),
                    Devices.parse(args.string("device", "cpu")));
        }

        /**
         * FLOPs of the forward pass as run: every weight matmul (2 FLOPs per multiply-add) plus attention's QK^T and
         * AV over the full seq x seq square (the causal mask is applied after), no unembedding (not needed).
         */
        double flopPerToken() {
            return 2.0 * layers * (4.0 * d * d + 2.0 * d * dMlp) + 4.0 * layers * (double) ctx * d;
        }
    }

    /** The best extract-path forward rate seen, per wall second and per CPU second, and its setting. */
    private static final class Best {
        double wall;
        double cpu;
        String desc = "";
    }

    @Override
    protected int doWork(Args args) {
        NativeTuning.preferHugePages();
        if (args.has("threads")) {
            // Read by the PyTorch engine when it starts, so set before the first DJL call.
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(args.positive("threads", 1)));
        }
        Settings s = Settings.parse(args);
        out.printf(Locale.ROOT, "engine: PyTorch %s on %s, intra-op threads %d, inter-op threads %d, %d CPUs%n",
                Engine.getEngine("PyTorch").getVersion(), s.device(), JniUtils.getNumThreads(),
                JniUtils.getNumInteropThreads(), Runtime.getRuntime().availableProcessors());
        out.printf(Locale.ROOT, "load average at start: %s%n", loadAverage());
        TransformerModel model = randomModel(s);
        double matmulPerToken = 2.0 * s.layers() * (4.0 * s.d() * s.d() + 2.0 * s.d() * s.dMlp());
        out.printf(Locale.ROOT, "forward FLOPs/token = 2*L*(4*d^2 + 2*d*d_mlp) + 4*L*seq*d = %.1f M + %.1f M = %.1f M "
                + "(L=%d, d=%d, d_mlp=%d, seq=%d)%n", matmulPerToken / 1e6, (s.flopPerToken() - matmulPerToken) / 1e6,
                s.flopPerToken() / 1e6, s.layers(), s.d(), s.dMlp(), s.ctx());
        // The machine may be shared: the raw GEMM rate is measured between the forward measurements (and averaged)
        // so both see the same load, and every rate is also given per CPU-second of this process, which other
        // processes' load disturbs much less than wall time.
        Best best = new Best();
        Rate gemm = new Rate();
        try (NDManager nm = NDManager.newBaseManager(s.device(), "PyTorch");
             TransformerModel m = model) {
            NDArray ga = nm.randomNormal(0, 1, new Shape(s.gemmN(), s.gemmN()), DataType.FLOAT32);
            NDArray gb = nm.randomNormal(0, 1, new Shape(s.gemmN(), s.gemmN()), DataType.FLOAT32);
            ga.matMul(gb).close(); // warm-up
            gemm.add(gemmOnce(ga, gb, s.gemmN()));
            for (int b : s.batchSizes()) {
                measureBatch(s, m, b, best);
                gemm.add(gemmOnce(ga, gb, s.gemmN()));
            }
            if (s.writeOutput()) {
                measureWriter(s, m);
                gemm.add(gemmOnce(ga, gb, s.gemmN()));
            }
            out.printf(Locale.ROOT, "raw GEMM float32 %dx%d @ %dx%d (mean of %d runs between the settings above): "
                    + "%.1f GFLOP/s; %.1f GFLOP per CPU-second%n", s.gemmN(), s.gemmN(), s.gemmN(), s.gemmN(), gemm.n,
                    gemm.perWall() / 1e9, gemm.perCpu() / 1e9);
            measureMlpGemms(s, nm);
        }
        out.printf(Locale.ROOT, "RESULT best extract-path forward rate %.1f GFLOP/s (%s) = %.0f%% of the raw %dx%d GEMM "
                + "rate %.1f GFLOP/s; per CPU-second %.1f vs %.1f = %.0f%%%n", best.wall / 1e9, best.desc,
                100 * best.wall / gemm.perWall(), s.gemmN(), s.gemmN(), gemm.perWall() / 1e9, best.cpu / 1e9,
                gemm.perCpu() / 1e9, 100 * best.cpu / gemm.perCpu());
        out.printf(Locale.ROOT, "load average at end: %s%n", loadAverage());
        return EXIT_OK;
    }

    private TransformerModel randomModel(Settings s) {
        long t0 = System.nanoTime();
        ModelConfig cfg = ModelConfig.parse(RandomWeights.gpt2Config(s.layers(), s.d(), s.heads(), s.dMlp(), s.vocab(),
                s.ctx()), "random-gpt2");
        RandomWeights w = RandomWeights.gpt2(s.layers(), s.d(), s.dMlp(), s.vocab(), s.ctx(), 1234);
        TransformerModel model = TransformerModel.load(cfg, w, s.device());
        out.printf(Locale.ROOT, "model: %s (random init, built in %.1f s)%n", cfg, (System.nanoTime() - t0) / 1e9);
        return model;
    }

    /** The forward alone, and the forward with every layer's mlp_post copied to Java (the extract path). */
    private void measureBatch(Settings s, TransformerModel m, int b, Best best) {
        int[][] tokens = randomTokens(b, s.ctx(), s.vocab(), 99 + b);
        timedPass(m, tokens, true); // warm-up (also builds the causal mask for this length)
        Rate fwd = new Rate();
        Rate copy = new Rate();
        for (int i = 0; i < s.batches(); i++) {
            fwd.add(timedPass(m, tokens, false).scale((double) b * s.ctx()));
            copy.add(timedPass(m, tokens, true).scale((double) b * s.ctx()));
        }
        double f = s.flopPerToken();
        out.printf(Locale.ROOT, "batch %d x %d tokens, %d timed batches:%n", b, s.ctx(), s.batches());
        out.printf(Locale.ROOT, "  forward, mlp_post hooked (kept on device): %,.0f tokens/s = %.1f GFLOP/s; "
                + "%.1f GFLOP per CPU-second%n", fwd.perWall(), fwd.perWall() * f / 1e9, fwd.perCpu() * f / 1e9);
        out.printf(Locale.ROOT, "  forward + copy of every layer's mlp_post into a Java float[] (extract path): %,.0f tokens/s "
                + "= %.1f GFLOP/s; %.1f GFLOP per CPU-second%n", copy.perWall(), copy.perWall() * f / 1e9,
                copy.perCpu() * f / 1e9);
        if (copy.perWall() * f > best.wall) {
            best.wall = copy.perWall() * f;
            best.cpu = copy.perCpu() * f;
            best.desc = "batch " + b;
        }
    }

    private void measureWriter(Settings s, TransformerModel m) {
        int b = s.batchSizes().get(s.batchSizes().size() - 1);
        Rate written = writeRate(m, randomTokens(b, s.ctx(), s.vocab(), 7), s.batches());
        out.printf(Locale.ROOT, "batch %d x %d tokens, %d batches through the activation file writer (float32 "
                + "mlp_post, HDF5 built and published at the end, as extract does): %,.0f tokens/s = %.1f "
                + "GFLOP/s; %.1f GFLOP per CPU-second%n", b, s.ctx(), s.batches(), written.perWall(),
                written.perWall() * s.flopPerToken() / 1e9, written.perCpu() * s.flopPerToken() / 1e9);
    }

    /** The two MLP GEMMs alone, as the forward runs them. */
    private void measureMlpGemms(Settings s, NDManager nm) {
        int d = s.d();
        int dMlp = s.dMlp();
        int rows = s.batchSizes().get(s.batchSizes().size() - 1) * s.ctx();
        NDArray x = nm.randomNormal(0, 1, new Shape(rows, d), DataType.FLOAT32);
        NDArray h = nm.randomNormal(0, 1, new Shape(rows, dMlp), DataType.FLOAT32);
        NDArray wIn = nm.randomNormal(0, 1, new Shape(dMlp, d), DataType.FLOAT32);
        NDArray bIn = nm.zeros(new Shape(dMlp));
        NDArray wOut = nm.randomNormal(0, 1, new Shape(d, dMlp), DataType.FLOAT32);
        NDArray bOut = nm.zeros(new Shape(d));
        Rate mlpIn = linearRate(x, wIn, bIn, rows, d, dMlp);
        Rate mlpOut = linearRate(h, wOut, bOut, rows, dMlp, d);
        out.printf(Locale.ROOT, "MLP GEMMs as the forward runs them (linear with bias): [%d x %d] x [%d x %d]^T "
                + "%.1f GFLOP/s (%.1f per CPU-s), [%d x %d] x [%d x %d]^T %.1f GFLOP/s (%.1f per CPU-s)%n", rows, d,
                dMlp, d, mlpIn.perWall() / 1e9, mlpIn.perCpu() / 1e9, rows, dMlp, d, dMlp, mlpOut.perWall() / 1e9,
                mlpOut.perCpu() / 1e9);
    }

    /** Work done over wall seconds and over this process's CPU seconds, accumulated over runs. */
    private static final class Rate {
        double work;
        double wall;
        double cpu;
        int n;

        Rate add(Rate r) {
            work += r.work;
            wall += r.wall;
            cpu += r.cpu;
            n++;
            return this;
        }

        Rate scale(double w) {
            work = w;
            return this;
        }

        double perWall() {
            return work / wall;
        }

        double perCpu() {
            return work / cpu;
        }
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private static Rate measure(Runnable r, double work) {
        long c = OS.getProcessCpuTime();
        long s = System.nanoTime();
        r.run();
        Rate rate = new Rate();
        rate.wall = (System.nanoTime() - s) / 1e9;
        rate.cpu = (OS.getProcessCpuTime() - c) / 1e9;
        rate.work = work;
        return rate;
    }

    private static Rate gemmOnce(NDArray a, NDArray b, int n) {
        return measure(() -> a.matMul(b).close(), 2.0 * n * n * (double) n);
    }

    private static Rate linearRate(NDArray x, NDArray w, NDArray b, int rows, int in, int outDim) {
        Linear.linear(x, w, b).singletonOrThrow().close();
        Rate total = new Rate();
        for (int i = 0; i < 5; i++) {
            total.add(measure(() -> Linear.linear(x, w, b).singletonOrThrow().close(), 2.0 * rows * in * (double) outDim));
        }
        return total;
    }

    /** One forward pass hooking mlp_post; with {@code copy}, also reading every layer into Java. Work = 1. */
    private static float[] copyBuffer = new float[0];

    private static Rate timedPass(TransformerModel m, int[][] tokens, boolean copy) {
        long n = (long) tokens.length * tokens[0].length * m.config().dMlp;
        if (copyBuffer.length < n) {
            copyBuffer = new float[Math.toIntExact(n)];
        }
        return measure(() -> {
            try (ForwardResult r = m.forward(tokens, EnumSet.of(Hook.MLP_POST))) {
                for (int l = 0; l < m.config().nLayers; l++) {
                    NDArray a = r.mlpPost(l);
                    if (copy) {
                        ForwardResult.floats(a, copyBuffer);
                    }
                }
            }
        }, 1);
    }

    /** Forward passes whose mlp_post goes through ActivationFile.Writer into a temporary file, deleted after. */
    private static Rate writeRate(TransformerModel m, int[][] tokens, int batches) {
        int nLayers = m.config().nLayers;
        int dMlp = m.config().dMlp;
        int ctx = tokens[0].length;
        int[] ids = new int[tokens.length * ctx];
        int[] pos = new int[ids.length];
        for (int s = 0; s < tokens.length; s++) {
            System.arraycopy(tokens[s], 0, ids, s * ctx, ctx);
            for (int t = 0; t < ctx; t++) {
                pos[s * ctx + t] = t;
            }
        }
        float[] buf = new float[ids.length * dMlp];
        java.nio.file.Path dir;
        try {
            dir = java.nio.file.Files.createTempDirectory("extract-bench");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        java.nio.file.Path file = dir.resolve("acts.h5");
        ActivationFile.Spec spec = new ActivationFile.Spec("random-gpt2", "random", nLayers, dMlp,
                ActivationFile.Precision.FLOAT32, List.of(ActivationFile.MLP_POST));
        try {
            return measure(() -> {
                try (ActivationFile.Writer w = ActivationFile.Writer.create(file, spec)) {
                    for (int i = 0; i < batches; i++) {
                        try (ForwardResult r = m.forward(tokens, EnumSet.of(Hook.MLP_POST))) {
                            w.appendTokens(ids, pos);
                            for (int l = 0; l < nLayers; l++) {
                                int n = ForwardResult.floats(r.mlpPost(l), buf);
                                w.append(ActivationFile.MLP_POST, l, buf, 0, n / dMlp);
                            }
                        }
                    }
                    w.finish();
                }
            }, (double) batches * ids.length);
        } finally {
            try {
                java.nio.file.Files.deleteIfExists(file);
                java.nio.file.Files.deleteIfExists(dir);
            } catch (java.io.IOException ignored) {
                // a temporary directory
            }
        }
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
