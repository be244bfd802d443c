package org.uneurons.chains;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.correlatefused.CorrelateFusedTool;
import org.uneurons.extract.ExtractTool;
import org.uneurons.formats.MomentsFile;
import org.uneurons.formats.NeuronStatsFile;
import org.uneurons.formats.StatsColumns;
import org.uneurons.formats.TopActivations;
import org.uneurons.formats.testing.MomentsDiff;
import org.uneurons.formats.testing.MomentsDiff.Diff;
import org.uneurons.merge.MergeTool;
import org.uneurons.models.ThreeModels;
import org.uneurons.statsfinal.StatsFinalTool;
import org.uneurons.statspartial.StatsPartialTool;

/**
 * How a run is cut into tasks must not change its numbers: chunks of shards (any grouping, merged) against one pass,
 * blocks of a's layers against all layers, and the statistics accumulated during fused correlation against
 * stats-partial on extracted activations. Random GPT-2 checkpoints, three shards of unequal length.
 */
class ChunksAndBlocksTest {
    @TempDir
    static Path dir;
    static List<Path> checkpoints;
    /** toks.00000 (5 sequences), toks.00001 (3), toks.00002 (4). */
    static List<Path> shards = new ArrayList<>();

    @BeforeAll
    static void inputs() {
        ThreeModels m = ThreeModels.write(dir);
        checkpoints = m.checkpoints();
        shards.add(m.shard());
        shards.add(ThreeModels.moreTokens(dir.resolve("toks.00001.h5"), 3, 11));
        shards.add(ThreeModels.moreTokens(dir.resolve("toks.00002.h5"), 4, 12));
    }

    /** correlate-fused of m1 with m3 (anchor m1, or m3 with --anchor-m3) over the shards, float64; returns the outdir. */
    private static Path fused(String outName, List<Path> chunk, String... extra) {
        Path out = dir.resolve(outName);
        List<String> rest = new ArrayList<>(List.of(extra));
        // "--anchor-m3" (this helper's own flag) swaps the pair to m3 against m1
        boolean m3First = rest.remove("--anchor-m3");
        String models = m3First ? checkpoints.get(2) + "," + checkpoints.get(0) : checkpoints.get(0) + "," + checkpoints.get(2);
        List<String> argv = new ArrayList<>(List.of("--checkpoints", models, "--pairs", "anchor", "--outdir",
                out.toString(), "--gemm", "float64", "--batch-size", "2"));
        chunk.forEach(s -> argv.addAll(List.of("--shard", s.toString())));
        argv.addAll(rest);
        ToolRunner r = ToolRunner.run(new CorrelateFusedTool(), argv.toArray(String[]::new));
        assertEquals(0, r.exitCode, r.toString());
        return out;
    }

    private static Path merge(Path output, Path... inputs) {
        List<String> argv = new ArrayList<>();
        for (Path p : inputs) {
            argv.addAll(List.of("--input", p.toString()));
        }
        argv.addAll(List.of("--output", output.toString()));
        ToolRunner r = ToolRunner.run(new MergeTool(), argv.toArray(String[]::new));
        assertEquals(0, r.exitCode, r.toString());
        return output;
    }

    @Test
    void anyGroupingOfShardsIntoChunksGivesTheSameMoments() {
        Path one = fused("one-chunk", shards, "--chunk", "all").resolve("m1__m3.all.h5");
        Path[] perShard = new Path[3];
        for (int i = 0; i < 3; i++) {
            perShard[i] = fused("shard" + i, List.of(shards.get(i))).resolve("m1__m3.toks.0000" + i + ".h5");
        }
        Path firstTwo = fused("first-two", shards.subList(0, 2), "--chunk", "c0").resolve("m1__m3.c0.h5");
        Path mergedShards = merge(dir.resolve("merged-shards.h5"), perShard);
        Path mergedChunks = merge(dir.resolve("merged-chunks.h5"), firstTwo, perShard[2]);
        assertEquals(List.of("toks.00000.h5", "toks.00001.h5", "toks.00002.h5"), MomentsFile.readHeader(one).info().shards());
        assertEquals(12L * ThreeModels.CTX, MomentsFile.readHeader(one).info().tokensRead());
        // MomentsDiff also asserts equal headers: the same shards, token counts and filter whatever the grouping
        Diff a = MomentsDiff.compare(mergedShards, one);
        Diff b = MomentsDiff.compare(mergedChunks, one);
        // the device path (activations kept on the device; here DJL's CPU device) over the same chunk
        Path device = fused("device-chunk", shards, "--chunk", "all", "--device", "cpu", "--accumulator", "device")
                .resolve("m1__m3.all.h5");
        Diff c = MomentsDiff.compare(one, device);
        System.out.printf(Locale.ROOT, "one chunk vs three merged: max |d|/scale %.2e; vs two chunks merged %.2e;"
                + " heap vs device totals %.2e%n", a.scaled, b.scaled, c.scaled);
    }

    @Test
    void threeBlocksOfLayersEqualOneBlock() {
        // m3 (3 layers) as a: one task per layer against one task for all three
        Path whole = fused("whole", shards, "--anchor-m3", "--chunk", "all").resolve("m3__m1.all.h5");
        PairMoments w = MomentsFile.read(whole);
        assertEquals(3, w.shape().layersInRangeA());
        for (int first = 0; first < 3; first++) {
            Path part = fused("block" + first, shards, "--anchor-m3", "--chunk", "all", "--layers-a",
                    Integer.toString(first)).resolve("m3__m1.all.h5");
            PairMoments p = MomentsFile.read(part);
            MomentShape s = p.shape();
            assertEquals(first, s.firstLayerA());
            assertEquals(first, s.lastLayerA());
            assertEquals(w.count(), p.count());
            for (int i = 0; i < s.neuronsA(); i++) {
                int row = first * s.dA() + i;
                near(w.m2A()[row], p.m2A()[i], w.m2A()[row], "m2_a " + row);
                near(w.meanA()[row], p.meanA()[i], Math.max(Math.abs(w.meanA()[row]), Math.sqrt(w.m2A()[row] / w.count())),
                        "mean_a " + row);
            }
            for (int lb = 0; lb < s.nLayersB(); lb++) {
                double[][] x = w.comoment(first, lb), y = p.comoment(0, lb);
                for (int i = 0; i < s.dA(); i++) {
                    for (int j = 0; j < s.dB(); j++) {
                        double scale = Math.sqrt(w.m2A()[first * s.dA() + i] * w.m2B()[lb * s.dB() + j]);
                        near(x[i][j], y[i][j], scale, "comoment " + first + "/" + lb + " [" + i + "][" + j + "]");
                    }
                }
                double[][] cx = w.covB(lb), cy = p.covB(lb);
                for (int i = 0; i < s.dB(); i++) {
                    for (int j = 0; j < s.dB(); j++) {
                        double scale = Math.sqrt(w.m2B()[lb * s.dB() + i] * w.m2B()[lb * s.dB() + j]);
                        near(cx[i][j], cy[i][j], scale, "cov_b " + lb);
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "three layer blocks vs one: max |d|/scale %.2e%n", worstBlock);
    }

    /** Largest |d| / scale seen by {@link #near}, for the printed figure. */
    private static double worstBlock;

    private static void near(double want, double got, double scale, String what) {
        double d = Math.abs(want - got);
        assertTrue(d == 0 || d <= 1e-9 * scale, what + ": " + want + " vs " + got);
        worstBlock = Math.max(worstBlock, d == 0 ? 0 : d / scale);
    }

    /**
     * Heap totals (activations copied to Java) and device totals (activations kept on the device, DevicePass), with
     * activations stored as float32 and as float16 (staged: extract --dtype float16; fused: rounded in memory).
     */
    @ParameterizedTest
    @CsvSource({"heap,float32", "device,float32", "heap,float16", "device,float16"})
    void statisticsFromFusedEqualStatsPartialOnExtractedActivations(String accumulator, String dtype) {
        // fused: m3's statistics over the chunk, in the same pass as the moments
        String run = accumulator + "-" + dtype;
        Path out = fused("stats-" + run, shards, "--chunk", "all", "--stats-model", "m3", "--stats-top-k", "5",
                "--device", "cpu", "--accumulator", accumulator, "--dtype", dtype);
        Path fusedPartial = out.resolve("m3.all.stats-partial.h5");
        assertTrue(Files.exists(fusedPartial));
        // staged: extract m3 per shard, stats-partial over the activation files
        List<String> argv = new ArrayList<>();
        for (Path s : shards) {
            Path acts = dir.resolve("acts-m3-" + dtype + "-" + s.getFileName());
            ToolRunner r = ToolRunner.run(new ExtractTool(), "--checkpoint", checkpoints.get(2).toString(), "--shard",
                    s.toString(), "--output", acts.toString(), "--batch-size", "2", "--hooks", "mlp_post,mlp_pre",
                    "--dtype", dtype);
            assertEquals(0, r.exitCode, r.toString());
            argv.addAll(List.of("--activations", acts.toString()));
        }
        Path stagedPartial = dir.resolve("m3.staged-" + run + ".stats-partial.h5");
        argv.addAll(List.of("--output", stagedPartial.toString(), "--top-k", "5"));
        ToolRunner r = ToolRunner.run(new StatsPartialTool(), argv.toArray(String[]::new));
        assertEquals(0, r.exitCode, r.toString());
        Path fusedStats = statsFinal(fusedPartial, "fused-" + run + ".stats.h5");
        Path stagedStats = statsFinal(stagedPartial, "staged-" + run + ".stats.h5");
        StatsColumns f = NeuronStatsFile.readColumns(fusedStats);
        StatsColumns g = NeuronStatsFile.readColumns(stagedStats);
        assertEquals(g.columns().keySet(), f.columns().keySet());
        double worst = 0;
        for (String col : g.columns().keySet()) {
            double[] x = g.columns().get(col), y = f.columns().get(col);
            for (int i = 0; i < x.length; i++) {
                double d = Math.abs(x[i] - y[i]);
                double scale = Math.max(1e-12, Math.max(Math.abs(x[i]), Math.abs(y[i])));
                assertTrue(d <= 1e-9 * scale || Double.compare(x[i], y[i]) == 0, col + "[" + i + "]: staged " + x[i]
                        + " vs fused " + y[i]);
                worst = Math.max(worst, d / scale);
            }
        }
        TopActivations ts = NeuronStatsFile.readTop(stagedStats);
        TopActivations tf = NeuronStatsFile.readTop(fusedStats);
        assertEquals(ts.shards, tf.shards);
        assertEquals(ts.nTokens, tf.nTokens);
        assertTrue(Arrays.deepEquals(ts.sources, tf.sources), "the same top activating tokens: shards");
        assertTrue(Arrays.deepEquals(ts.rows, tf.rows), "the same top activating tokens: rows");
        assertTrue(Arrays.deepEquals(ts.values, tf.values), "the same top activations");
        System.out.printf(Locale.ROOT, "stats fused (%s totals, %s) vs staged: max relative difference %.2e%n",
                accumulator, dtype, worst);
    }

    private static Path statsFinal(Path partial, String name) {
        Path out = dir.resolve(name);
        ToolRunner r = ToolRunner.run(new StatsFinalTool(), "--partial", partial.toString(), "--checkpoint",
                checkpoints.get(2).toString(), "--output", out.toString(), "--threads", "1");
        assertEquals(0, r.exitCode, r.toString());
        return out;
    }
}
