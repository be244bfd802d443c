package org.uneurons.statspartial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.stats.ActivationStats;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.formats.ActivationFile;
import org.uneurons.formats.PartialStatsFile;
import org.uneurons.formats.testing.TestPartials;

/** stats-partial: the partial file holds exactly what was accumulated; bad inputs are one line and publish nothing. */
class StatsPartialToolTest {
    @TempDir
    Path dir;

    static final int LAYERS = 2;
    static final int D = 6;

    private Path activations(String shard, boolean withPre, int rows, long seed) {
        return activations(shard, withPre, rows, seed, null, null);
    }

    /** ... recording the model's and the tokens' hashes, as extract does (null: a file of an earlier version). */
    private Path activations(String shard, boolean withPre, int rows, long seed, String modelSha256, String tokens) {
        SplittableRandom r = new SplittableRandom(seed);
        Path f = dir.resolve(shard + ".acts.h5");
        List<String> hooks = withPre ? List.of("mlp_post", "mlp_pre") : List.of("mlp_post");
        try (ActivationFile.Writer w = ActivationFile.Writer.create(f, new ActivationFile.Spec("m", shard, LAYERS, D,
                ActivationFile.Precision.FLOAT32, hooks))) {
            if (modelSha256 != null) {
                w.provenance(modelSha256, tokens);
            }
            w.appendTokens(new int[rows], new int[rows]);
            for (int l = 0; l < LAYERS; l++) {
                float[] pre = new float[rows * D];
                float[] post = new float[rows * D];
                for (int i = 0; i < pre.length; i++) {
                    pre[i] = (float) (100 + r.nextGaussian());
                    post[i] = (float) Math.max(0, pre[i] - 100);
                }
                w.append("mlp_post", l, post);
                if (withPre) {
                    w.append("mlp_pre", l, pre);
                }
            }
            w.finish();
        }
        return f;
    }

    @Test
    void writesWhatTheActivationsGive() {
        Path acts = activations("s0", true, 77, 1);
        Path out = dir.resolve("p.h5");
        ToolRunner r = ToolRunner.run(new StatsPartialTool(), "--activations", acts.toString(), "--output",
                out.toString(), "--top-k", "3", "--batch-rows", "10");
        assertEquals(0, r.exitCode, r.toString());
        ActivationStats got = PartialStatsFile.read(out);
        ActivationStats want = new ActivationStats("m", LAYERS, D, 3);
        try (ActivationFile.Reader reader = ActivationFile.Reader.open(acts)) {
            reader.addTo(want, 77, null); // one batch: another batching of the same tokens
        }
        assertEquals(List.of("s0"), got.shards());
        assertEquals(77, got.tokens());
        assertArrayEquals(want.countPos(), got.countPos());
        assertArrayEquals(want.preHist(), got.preHist(), "the paper's histogram");
        assertEquals(0, got.skippedUnknown(), "no unknown id in these activations");
        assertArrayEquals(want.postMax(), got.postMax(), 0);
        assertArrayEquals(want.postSum(), got.postSum(), 1e-9);
        for (int l = 0; l < LAYERS; l++) {
            assertArrayEquals(want.pre(l).mean(), got.pre(l).mean(), 1e-12);
            assertArrayEquals(want.pre(l).m2(), got.pre(l).m2(), 1e-9);
        }
    }

    /**
     * The partial records the model's weights and each shard's tokens; one shard copied under another name would
     * count twice and is refused by its content, activations of another checkpoint under the same name by its weights.
     */
    @Test
    void modelsAndShardsAreKnownByContent() {
        String w = TestPartials.sha("weights of m"), t0 = TestPartials.sha("tokens 0"), t1 = TestPartials.sha("tokens 1");
        Path a0 = activations("s0", true, 20, 1, w, t0);
        Path a1 = activations("s1", true, 20, 2, w, t1);
        Path out = dir.resolve("p.h5");
        ToolRunner r = ToolRunner.run(new StatsPartialTool(), "--activations", a0 + "," + a1, "--output", out.toString());
        assertEquals(0, r.exitCode, r.toString());
        ActivationStats got = PartialStatsFile.read(out);
        assertEquals(w, got.modelSha256());
        assertEquals(List.of(t0, t1), got.shardSha256());

        Path copy = activations("s7", true, 20, 1, w, t0);
        r = ToolRunner.run(new StatsPartialTool(), "--activations", a0 + "," + copy, "--output", dir.resolve("q.h5").toString());
        assertEquals(1, r.exitCode);
        assertEquals("stats-partial: error: " + copy + ": shard 's7' holds the same tokens as shard 's0' (sha256 "
                + t0.substring(0, 12) + "), already in these statistics; its tokens would count twice", r.errorLine());

        String retrained = TestPartials.sha("weights of m, retrained");
        Path other = activations("s2", true, 20, 3, retrained, TestPartials.sha("tokens 2"));
        r = ToolRunner.run(new StatsPartialTool(), "--activations", a0 + "," + other, "--output", dir.resolve("q.h5").toString());
        assertEquals(1, r.exitCode);
        assertEquals("stats-partial: error: " + other + ": activations of m with weights sha256 " + retrained.substring(0, 12)
                + ", but these statistics are of weights " + w.substring(0, 12) + "; statistics of one model must come"
                + " from one checkpoint", r.errorLine());
        assertFalse(Files.exists(dir.resolve("q.h5")));
    }

    @Test
    void badInputsGiveOneLineAndTheRightExitCode() {
        Path out = dir.resolve("out.h5");
        Path missing = dir.resolve("missing.h5");
        ToolRunner r = ToolRunner.run(new StatsPartialTool(), "--activations", missing.toString(), "--output", out.toString());
        assertEquals(1, r.exitCode);
        assertEquals("stats-partial: error: " + missing + ": no such file (--activations)", r.errorLine());
        Path acts = activations("s1", true, 5, 2);
        r = ToolRunner.run(new StatsPartialTool(), "--activations", acts.toString(), "--output", out.toString(), "--bins", "3");
        assertEquals(2, r.exitCode);
        assertEquals("stats-partial: error: unrecognized option: --bins (see --help)", r.errorLine());
        r = ToolRunner.run(new StatsPartialTool(), "--mode", "partial", "--activations", acts.toString(), "--output",
                out.toString());
        assertEquals(2, r.exitCode);
        assertEquals("stats-partial: error: unrecognized option: --mode (see --help)", r.errorLine());
        r = ToolRunner.run(new StatsPartialTool(), "--output", out.toString());
        assertEquals(2, r.exitCode);
        assertEquals("stats-partial: error: missing required option --activations (see --help)", r.errorLine());
        Path postOnly = activations("s9", false, 1, 3);
        r = ToolRunner.run(new StatsPartialTool(), "--activations", postOnly.toString(), "--output", out.toString());
        assertEquals(1, r.exitCode);
        assertEquals("stats-partial: error: " + postOnly + ": no /mlp_pre datasets; statistics need pre-activations"
                + " (extract with --hooks mlp_post,mlp_pre)", r.errorLine());
        assertFalse(Files.exists(out), "nothing is published on failure");
    }
}
