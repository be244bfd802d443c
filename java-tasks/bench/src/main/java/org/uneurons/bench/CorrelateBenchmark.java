package org.uneurons.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.uneurons.core.cli.Args;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.stats.Gemm;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.formats.MomentsFile;
import org.uneurons.accumulate.DeviceMoments;
import org.uneurons.accumulate.AccumulatorChoice;
import org.uneurons.accumulate.MomentAccumulator;
import org.uneurons.blas.OpenBlasGemm;

/**
 * Benchmark of the co-moment update at GPT-2 small shapes (12 layers x 3072 neurons per model) on random
 * activations: the raw float32 GEMM rate of this machine first, then the streaming update over a range of a's
 * layers against all of b's, its effective rate (2 N_a N_b flops per token, as METHOD 9 counts) and the ratio of
 * the two; and the peak resident memory after 1x and 10x the tokens. {@code --accumulator device} runs the same
 * update with the totals on a DJL device ({@link DeviceMoments}) instead of the Java heap; the raw rates stay
 * OpenBLAS's, as the machine's yardstick. Prints figures; asserts nothing.
 */
public final class CorrelateBenchmark extends Tool {
    public CorrelateBenchmark() {
        super("correlate-benchmark",
                "Measures correlate's co-moment throughput against the machine's raw float32 GEMM rate.");
    }

    public static void main(String[] argv) {
        main(new CorrelateBenchmark(), argv);
    }

    @Override
    protected void declareOptions(Options o) {
        o.addOption(Option.builder().longOpt("layers").hasArg().desc("layers per model (default 12)").build());
        o.addOption(Option.builder().longOpt("d-mlp").hasArg().desc("neurons per layer (default 3072)").build());
        o.addOption(Option.builder().longOpt("layers-a").hasArg().desc("a's layers in the task, FIRST-LAST (default 0-3)").build());
        o.addOption(Option.builder().longOpt("batch-tokens").hasArg().desc("tokens per batch (default 4096)").build());
        o.addOption(Option.builder().longOpt("batches").hasArg().desc("batches for the 1x run; the 10x run does ten times as many (default 1)").build());
        o.addOption(Option.builder().longOpt("multiplier").hasArg().desc("the long run is this many times the 1x run (default 10)").build());
        o.addOption(Option.builder().longOpt("gemm").hasArg().desc("float32 (default), float64, tf32 or bf16 (the last two with --accumulator device)").build());
        o.addOption(Option.builder().longOpt("threads").hasArg().desc("BLAS threads (default: all cores); with --accumulator device on cpu, PyTorch's threads too").build());
        o.addOption(Option.builder().longOpt("write").hasArg().desc("also write the moments to this file and read its header back").build());
        o.addOption(Option.builder().longOpt("raw-size").hasArg().desc("size of the square raw GEMM (default 4096)").build());
        o.addOption(Option.builder().longOpt("accumulator").hasArg()
                .desc("heap (default on cpu: Java heap, OpenBLAS) or device (float64 totals on --device through PyTorch)").build());
        o.addOption(Option.builder().longOpt("device").hasArg().desc("cpu (default), gpu or gpu:N for --accumulator device").build());
    }

    @Override
    protected int doWork(Args args) {
        int layers = args.positive("layers", 12);
        int d = args.positive("d-mlp", 3072);
        String[] range = args.string("layers-a", "0-3").split("-");
        int first = Integer.parseInt(range[0]);
        int last = Integer.parseInt(range[range.length - 1]);
        int batch = args.positive("batch-tokens", 4096);
        int batches1x = args.positive("batches", 1);
        int multiplier = args.positive("multiplier", 10);
        Gemm.Precision precision = AccumulatorChoice.precision(args);
        int threads = args.positive("threads", Runtime.getRuntime().availableProcessors());
        int raw = args.positive("raw-size", 4096);
        AccumulatorChoice where = AccumulatorChoice.parse(args);

        MomentShape shape = new MomentShape(layers, d, first, last, layers, d);
        out.printf(Locale.ROOT, "machine: %d cores, OpenBLAS threads %d, load average %s, java %s, max heap %.1f GB%n",
                Runtime.getRuntime().availableProcessors(), threads, loadAverage(), System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() / 1e9);
        try (OpenBlasGemm gemm = new OpenBlasGemm(threads)) {
            double rawSquare = rawRate(gemm, raw, raw, raw, Gemm.Precision.FLOAT32);
            double rawBlock = rawRate(gemm, batch, d, d, Gemm.Precision.FLOAT32);
            double rawBest = Math.max(rawSquare, rawBlock);
            out.printf(Locale.ROOT, "raw sgemm, OpenBLAS 0.3.19 through JavaCPP (the engine): %dx%dx%d %.1f GFLOP/s;"
                    + " block shape A^T B with k=%d, %dx%d: %.1f GFLOP/s%n", raw, raw, raw, rawSquare, batch, d, d, rawBlock);
            if (Nd4jRate.available()) {
                double nd4jSquare = Nd4jRate.sgemmAtB(raw, raw, raw, threads);
                double nd4jBlock = Nd4jRate.sgemmAtB(batch, d, d, threads);
                out.printf(Locale.ROOT, "raw sgemm, ND4J 1.0.0-M2.1 Nd4j.gemm: %dx%dx%d %.1f GFLOP/s; block shape %.1f GFLOP/s%n",
                        raw, raw, raw, nd4jSquare, nd4jBlock);
                rawBest = Math.max(rawBest, Math.max(nd4jSquare, nd4jBlock));
            } else {
                out.println("raw sgemm, ND4J: not on the classpath (add its jars to measure it)");
            }
            if (precision == Gemm.Precision.FLOAT64) {
                out.printf(Locale.ROOT, "raw dgemm block shape: %.1f GFLOP/s%n", rawRate(gemm, batch, d, d, Gemm.Precision.FLOAT64));
            }

            out.printf(Locale.ROOT, "task: %s, %s products, batch %d tokens, %s, totals %.2f GB%n", shape,
                    precision.name().toLowerCase(Locale.ROOT), batch, where.describe(), PairMoments.bytes(shape) / 1e9);
            float[][] a = randomLayers(shape.layersInRangeA(), batch, d, 1);
            float[][] b = randomLayers(layers, batch, d, 2);
            try (MomentAccumulator m = where.create(shape, gemm, precision)) {
                measure(args, m, a, b, batch, batches1x, multiplier, gemm, precision, shape, layers, d, rawBest);
            }
        }
        return EXIT_OK;
    }

    /** What the timed batches gave: steady-state time and tokens (first batch excluded), memory, paired ratios. */
    private record Run(double steadySeconds, long steadyTokens, long hwmStart, long hwm1x, long hwmEnd,
                       java.util.List<Double> pairedRatios) {
    }

    /** The streaming run into {@code m}, its figures, and the optional file write. */
    private void measure(Args args, MomentAccumulator m, float[][] a, float[][] b, int batch, int batches1x,
                         int multiplier, OpenBlasGemm gemm, Gemm.Precision precision, MomentShape shape, int layers,
                         int d, double rawBest) {
        int total = multiplier * batches1x;
        Run run = runBatches(m, a, b, batch, batches1x, total, gemm, shape, d);
        printFigures(run, shape, layers, d, rawBest, batch, batches1x, total, multiplier);
        long c0 = System.nanoTime();
        PairMoments totals = m.totals();
        if (m instanceof DeviceMoments) {
            out.printf(Locale.ROOT, "totals copied back to the Java heap in %.2f s%n", (System.nanoTime() - c0) / 1e9);
        }
        if (args.has("write")) {
            writeTotals(args.path("write"), totals, precision, (long) total * batch);
        }
    }

    private Run runBatches(MomentAccumulator m, float[][] a, float[][] b, int batch, int batches1x, int total,
                           OpenBlasGemm gemm, MomentShape shape, int d) {
        long hwmStart = vmHwmKb();
        double steadySeconds = 0;
        long steadyTokens = 0;
        long hwm1x = 0;
        // A raw block product right after each batch: on a shared machine the load changes during the run, so
        // each batch is also compared with the raw rate of its own moment.
        java.util.List<Double> pairedRatios = new java.util.ArrayList<>();
        double[] rawBuf = new double[batch * d];
        SplittableRandom rr = new SplittableRandom(5);
        for (int i = 0; i < rawBuf.length; i++) {
            rawBuf[i] = rr.nextDouble() - 0.5;
        }
        for (int i = 0; i < total; i++) {
            long t0 = System.nanoTime();
            m.update(a, b, batch);
            double s = (System.nanoTime() - t0) / 1e9;
            double rawNow = 0;
            if (i > 0) { // the first batch also faults in the totals' pages
                steadySeconds += s;
                steadyTokens += batch;
                rawNow = rawBlockRate(gemm, rawBuf, batch, d);
                pairedRatios.add(2.0 * shape.neuronsA() * shape.neuronsB() * batch / s / 1e9 / rawNow);
            }
            err.printf(Locale.ROOT, "batch %d/%d: %.2f s, %.0f tokens/s, VmHWM %.2f GB, raw block sgemm after it %.1f GFLOP/s,"
                    + " load %s%n", i + 1, total, s, batch / s, vmHwmKb() / 1e6, rawNow, loadAverage());
            if (i + 1 == batches1x) {
                hwm1x = vmHwmKb();
            }
        }
        return new Run(steadySeconds, steadyTokens, hwmStart, hwm1x, vmHwmKb(), pairedRatios);
    }

    /** GFLOP/s of one raw float32 block product [batch x d]^T [batch x d]. */
    private static double rawBlockRate(OpenBlasGemm gemm, double[] rawBuf, int batch, int d) {
        try (Gemm.Operand ra = gemm.upload(batch, d, rawBuf, Gemm.Precision.FLOAT32);
             Gemm.Operand rb = gemm.upload(batch, d, rawBuf, Gemm.Precision.FLOAT32)) {
            long r0 = System.nanoTime();
            gemm.rawAtB(ra, rb);
            return 2.0 * batch * d * d / ((System.nanoTime() - r0) / 1e9) / 1e9;
        }
    }

    private void printFigures(Run run, MomentShape shape, int layers, int d, double rawBest, int batch, int batches1x,
                              int total, int multiplier) {
        double tokensPerSecond = run.steadyTokens() / run.steadySeconds();
        double coFlopsPerToken = 2.0 * shape.neuronsA() * shape.neuronsB();
        double covFlopsPerToken = (double) layers * d * (d + 1); // syrk: half of 2 d^2 per layer
        double effective = coFlopsPerToken * tokensPerSecond / 1e9;
        double withCov = (coFlopsPerToken + covFlopsPerToken) * tokensPerSecond / 1e9;
        double fullPair = 2.0 * layers * d * layers * d;
        out.printf(Locale.ROOT, "correlate throughput: %.0f tokens/s for a layers %s (%d neurons) x b (%d neurons),"
                        + " steady state over %d batches%n", tokensPerSecond, shape.rangeA(), shape.neuronsA(),
                shape.neuronsB(), total - 1);
        out.printf(Locale.ROOT, "effective co-moment rate (2 N_a N_b per token): %.1f GFLOP/s = %.1f%% of the best raw"
                + " sgemm (%.1f GFLOP/s)%n", effective, 100 * effective / rawBest, rawBest);
        java.util.List<Double> ratios = new java.util.ArrayList<>(run.pairedRatios());
        if (!ratios.isEmpty()) {
            java.util.Collections.sort(ratios);
            out.printf(Locale.ROOT, "paired with a raw block sgemm timed right after each batch: median ratio %.1f%%"
                            + " (range %.1f%%-%.1f%% over %d batches)%n", 100 * ratios.get(ratios.size() / 2),
                    100 * ratios.get(0), 100 * ratios.get(ratios.size() - 1), ratios.size());
        }
        out.printf(Locale.ROOT, "including b's within-layer co-moments (syrk): %.1f GFLOP/s = %.1f%% of raw%n",
                withCov, 100 * withCov / rawBest);
        out.printf(Locale.ROOT, "full pair equivalent (%d x %d neurons): %.0f tokens/s on this machine%n",
                layers * d, layers * d, effective * 1e9 / fullPair);
        out.printf(Locale.ROOT, "peak resident memory (VmHWM): %.2f GB before, %.2f GB after %d tokens (1x), %.2f GB"
                        + " after %d tokens (%dx)%n", run.hwmStart() / 1e6, run.hwm1x() / 1e6, (long) batches1x * batch,
                run.hwmEnd() / 1e6, (long) total * batch, multiplier);
    }

    private void writeTotals(Path file, PairMoments totals, Gemm.Precision precision, long tokens) {
        long t0 = System.nanoTime();
        MomentsFile.write(file, totals, new MomentsFile.Info("bench-a", "bench-b", java.util.List.of("random"), "none",
                precision.name().toLowerCase(Locale.ROOT), tokens));
        double w = (System.nanoTime() - t0) / 1e9;
        MomentsFile.Header h = MomentsFile.readHeader(file);
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            size = -1;
        }
        out.printf(Locale.ROOT, "moments file: %.2f GB written in %.1f s (%.0f MB/s), header reads back n=%d;"
                + " VmHWM now %.2f GB%n", size / 1e9, w, size / 1e6 / w, h.n(), vmHwmKb() / 1e6);
    }

    /** Best of three timed runs after one warm-up, in GFLOP/s. */
    private double rawRate(OpenBlasGemm gemm, int k, int m, int n, Gemm.Precision p) {
        double[] x = new double[Math.max(k * m, k * n)];
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextDouble() - 0.5;
        }
        double best = 0;
        try (Gemm.Operand a = gemm.upload(k, m, x, p); Gemm.Operand b = gemm.upload(k, n, x, p)) {
            for (int rep = 0; rep < 4; rep++) {
                long t0 = System.nanoTime();
                gemm.rawAtB(a, b);
                double s = (System.nanoTime() - t0) / 1e9;
                if (rep > 0) {
                    best = Math.max(best, 2.0 * k * m * n / s / 1e9);
                }
            }
        }
        return best;
    }

    /** Leaky-rectified Gaussians: roughly the shape of MLP activations (mostly small, a positive tail). */
    private static float[][] randomLayers(int count, int tokens, int d, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] x = new float[count][tokens * d];
        for (float[] layer : x) {
            for (int i = 0; i < layer.length; i++) {
                double z = rng.nextGaussian();
                layer[i] = (float) (z > 0 ? z : 0.1 * z);
            }
        }
        return x;
    }

    static long vmHwmKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: report 0
        }
        return 0;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
