package org.uneurons.correlatefused;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.formats.TokenShard;
import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.core.testing.TestData;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.models.RandomCheckpoint;
import org.uneurons.models.ThreeModels;
import org.uneurons.formats.MomentsFile;

/**
 * correlate-fused on random GPT-2 checkpoints: pairs, help, and bad inputs (one error line, the exit code, nothing
 * published). Its equality with staged correlate is tested in tool-chains (FusedEqualsStagedTest).
 */
class CorrelateFusedToolTest {
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

    @Test
    void helpListsTheFusedOptions() {
        ToolRunner r = ToolRunner.run(new CorrelateFusedTool(), "--help");
        assertEquals(0, r.exitCode, r.toString());
        for (String opt : List.of("--checkpoint", "--checkpoints", "--pairs", "--pair", "--outdir",
                "--batch-size", "--device", "--shard", "--layers-a", "--gemm")) {
            assertTrue(r.stdout.contains(opt + " "), opt + " in --help: " + r.stdout);
        }
    }

    @Test
    void explicitPairsInTheGivenOrder() {
        Path out = dir.resolve("explicit");
        ToolRunner r = ToolRunner.run(new CorrelateFusedTool(), "--checkpoints", checkpoints.get(0) + ","
                        + checkpoints.get(1) + "," + checkpoints.get(2), "--shard", shard.toString(), "--pair", "m3:m2",
                "--outdir", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        assertEquals(List.of("m3__m2.toks.00000.h5"), listing(out));
        MomentsFile.Header h = MomentsFile.readHeader(out.resolve("m3__m2.toks.00000.h5"));
        assertEquals("m3", h.info().modelA());
        assertEquals(48, h.shape().dA());
        assertEquals("float32", h.info().gemm());
    }

    /** A shard of {@code seqs} random sequences of {@code ctx} tokens (BOS 0 first), with the given EOS id. */
    private static Path extraShard(String name, int seqs, int ctx, int eos, long seed) {
        java.util.Random r = new java.util.Random(seed);
        int[][] t = new int[seqs][ctx];
        for (int s = 0; s < seqs; s++) {
            for (int i = 1; i < ctx; i++) {
                t[s][i] = 2 + r.nextInt(VOCAB - 2);
            }
        }
        Path f = dir.resolve(name);
        TokenShard.write(f, t, new TokenShard.Meta("test-ids", VOCAB, 0, eos, "random"));
        return f;
    }

    @Test
    void aChunkOfShardsWithStatistics() {
        Path s1 = extraShard("toks.00001.h5", 3, CTX, 1, 1);
        Path s2 = extraShard("toks.00002.h5", 4, CTX, 1, 2);
        Path out = dir.resolve("chunk");
        ToolRunner r = ToolRunner.run(new CorrelateFusedTool(), "--checkpoints", checkpoints.get(0) + ","
                        + checkpoints.get(1), "--shard", s1.toString(), "--shard", s2.toString(), "--shard", shard.toString(),
                "--chunk", "c0003", "--pairs", "anchor", "--stats-model", "m2", "--stats-top-k", "7",
                "--outdir", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        assertEquals(List.of("m1__m2.c0003.h5", "m2.c0003.stats-partial.h5"), listing(out));
        MomentsFile.Header h = MomentsFile.readHeader(out.resolve("m1__m2.c0003.h5"));
        assertEquals(List.of("toks.00001.h5", "toks.00002.h5", "toks.00000.h5"), h.info().shards());
        assertEquals((long) (3 + 4 + SEQS) * CTX, h.info().tokensRead());
        org.uneurons.formats.PartialStatsFile.Header sh = org.uneurons.formats.PartialStatsFile.readHeader(
                out.resolve("m2.c0003.stats-partial.h5"));
        assertEquals(h.info().shards(), sh.shards());
        assertEquals(7, sh.topK());
        // the statistics count every token read (BOS included, as stats-partial counts them)
        assertEquals(h.info().tokensRead(), org.uneurons.formats.PartialStatsFile.read(out.resolve("m2.c0003.stats-partial.h5")).tokens());
        // what made them: each checkpoint's weights, each shard's tokens
        List<String> tokens = List.of(TokenShard.read(s1).contentSha256(), TokenShard.read(s2).contentSha256(),
                TokenShard.read(shard).contentSha256());
        assertEquals(tokens, h.info().shardSha256());
        assertEquals(weights(0), h.info().modelASha256());
        assertEquals(weights(1), h.info().modelBSha256());
        assertEquals(weights(1), sh.modelSha256());
        assertEquals(tokens, org.uneurons.formats.PartialStatsFile.read(out.resolve("m2.c0003.stats-partial.h5"))
                .shardSha256());
    }

    private static String weights(int i) {
        try (org.uneurons.core.io.CheckpointWeights w = org.uneurons.core.io.CheckpointWeights.open(checkpoints.get(i))) {
            return w.sha256();
        }
    }

    @Test
    void theShardsOfAChunkMustAgree() {
        String two = checkpoints.get(0) + "," + checkpoints.get(1);
        Path shortRows = extraShard("short.00000.h5", 2, CTX / 2, 1, 3);
        ToolRunner r = failing("--checkpoints", two, "--pairs", "anchor", "--shard", shortRows.toString());
        assertEquals(1, r.exitCode, r.toString());
        // failing() passes the test shard last: it is the one that disagrees with the first
        assertEquals("correlate-fused: error: " + shard + ": rows of " + CTX + " tokens with filter 0,1, but " + shortRows
                + " has " + CTX / 2 + " tokens and filter 0,1; the shards of one chunk must share both", r.errorLine());
        Path otherEos = extraShard("eos.00000.h5", 2, CTX, 5, 4);
        r = failing("--checkpoints", two, "--pairs", "anchor", "--shard", otherEos.toString());
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: " + shard + ": rows of " + CTX + " tokens with filter 0,1, but " + otherEos
                + " has " + CTX + " tokens and filter 0,5; the shards of one chunk must share both", r.errorLine());
        Path withUnk = dir.resolve("unk.00000.h5");
        TokenShard t = TokenShard.read(shard);
        TokenShard.write(withUnk, t.tokens(), t.meta(), null, t.filter(), VOCAB - 1);
        r = failing("--checkpoints", two, "--pairs", "anchor", "--shard", withUnk.toString());
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: " + shard + ": unknown id -1, but " + withUnk + " has " + (VOCAB - 1)
                + " (-1: none); the shards of one chunk must share it", r.errorLine());
        r = failing("--checkpoints", two, "--pairs", "anchor", "--shard", shard.toString());
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: " + shard + ": the shard toks.00000.h5 is given twice; its tokens would count"
                + " twice", r.errorLine());
        Path copy = dir.resolve("copy.00000.h5");
        TokenShard.write(copy, t.tokens(), t.meta(), null, t.filter(), t.unkId());
        r = failing("--checkpoints", two, "--pairs", "anchor", "--shard", copy.toString());
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: " + shard + ": the same tokens as " + copy + " (sha256 "
                + t.contentSha256().substring(0, 12) + "); its tokens would count twice", r.errorLine());
        Path missing = dir.resolve("toks.99999.h5");
        r = failing("--checkpoints", two, "--pairs", "anchor", "--shard", missing.toString());
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: " + missing + ": no such file or directory (--shard)", r.errorLine());
        r = failing("--checkpoints", two, "--pairs", "anchor", "--stats-model", "m3");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: --stats-model m3 is not among the checkpoints (m1, m2)", r.errorLine());
    }

    /** NAME=DIR names the models (a Hugging Face snapshot directory is named by a commit hash). */
    @Test
    void namesGivenOnTheCommandLineLabelThePairs() throws IOException {
        Path snapshot = copyDir(checkpoints.get(1), dir.resolve("snapshots").resolve("0123456789abcdef0123456789abcdef01234567"));
        Path out = dir.resolve("named");
        ToolRunner r = ToolRunner.run(new CorrelateFusedTool(), "--checkpoint", "anchor=" + checkpoints.get(0),
                "--checkpoint", "seed-b=" + snapshot + "," + checkpoints.get(2), "--shard", shard.toString(),
                "--pairs", "anchor", "--outdir", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        assertEquals(List.of("anchor__m3.toks.00000.h5", "anchor__seed-b.toks.00000.h5"), listing(out));
        MomentsFile.Header h = MomentsFile.readHeader(out.resolve("anchor__seed-b.toks.00000.h5"));
        assertEquals("anchor", h.info().modelA());
        assertEquals("seed-b", h.info().modelB());
        r = failing("--checkpoint", "x=" + checkpoints.get(0), "--checkpoint", "x=" + checkpoints.get(1), "--pairs", "all");
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: " + checkpoints.get(1) + ": another checkpoint (" + checkpoints.get(0)
                + ") is also named 'x'; model names must differ (give them as NAME=DIR)", r.errorLine());
    }

    /** A pytorch_model.bin checkpoint runs as its safetensors twin does: the pair of the two is perfectly correlated. */
    @Test
    void pytorchCheckpointsRunBesideSafetensors() {
        Path out = dir.resolve("bin");
        ToolRunner r = ToolRunner.run(new CorrelateFusedTool(), "--checkpoint", "st=" + TestData.hf("gpt2-tiny"),
                "--checkpoint", "bin=" + TestData.hf("gpt2-tiny-bin"), "--shard", shard.toString(), "--pairs", "anchor",
                "--gemm", "float64", "--outdir", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        PairMoments m = MomentsFile.read(out.resolve("st__bin.toks.00000.h5"));
        assertTrue(m.count() > 0);
        assertArrayEquals(m.meanA(), m.meanB());
        assertArrayEquals(m.m2A(), m.m2B());
        double[][] c = m.comoment(1, 1);
        for (int i = 0; i < c.length; i++) {
            assertEquals(m.m2A()[192 + i], c[i][i], 1e-9 * Math.max(1, m.m2A()[192 + i]), "neuron " + i);
        }
    }

    /** tf32 and bf16 products run on a device (their rounding emulated on DJL's CPU device), totals in float64. */
    @Test
    void reducedPrecisionProductsOnTheDevice() {
        Path out = dir.resolve("bf16");
        ToolRunner r = ToolRunner.run(new CorrelateFusedTool(), "--checkpoints", checkpoints.get(0) + ","
                + checkpoints.get(1), "--shard", shard.toString(), "--pairs", "anchor", "--gemm", "bf16", "--outdir",
                out.toString());
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.stderr.contains("totals on device cpu"), r.stderr);
        assertEquals("bf16", MomentsFile.readHeader(out.resolve("m1__m2.toks.00000.h5")).info().gemm());
        r = failing("--checkpoints", checkpoints.get(0) + "," + checkpoints.get(1), "--pairs", "anchor", "--gemm", "tf32",
                "--accumulator", "heap");
        assertEquals(2, r.exitCode, r.toString());
        assertTrue(r.errorLine().startsWith("correlate-fused: error: --gemm tf32 runs on a DJL device: use --accumulator"
                + " device"), r.errorLine());
    }

    // ---- bad inputs

    private ToolRunner failing(String... argv) {
        Path out = dir.resolve("fail-" + System.nanoTime());
        List<String> a = new ArrayList<>(List.of(argv));
        a.addAll(List.of("--shard", shard.toString(), "--outdir", out.toString()));
        ToolRunner r = ToolRunner.run(new CorrelateFusedTool(), a.toArray(String[]::new));
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
        ToolRunner r = failing("--checkpoints", checkpoints.get(0) + "," + small, "--pairs", "anchor");
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: " + shard + ": token id " + t[s0][t0] + " at sequence " + s0 + ", position " + t0
                + " is outside the vocabulary of checkpoint small [0, 50)", r.errorLine());
    }

    @Test
    void commandLineErrors() {
        String all = checkpoints.get(0) + "," + checkpoints.get(1) + "," + checkpoints.get(2);
        ToolRunner r = failing("--checkpoints", all, "--pair", "m1:nope");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: --pair m1:nope names model 'nope', which is not among the checkpoints (m1, m2, m3)",
                r.errorLine());
        r = failing("--checkpoints", all, "--pairs", "anchor", "--bogus");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: unrecognized option: --bogus (see --help)", r.errorLine());
        r = failing("--checkpoints", all, "--pairs", "some");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: --pairs expects one of anchor, all, got 'some'", r.errorLine());
        r = failing("--checkpoints", all);
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: fused mode needs --pairs anchor|all or --pair A:B (see --help)", r.errorLine());
        r = failing("--checkpoint", checkpoints.get(0).toString(), "--pairs", "all");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: fused mode needs at least two checkpoints (--checkpoint DIR, repeatable, or"
                + " --checkpoints A,B,...), got 1", r.errorLine());
        r = failing("--checkpoints", all, "--pairs", "all", "--output", "x.h5");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: unrecognized option: --output (see --help)", r.errorLine());
        r = failing("--checkpoints", all, "--pairs", "all", "--device", "tpu");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: --device expects cpu, gpu or gpu:N, got 'tpu'", r.errorLine());
        r = failing("--checkpoints", all, "--pairs", "all", "--batch-size", "0");
        assertEquals(2, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: --batch-size expects a positive integer, got 0", r.errorLine());
        r = failing("--checkpoints", all, "--pairs", "all", "--layers-a", "2");
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: checkpoint m1: --layers-a 2 is not within the model's layers 0-1", r.errorLine());
        Path missing = dir.resolve("nowhere");
        r = failing("--checkpoints", checkpoints.get(0) + "," + missing, "--pairs", "all");
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: " + missing + ": no such checkpoint directory (--checkpoint)", r.errorLine());
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
        ToolRunner r = failing("--checkpoints", checkpoints.get(0) + "," + checkpoints.get(1) + "," + nan,
                "--pairs", "anchor");
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("correlate-fused: error: checkpoint nan: mlp_post of layer 1 is NaN at sequence 0, position 0, neuron 0"
                + " (the weights produce non-finite activations)", r.errorLine());
    }

    /** An activation float16 cannot hold is refused at --dtype float16 (heap and device paths), never stored as inf. */
    @ParameterizedTest
    @ValueSource(strings = {"heap", "device"})
    void float16StorageRefusesAnActivationBeyondItsRange(String accumulator) {
        RandomCheckpoint c = RandomCheckpoint.gpt2();
        c.dModel = 16;
        c.nHeads = 2;
        c.dMlp = 32;
        c.vocab = VOCAB;
        c.nCtx = CTX;
        c.nanTensor = "transformer.h.1.mlp.c_fc.bias";
        c.nanValue = 1e5f; // neuron 0 of layer 1: about 1e5 at every token
        Path big = c.writeGpt2(dir.resolve("ckpt-big-" + accumulator).resolve("big"));
        ToolRunner r = failing("--checkpoints", checkpoints.get(0) + "," + big, "--pairs", "anchor", "--dtype",
                "float16", "--device", "cpu", "--accumulator", accumulator);
        assertEquals(1, r.exitCode, r.toString());
        assertTrue(r.errorLine().matches("correlate-fused: error: checkpoint big: mlp_post of layer 1 is \\d{5,6}\\.\\d+ at"
                + " sequence 0, position 0, neuron 0, beyond float16's range \\(65504\\): use --dtype float32"), r.errorLine());
        r = ToolRunner.run(new CorrelateFusedTool(), "--checkpoints", checkpoints.get(0) + "," + big, "--pairs", "anchor",
                "--shard", shard.toString(), "--outdir", dir.resolve("big-f32-" + accumulator).toString(), "--device",
                "cpu", "--accumulator", accumulator);
        assertEquals(0, r.exitCode, "float32 holds it: " + r);
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
        assertThrows(RuntimeException.class, () -> CorrelateFusedTool.publishAll(List.of(moments(out.resolve("a.h5"), m,
                info), moments(blocked, m, info))));
        assertEquals(List.of("b.h5"), listing(out), "the first file withdrawn, no temporary file left");
        // a writer that fails: nothing published, no temporary file left
        assertThrows(RuntimeException.class, () -> CorrelateFusedTool.publishAll(List.of(moments(out.resolve("a.h5"), m,
                info), new CorrelateFusedTool.Output(out.resolve("d.h5"), f -> {
                    throw new IllegalStateException("disk full");
                }))));
        assertEquals(List.of("b.h5"), listing(out));
        CorrelateFusedTool.publishAll(List.of(moments(out.resolve("a.h5"), m, info), moments(out.resolve("c.h5"), m, info)));
        assertEquals(List.of("a.h5", "b.h5", "c.h5"), listing(out));
        assertEquals(2, MomentsFile.read(out.resolve("c.h5")).count());
    }

    private static CorrelateFusedTool.Output moments(Path target, PairMoments m, MomentsFile.Info info) {
        return new CorrelateFusedTool.Output(target, f -> MomentsFile.writeUnpublished(f, m, info));
    }

    @Test
    void compactKeepsRowsInOrder() {
        float[] x = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4};
        FusedRun.compact(x, 2, new int[] {1, 3, 4});
        assertEquals(List.of(1f, 1f, 3f, 3f, 4f, 4f), List.of(x[0], x[1], x[2], x[3], x[4], x[5]));
    }

    private static Path copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    private static List<String> listing(Path d) {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
