package org.uneurons.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.io.TokenShard;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.extract.ExtractTool;
import org.uneurons.models.RandomCheckpoint;

/**
 * Fused mode against staged mode (extract, then correlate per pair) on random GPT-2 checkpoints, and fused mode's
 * bad inputs: one error line, the exit code, and nothing published.
 */
class FusedCorrelateTest {
    static final int VOCAB = 60;
    static final int CTX = 16;
    static final int SEQS = 5;

    @TempDir
    static Path dir;
    static Path shard;
    /** m1, m2: 2 layers x 32 neurons; m3: 3 layers x 48 neurons (pairs of unequal shapes). */
    static List<Path> checkpoints = new ArrayList<>();

    @BeforeAll
    static void inputs() {
        for (int i = 1; i <= 3; i++) {
            RandomCheckpoint c = RandomCheckpoint.gpt2();
            c.nLayers = i == 3 ? 3 : 2;
            c.dModel = 16;
            c.nHeads = 2;
            c.dMlp = i == 3 ? 48 : 32;
            c.vocab = VOCAB;
            c.nCtx = CTX;
            c.seed = 100 + i;
            checkpoints.add(c.writeGpt2(dir.resolve("ckpt").resolve("m" + i)));
        }
        // BOS 0 and EOS 1 (dropped by the default filter) at sequence starts and here and there
        Random r = new Random(7);
        int[][] tokens = new int[SEQS][CTX];
        for (int s = 0; s < SEQS; s++) {
            for (int t = 0; t < CTX; t++) {
                tokens[s][t] = t == 0 ? 0 : (r.nextInt(8) == 0 ? 1 : 2 + r.nextInt(VOCAB - 2));
            }
        }
        tokens[SEQS - 1][CTX - 1] = VOCAB - 1; // the largest id, for the vocabulary test
        shard = dir.resolve("toks.00000.h5");
        TokenShard.write(shard, tokens, new TokenShard.Meta("test-ids", VOCAB, 0, 1, "random"));
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
                "--output", out.toString(), "--shard", shard.toString(), "--gemm", "float64", "--batch-tokens", "40"));
        argv.addAll(List.of(extra));
        ToolRunner r = ToolRunner.run(new CorrelateTool(), argv.toArray(String[]::new));
        assertEquals(0, r.exitCode, r.toString());
        return out;
    }

    /** The largest differences found, for the report; each is also asserted. */
    static final class Diff {
        double scaled; // |d| / natural scale (see compare)
        double relative; // |d| / max(|x|, |y|), elementwise

        void add(double x, double y, double scale, String what) {
            double d = Math.abs(x - y);
            double s = d == 0 ? 0 : d / scale;
            assertTrue(s <= 1e-9, what + ": staged " + x + " vs fused " + y + " (|d| / scale " + s + ")");
            scaled = Math.max(scaled, s);
            relative = Math.max(relative, d == 0 ? 0 : d / Math.max(Math.abs(x), Math.abs(y)));
        }
    }

    /**
     * Every dataset and attribute of the two files. A value's tolerance is 1e-9 of its natural scale: a mean
     * against max(|mean|, standard deviation), an m2 against itself, a co-moment (i, j) against sqrt(m2_i m2_j),
     * i.e. 1e-9 in units of correlation.
     */
    static Diff compare(Path stagedFile, Path fusedFile) {
        MomentsFile.Header hs = MomentsFile.readHeader(stagedFile);
        MomentsFile.Header hf = MomentsFile.readHeader(fusedFile);
        assertEquals(hs.shape(), hf.shape());
        assertEquals(hs.info(), hf.info());
        assertEquals(hs.n(), hf.n());
        PairMoments s = MomentsFile.read(stagedFile);
        PairMoments f = MomentsFile.read(fusedFile);
        MomentShape sh = s.shape();
        Diff diff = new Diff();
        long n = s.count();
        for (int i = 0; i < sh.neuronsA(); i++) {
            diff.add(s.m2A()[i], f.m2A()[i], s.m2A()[i], "m2_a[" + i + "]");
            diff.add(s.meanA()[i], f.meanA()[i], Math.max(Math.abs(s.meanA()[i]), Math.sqrt(s.m2A()[i] / n)), "mean_a[" + i + "]");
        }
        for (int j = 0; j < sh.neuronsB(); j++) {
            diff.add(s.m2B()[j], f.m2B()[j], s.m2B()[j], "m2_b[" + j + "]");
            diff.add(s.meanB()[j], f.meanB()[j], Math.max(Math.abs(s.meanB()[j]), Math.sqrt(s.m2B()[j] / n)), "mean_b[" + j + "]");
        }
        for (int la = 0; la < sh.layersInRangeA(); la++) {
            for (int lb = 0; lb < sh.nLayersB(); lb++) {
                double[][] x = s.comoment(la, lb), y = f.comoment(la, lb);
                for (int i = 0; i < sh.dA(); i++) {
                    for (int j = 0; j < sh.dB(); j++) {
                        double scale = Math.sqrt(s.m2A()[la * sh.dA() + i] * s.m2B()[lb * sh.dB() + j]);
                        diff.add(x[i][j], y[i][j], scale, "comoment/" + (sh.firstLayerA() + la) + "/" + lb + "[" + i + "][" + j + "]");
                    }
                }
            }
        }
        for (int lb = 0; lb < sh.nLayersB(); lb++) {
            double[][] x = s.covB(lb), y = f.covB(lb);
            for (int i = 0; i < sh.dB(); i++) {
                for (int j = 0; j < sh.dB(); j++) {
                    double scale = Math.sqrt(s.m2B()[lb * sh.dB() + i] * s.m2B()[lb * sh.dB() + j]);
                    diff.add(x[i][j], y[i][j], scale, "cov_b/" + lb + "[" + i + "][" + j + "]");
                }
            }
        }
        return diff;
    }

    @Test
    void fusedEqualsStagedForEveryPair() throws IOException {
        Path work = Files.createDirectories(dir.resolve("all"));
        Path out = work.resolve("out");
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--fused", "--checkpoint", checkpoints.get(0).toString(),
                "--checkpoints", checkpoints.get(1) + "," + checkpoints.get(2), "--shard", shard.toString(),
                "--pairs", "all", "--outdir", out.toString(), "--gemm", "float64", "--batch-size", "2");
        assertEquals(0, r.exitCode, r.toString());
        assertEquals(List.of("m1__m2.toks.00000.h5", "m1__m3.toks.00000.h5", "m2__m3.toks.00000.h5"), listing(out));
        int[][] pairs = {{0, 1}, {0, 2}, {1, 2}};
        for (int[] p : pairs) {
            Path fused = out.resolve(FusedMode.outputName(name(p[0]), name(p[1]), "toks.00000.h5"));
            MomentsFile.Header h = MomentsFile.readHeader(fused);
            assertEquals("0,1", h.info().filterIds()); // from the shard's bos_id / eos_id
            assertEquals("toks.00000.h5", String.join(",", h.info().shards()));
            assertEquals((long) SEQS * CTX, h.info().tokensRead());
            assertTrue(h.n() < (long) SEQS * CTX && h.n() > 0, "filtered: " + h.n());
            Diff d = compare(staged(work, p[0], p[1]), fused);
            System.out.printf(Locale.ROOT, "staged vs fused %s-%s (float64): max |d|/scale %.2e, max elementwise"
                    + " relative %.2e%n", name(p[0]), name(p[1]), d.scaled, d.relative);
        }
    }

    @Test
    void deviceAccumulatorInFusedModeEqualsStaged() throws IOException {
        Path work = Files.createDirectories(dir.resolve("device"));
        Path out = work.resolve("out");
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--fused", "--checkpoints", checkpoints.get(0) + ","
                        + checkpoints.get(1), "--shard", shard.toString(), "--pairs", "anchor", "--outdir", out.toString(),
                "--gemm", "float64", "--device", "cpu", "--accumulator", "device");
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.stderr.contains("totals on device cpu"), r.stderr);
        Diff d = compare(staged(work, 0, 1), out.resolve("m1__m2.toks.00000.h5"));
        System.out.printf(Locale.ROOT, "staged (heap) vs fused (device accumulator, cpu) m1-m2 (float64): max |d|/scale"
                + " %.2e, max elementwise relative %.2e%n", d.scaled, d.relative);
    }

    @Test
    void anchorPairsWithALayerRangeEqualStaged() throws IOException {
        Path work = Files.createDirectories(dir.resolve("anchor"));
        Path out = work.resolve("out");
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--fused", "--checkpoints", checkpoints.get(0) + ","
                        + checkpoints.get(2), "--shard", shard.toString(), "--pairs", "anchor", "--outdir", out.toString(),
                "--gemm", "float64", "--layers-a", "1", "--filter-ids", "1,5");
        assertEquals(0, r.exitCode, r.toString());
        Path fused = out.resolve("m1__m3.toks.00000.h5");
        assertEquals(List.of(fused.getFileName().toString()), listing(out));
        assertEquals(1, MomentsFile.readHeader(fused).shape().firstLayerA());
        Diff d = compare(staged(work, 0, 2, "--layers-a", "1", "--filter-ids", "1,5"), fused);
        System.out.printf(Locale.ROOT, "staged vs fused m1-m3 layer 1 (float64): max |d|/scale %.2e, max elementwise"
                + " relative %.2e%n", d.scaled, d.relative);
    }

    @Test
    void mlpPreHookEqualsStaged() throws IOException {
        Path work = Files.createDirectories(dir.resolve("pre"));
        Path out = work.resolve("out");
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--fused", "--checkpoints", checkpoints.get(1) + ","
                        + checkpoints.get(0), "--shard", shard.toString(), "--pairs", "anchor", "--outdir", out.toString(),
                "--gemm", "float64", "--hook", "mlp_pre");
        assertEquals(0, r.exitCode, r.toString());
        Path fused = out.resolve("m2__m1.toks.00000.h5");
        Diff d = compare(stagedWithHooks(work, 1, 0, "mlp_post,mlp_pre", "--hook", "mlp_pre"), fused);
        System.out.printf(Locale.ROOT, "staged vs fused m2-m1 mlp_pre (float64): max |d|/scale %.2e, max elementwise"
                + " relative %.2e%n", d.scaled, d.relative);
        // and the hook matters: mlp_post moments differ
        PairMoments pre = MomentsFile.read(fused);
        PairMoments postM = MomentsFile.read(stagedWithHooks(work, 1, 0, "mlp_post,mlp_pre"));
        assertTrue(Math.abs(pre.m2A()[0] - postM.m2A()[0]) > 1e-3 * postM.m2A()[0], "mlp_pre differs from mlp_post");
    }

    @Test
    void helpListsTheFusedOptions() {
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--help");
        assertEquals(0, r.exitCode, r.toString());
        for (String opt : List.of("--fused", "--checkpoint", "--checkpoints", "--pairs", "--pair", "--outdir",
                "--batch-size", "--device", "--shard", "--layers-a", "--gemm")) {
            assertTrue(r.stdout.contains(opt + " "), opt + " in --help: " + r.stdout);
        }
    }

    @Test
    void explicitPairsInTheGivenOrder() {
        Path out = dir.resolve("explicit");
        ToolRunner r = ToolRunner.run(new CorrelateTool(), "--fused", "--checkpoints", checkpoints.get(0) + ","
                        + checkpoints.get(1) + "," + checkpoints.get(2), "--shard", shard.toString(), "--pair", "m3:m2",
                "--outdir", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        assertEquals(List.of("m3__m2.toks.00000.h5"), listing(out));
        MomentsFile.Header h = MomentsFile.readHeader(out.resolve("m3__m2.toks.00000.h5"));
        assertEquals("m3", h.info().modelA());
        assertEquals(48, h.shape().dA());
        assertEquals("float32", h.info().gemm());
    }

    // ---- bad inputs

    private ToolRunner failing(String... argv) {
        Path out = dir.resolve("fail-" + System.nanoTime());
        List<String> a = new ArrayList<>(List.of(argv));
        a.addAll(List.of("--shard", shard.toString(), "--outdir", out.toString()));
        ToolRunner r = ToolRunner.run(new CorrelateTool(), a.toArray(String[]::new));
        assertTrue(!Files.exists(out) || listing(out).isEmpty(), "nothing published: " + (Files.exists(out) ? listing(out) : ""));
        return r;
    }

    @Test
    void shardIdsOutsideAModelsVocabulary() {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.dModel = 16;
        c.nHeads = 2;
        c.dMlp = 32;
        c.vocab = VOCAB - 10;
        c.nCtx = CTX;
        Path small = c.writeGpt2(dir.resolve("ckpt-small").resolve("small"));
        int[][] t = TokenShard.read(shard).tokens();
        int s0 = -1, t0 = -1;
        for (int s = 0; s < t.length && s0 < 0; s++) {
            for (int i = 0; i < CTX; i++) {
                if (t[s][i] >= VOCAB - 10) {
                    s0 = s;
                    t0 = i;
                    break;
                }
            }
        }
        ToolRunner r = failing("--fused", "--checkpoints", checkpoints.get(0) + "," + small, "--pairs", "anchor");
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("correlate: error: " + shard + ": token id " + t[s0][t0] + " at sequence " + s0 + ", position " + t0
                + " is outside the vocabulary of checkpoint small [0, 50)", r.errorLine());
    }

    @Test
    void commandLineErrors() {
        String all = checkpoints.get(0) + "," + checkpoints.get(1) + "," + checkpoints.get(2);
        ToolRunner r = failing("--fused", "--checkpoints", all, "--pair", "m1:nope");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate: error: --pair m1:nope names model 'nope', which is not among the checkpoints (m1, m2, m3)",
                r.errorLine());
        r = failing("--fused", "--checkpoints", all, "--pairs", "anchor", "--bogus");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate: error: unrecognized option: --bogus (see --help)", r.errorLine());
        r = failing("--fused", "--checkpoints", all, "--pairs", "some");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate: error: --pairs expects one of anchor, all, got 'some'", r.errorLine());
        r = failing("--fused", "--checkpoints", all);
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate: error: fused mode needs --pairs anchor|all or --pair A:B (see --help)", r.errorLine());
        r = failing("--fused", "--checkpoint", checkpoints.get(0).toString(), "--pairs", "all");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate: error: fused mode needs at least two checkpoints (--checkpoint DIR, repeatable, or"
                + " --checkpoints A,B,...), got 1", r.errorLine());
        r = failing("--fused", "--checkpoints", all, "--pairs", "all", "--output", "x.h5");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate: error: --output is for staged mode; --fused reads --checkpoint and --shard and writes"
                + " to --outdir (see --help)", r.errorLine());
        r = ToolRunner.run(new CorrelateTool(), "--a", "a.h5", "--b", "b.h5", "--output", "p.h5", "--pairs", "all");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate: error: --pairs is for fused mode (add --fused; see --help)", r.errorLine());
        r = failing("--fused", "--checkpoints", all, "--pairs", "all", "--device", "tpu");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate: error: --device expects cpu, gpu or gpu:N, got 'tpu'", r.errorLine());
        r = failing("--fused", "--checkpoints", all, "--pairs", "all", "--batch-size", "0");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate: error: --batch-size expects a positive integer, got 0", r.errorLine());
        r = failing("--fused", "--checkpoints", all, "--pairs", "all", "--layers-a", "2");
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("correlate: error: checkpoint m1: --layers-a 2 is not within the model's layers 0-1", r.errorLine());
        Path missing = dir.resolve("nowhere");
        r = failing("--fused", "--checkpoints", checkpoints.get(0) + "," + missing, "--pairs", "all");
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("correlate: error: " + missing + ": no such checkpoint directory (--checkpoint)", r.errorLine());
    }

    @Test
    void aFailureDuringTheRunPublishesNoPair() {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.dModel = 16;
        c.nHeads = 2;
        c.dMlp = 32;
        c.vocab = VOCAB;
        c.nCtx = CTX;
        c.nanTensor = "transformer.h.1.mlp.c_fc.bias";
        Path nan = c.writeGpt2(dir.resolve("ckpt-nan").resolve("nan"));
        // pairs m1-m2 and m1-nan: the first is computable, the second fails in the first batch
        ToolRunner r = failing("--fused", "--checkpoints", checkpoints.get(0) + "," + checkpoints.get(1) + "," + nan,
                "--pairs", "anchor");
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("correlate: error: checkpoint nan: mlp_post of layer 1 is NaN at sequence 0, position 0, neuron 0"
                + " (the weights produce non-finite activations)", r.errorLine());
    }

    @Test
    void publishingIsAllOrNothing() throws IOException {
        Path out = Files.createDirectories(dir.resolve("publish"));
        // the second target is a non-empty directory, so its rename fails after the first was published
        Path blocked = Files.createDirectories(out.resolve("b.h5"));
        Files.writeString(blocked.resolve("keep"), "x");
        MomentShape shape = new MomentShape(1, 2, 0, 0, 1, 2);
        PairMoments m = new PairMoments(shape);
        m.update(new float[][] {{1, 2, 3, 5}}, new float[][] {{2, 1, 0, 4}}, 2, new org.uneurons.core.stats.PlainGemm(),
                org.uneurons.core.stats.Gemm.Precision.FLOAT64);
        MomentsFile.Info info = new MomentsFile.Info("x", "y", List.of("s.h5"), "none", "float64", 2);
        assertThrows(RuntimeException.class, () -> FusedMode.publishAll(List.of(out.resolve("a.h5"), blocked),
                List.of(m, m), List.of(info, info)));
        assertEquals(List.of("b.h5"), listing(out), "the first file withdrawn, no temporary file left");
        FusedMode.publishAll(List.of(out.resolve("a.h5"), out.resolve("c.h5")), List.of(m, m), List.of(info, info));
        assertEquals(List.of("a.h5", "b.h5", "c.h5"), listing(out));
        assertEquals(2, MomentsFile.read(out.resolve("c.h5")).count());
    }

    @Test
    void compactKeepsRowsInOrder() {
        float[] x = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4};
        FusedRun.compact(x, 2, new int[] {1, 3, 4});
        assertEquals(List.of(1f, 1f, 3f, 3f, 4f, 4f), List.of(x[0], x[1], x[2], x[3], x[4], x[5]));
    }

    private static List<String> listing(Path d) {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
