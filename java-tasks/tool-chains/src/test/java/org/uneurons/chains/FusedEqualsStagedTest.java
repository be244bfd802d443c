package org.uneurons.chains;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.extract.ExtractTool;
import org.uneurons.models.ThreeModels;
import org.uneurons.correlate.CorrelateTool;
import org.uneurons.correlatefused.CorrelateFusedTool;
import org.uneurons.formats.testing.MomentsDiff;
import org.uneurons.formats.testing.MomentsDiff.Diff;
import org.uneurons.formats.MomentsFile;

/**
 * correlate-fused against staged mode (extract, then correlate per pair) on random GPT-2 checkpoints: the same
 * moments to 1e-9 of their scale, for every pair, with the device accumulator, a layer range and the mlp_pre hook.
 */
class FusedEqualsStagedTest {
    static final int VOCAB = ThreeModels.VOCAB;
    static final int CTX = ThreeModels.CTX;
    static final int SEQS = ThreeModels.SEQS;

    @TempDir
    static Path dir;
    static Path shard;
    /** m1, m2: 2 layers x 32 neurons; m3: 3 layers x 48 neurons (pairs of unequal shapes). */
    static List<Path> checkpoints;

    @BeforeAll
    static void inputs() {
        ThreeModels m = ThreeModels.write(dir);
        checkpoints = m.checkpoints();
        shard = m.shard();
    }

    private static String name(int i) {
        return checkpoints.get(i).getFileName().toString();
    }

    /** extract with --batch-size 2, then staged correlate with --batch-tokens 40 (other boundaries than fused's). */
    private static Path staged(Path work, int a, int b, String... extra) {
        return stagedWithHooks(work, a, b, "mlp_post", extra);
    }

    /** As {@link #staged}, extracting {@code hooks} (extract's --hooks). */
    private static Path stagedWithHooks(Path work, int a, int b, String hooks, String... extra) {
        Path[] acts = new Path[2];
        int[] idx = {a, b};
        for (int k = 0; k < 2; k++) {
            acts[k] = work.resolve("acts-" + name(idx[k]) + ".h5");
            if (!Files.exists(acts[k])) {
                ToolRunner r = ToolRunner.run(new ExtractTool(), "--checkpoint", checkpoints.get(idx[k]).toString(),
                        "--shard", shard.toString(), "--output", acts[k].toString(), "--batch-size", "2", "--hooks", hooks);
                assertEquals(0, r.exitCode, r.toString());
            }
        }
        Path out = work.resolve("staged-" + name(a) + "-" + name(b) + ".h5");
        List<String> argv = new ArrayList<>(List.of("--a", acts[0].toString(), "--b", acts[1].toString(),
                "--output", out.toString(), "--gemm", "float64", "--batch-tokens", "40"));
        argv.addAll(List.of(extra));
        ToolRunner r = ToolRunner.run(new CorrelateTool(), argv.toArray(String[]::new));
        assertEquals(0, r.exitCode, r.toString());
        return out;
    }

    @Test
    void fusedEqualsStagedForEveryPair() throws IOException {
        Path work = Files.createDirectories(dir.resolve("all"));
        Path out = work.resolve("out");
        ToolRunner r = ToolRunner.run(new CorrelateFusedTool(), "--checkpoint", checkpoints.get(0).toString(),
                "--checkpoints", checkpoints.get(1) + "," + checkpoints.get(2), "--shard", shard.toString(),
                "--pairs", "all", "--outdir", out.toString(), "--gemm", "float64", "--batch-size", "2");
        assertEquals(0, r.exitCode, r.toString());
        assertEquals(List.of("m1__m2.toks.00000.h5", "m1__m3.toks.00000.h5", "m2__m3.toks.00000.h5"), listing(out));
        int[][] pairs = {{0, 1}, {0, 2}, {1, 2}};
        for (int[] p : pairs) {
            Path fused = out.resolve(CorrelateFusedTool.outputName(name(p[0]), name(p[1]), "toks.00000.h5"));
            MomentsFile.Header h = MomentsFile.readHeader(fused);
            assertEquals("0,1", h.info().filterIds()); // the shard's filter: its bos_id / eos_id
            assertEquals("toks.00000.h5", String.join(",", h.info().shards()));
            assertEquals((long) SEQS * CTX, h.info().tokensRead());
            assertTrue(h.n() < (long) SEQS * CTX && h.n() > 0, "filtered: " + h.n());
            Diff d = MomentsDiff.compare(staged(work, p[0], p[1]), fused);
            System.out.printf(Locale.ROOT, "staged vs fused %s-%s (float64): max |d|/scale %.2e, max elementwise"
                    + " relative %.2e%n", name(p[0]), name(p[1]), d.scaled, d.relative);
        }
    }

    @Test
    void deviceAccumulatorInFusedModeEqualsStaged() throws IOException {
        Path work = Files.createDirectories(dir.resolve("device"));
        Path out = work.resolve("out");
        ToolRunner r = ToolRunner.run(new CorrelateFusedTool(), "--checkpoints", checkpoints.get(0) + ","
                        + checkpoints.get(1), "--shard", shard.toString(), "--pairs", "anchor", "--outdir", out.toString(),
                "--gemm", "float64", "--device", "cpu", "--accumulator", "device");
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.stderr.contains("totals on device cpu"), r.stderr);
        Diff d = MomentsDiff.compare(staged(work, 0, 1), out.resolve("m1__m2.toks.00000.h5"));
        System.out.printf(Locale.ROOT, "staged (heap) vs fused (device accumulator, cpu) m1-m2 (float64): max |d|/scale"
                + " %.2e, max elementwise relative %.2e%n", d.scaled, d.relative);
    }

    @Test
    void anchorPairsWithALayerRangeEqualStaged() throws IOException {
        Path work = Files.createDirectories(dir.resolve("anchor"));
        Path out = work.resolve("out");
        ToolRunner r = ToolRunner.run(new CorrelateFusedTool(), "--checkpoints", checkpoints.get(0) + ","
                        + checkpoints.get(2), "--shard", shard.toString(), "--pairs", "anchor", "--outdir", out.toString(),
                "--gemm", "float64", "--layers-a", "1", "--filter-ids", "1,5");
        assertEquals(0, r.exitCode, r.toString());
        Path fused = out.resolve("m1__m3.toks.00000.h5");
        assertEquals(List.of(fused.getFileName().toString()), listing(out));
        assertEquals(1, MomentsFile.readHeader(fused).shape().firstLayerA());
        Diff d = MomentsDiff.compare(staged(work, 0, 2, "--layers-a", "1", "--filter-ids", "1,5"), fused);
        System.out.printf(Locale.ROOT, "staged vs fused m1-m3 layer 1 (float64): max |d|/scale %.2e, max elementwise"
                + " relative %.2e%n", d.scaled, d.relative);
    }

    @Test
    void mlpPreHookEqualsStaged() throws IOException {
        Path work = Files.createDirectories(dir.resolve("pre"));
        Path out = work.resolve("out");
        ToolRunner r = ToolRunner.run(new CorrelateFusedTool(), "--checkpoints", checkpoints.get(1) + ","
                        + checkpoints.get(0), "--shard", shard.toString(), "--pairs", "anchor", "--outdir", out.toString(),
                "--gemm", "float64", "--hook", "mlp_pre");
        assertEquals(0, r.exitCode, r.toString());
        Path fused = out.resolve("m2__m1.toks.00000.h5");
        Diff d = MomentsDiff.compare(stagedWithHooks(work, 1, 0, "mlp_post,mlp_pre", "--hook", "mlp_pre"), fused);
        System.out.printf(Locale.ROOT, "staged vs fused m2-m1 mlp_pre (float64): max |d|/scale %.2e, max elementwise"
                + " relative %.2e%n", d.scaled, d.relative);
        // and the hook matters: mlp_post moments differ
        PairMoments pre = MomentsFile.read(fused);
        PairMoments postM = MomentsFile.read(stagedWithHooks(work, 1, 0, "mlp_post,mlp_pre"));
        assertTrue(Math.abs(pre.m2A()[0] - postM.m2A()[0]) > 1e-3 * postM.m2A()[0], "mlp_pre differs from mlp_post");
    }

    /**
     * At float16 storage both modes correlate the same numbers: staged reads extract's float16 files, fused rounds
     * in memory (heap path) or on the device (device path). Float32 fused moments differ from them, so the rounding
     * is what makes the two agree.
     */
    @ParameterizedTest
    @ValueSource(strings = {"heap", "device"})
    void float16StorageIsTheSameInBothModes(String accumulator) throws IOException {
        Path work = Files.createDirectories(dir.resolve("half-" + accumulator));
        Path[] acts = new Path[2];
        for (int k = 0; k < 2; k++) {
            acts[k] = work.resolve("acts-" + name(k) + ".h5");
            ToolRunner r = ToolRunner.run(new ExtractTool(), "--checkpoint", checkpoints.get(k).toString(), "--shard",
                    shard.toString(), "--output", acts[k].toString(), "--batch-size", "2", "--dtype", "float16");
            assertEquals(0, r.exitCode, r.toString());
        }
        Path staged = work.resolve("staged.h5");
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--a", acts[0].toString(), "--b", acts[1].toString(),
                "--output", staged.toString(), "--gemm", "float64", "--batch-tokens", "40");
        assertEquals(0, r.exitCode, r.toString());
        Path fused16 = fusedPair(work.resolve("f16"), accumulator, "float16");
        Diff d = MomentsDiff.compare(staged, fused16);
        System.out.printf(Locale.ROOT, "staged vs fused at float16 storage (%s totals): max |d|/scale %.2e%n",
                accumulator, d.scaled);
        PairMoments half = MomentsFile.read(fused16);
        PairMoments full = MomentsFile.read(fusedPair(work.resolve("f32"), accumulator, "float32"));
        double worst = 0;
        for (int i = 0; i < half.m2A().length; i++) {
            worst = Math.max(worst, Math.abs(half.m2A()[i] - full.m2A()[i]) / full.m2A()[i]);
        }
        assertTrue(worst > 1e-7, "float16 rounding changes the moments (max relative change of m2 " + worst + ")");
    }

    private static Path fusedPair(Path out, String accumulator, String dtype) {
        ToolRunner r = ToolRunner.run(new CorrelateFusedTool(), "--checkpoints", checkpoints.get(0) + ","
                        + checkpoints.get(1), "--shard", shard.toString(), "--pairs", "anchor", "--outdir", out.toString(),
                "--gemm", "float64", "--device", "cpu", "--accumulator", accumulator, "--dtype", dtype);
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.stderr.contains(dtype + " activations"), r.stderr);
        return out.resolve("m1__m2.toks.00000.h5");
    }

    private static List<String> listing(Path d) {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
