package org.uneurons.statsfinal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import io.jhdf.HdfFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.core.io.SafetensorsWriter;
import org.uneurons.core.stats.ActivationStats;
import org.uneurons.core.testing.TestData;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.formats.ActivationFile;
import org.uneurons.formats.NeuronStatsFile;
import org.uneurons.formats.PartialStatsFile;
import org.uneurons.formats.testing.TestPartials;

/**
 * stats-final on partial statistics made with the formats library (not the stats-partial tool; that chain is in
 * tool-chains): the statistics file of gpt2-tiny, and bad inputs.
 */
class StatsFinalToolTest {
    @TempDir
    Path dir;

    static final int LAYERS = 2;
    static final int D = 192; // gpt2-tiny's d_mlp

    /** The content hash of gpt2-tiny's weights, as extract records it. */
    static String gpt2TinySha256() {
        try (CheckpointWeights w = CheckpointWeights.open(TestData.hf("gpt2-tiny"))) {
            return w.sha256();
        }
    }

    private Path activations(String shard, int rows) {
        return activations(shard, rows, gpt2TinySha256());
    }

    /** Activations of "gpt2-tiny" as extract writes them from weights hashing to {@code modelSha256}. */
    private Path activations(String shard, int rows, String modelSha256) {
        SplittableRandom r = new SplittableRandom(shard.hashCode());
        Path f = dir.resolve(shard + ".acts.h5");
        try (ActivationFile.Writer w = ActivationFile.Writer.create(f, new ActivationFile.Spec("gpt2-tiny", shard, LAYERS, D,
                ActivationFile.Precision.FLOAT32, List.of("mlp_post", "mlp_pre")))) {
            w.provenance(modelSha256, TestPartials.sha("tokens of " + shard));
            w.appendTokens(new int[rows], new int[rows]);
            for (int l = 0; l < LAYERS; l++) {
                float[] pre = new float[rows * D];
                float[] post = new float[rows * D];
                for (int i = 0; i < pre.length; i++) {
                    pre[i] = (float) r.nextGaussian();
                    post[i] = Math.max(0, pre[i]);
                }
                w.append("mlp_post", l, post);
                w.append("mlp_pre", l, pre);
            }
            w.finish();
        }
        return f;
    }

    private Path partial(Path acts, int k) {
        ActivationStats s;
        try (ActivationFile.Reader r = ActivationFile.Reader.open(acts)) {
            s = new ActivationStats(r.model(), r.modelSha256(), r.nLayers(), r.dMlp(), k);
            r.addTo(s, 64, null);
        }
        Path out = dir.resolve(acts.getFileName() + ".partial.h5");
        PartialStatsFile.write(out, s);
        return out;
    }

    @Test
    void statisticsOfGpt2Tiny() {
        Path p0 = partial(activations("shard.00001", 40), 4);
        Path p1 = partial(activations("shard.00000", 30), 4);
        Path out = dir.resolve("stats.h5");
        ToolRunner r = ToolRunner.run(new StatsFinalTool(), "--partial", p0.toString(), "--partial", p1.toString(),
                "--checkpoint", TestData.hf("gpt2-tiny").toString(), "--output", out.toString(), "--threads", "1");
        assertEquals(0, r.exitCode, r.toString());
        var cols = NeuronStatsFile.readColumns(out);
        assertEquals("gpt2-tiny", cols.model());
        assertEquals(List.of("mean", "var", "skew", "kurt", "act_freq", "act_freq_paper", "mean_binned", "var_binned",
                "skew_binned", "kurt_binned", "act_freq_binned", "post_mean", "post_max", "w_in_norm", "w_out_norm",
                "input_bias", "in_out_sim", "l2_penalty", "vocab_mean", "vocab_var", "vocab_skew", "vocab_kurt"),
                List.copyOf(cols.columns().keySet()));
        var top = NeuronStatsFile.readTop(out);
        assertEquals(List.of("shard.00000", "shard.00001"), top.shards, "merged in shard-name order");
        assertEquals(70, top.nTokens);
        assertTrue(r.stderr.contains("70 tokens from 2 shard(s)"), r.stderr);
        assertFalse(r.stderr.contains("warning"), r.stderr);
        try (HdfFile h = new HdfFile(out)) {
            assertEquals(gpt2TinySha256(), h.getAttribute("model_sha256").getData());
            assertEquals("gpt2-tiny", h.getAttribute("checkpoint").getData(), "the checkpoint's name, never its path");
            assertArrayEquals(new String[] {TestPartials.sha("tokens of shard.00000"), TestPartials.sha("tokens of shard.00001")},
                    (String[]) h.getDatasetByPath("shard_sha256").getData());
        }
    }

    /**
     * Another seed's checkpoint has gpt2-tiny's shapes: before weights were identified by their content, stats-final
     * took it for seed1's partials and wrote its weight and vocabulary columns under seed1's name. Now the hash of
     * its weights differs from the one the partials record, and it is refused before any column is computed.
     */
    @Test
    void anotherCheckpointOfTheSameShapesIsRefused() throws Exception {
        Path seed2 = Files.createDirectories(dir.resolve("seed2"));
        Files.copy(TestData.hf("gpt2-tiny").resolve("config.json"), seed2.resolve("config.json"));
        SafetensorsWriter sw = new SafetensorsWriter();
        try (CheckpointWeights w = CheckpointWeights.open(TestData.hf("gpt2-tiny"))) {
            for (String n : w.names()) {
                float[] v = w.floats(n);
                for (int i = 0; i < v.length; i++) {
                    v[i] = v[i] * 0.9f + 0.01f; // another training run: same shapes, other values
                }
                sw.putF32(n, v, w.info(n).shape());
            }
        }
        sw.write(seed2.resolve("model.safetensors"));
        String seed2Sha;
        try (CheckpointWeights w = CheckpointWeights.open(seed2)) {
            seed2Sha = w.sha256();
        }
        Path p0 = partial(activations("shard.00000", 30), 4);
        Path out = dir.resolve("stats.h5");
        ToolRunner r = ToolRunner.run(new StatsFinalTool(), "--partial", p0.toString(), "--checkpoint",
                "gpt2-tiny=" + seed2, "--output", out.toString(), "--threads", "1");
        assertEquals(1, r.exitCode, r.toString());
        assertEquals("stats-final: error: " + seed2 + ": weights sha256 " + seed2Sha.substring(0, 12) + ", but " + p0
                + " holds statistics of gpt2-tiny made with weights " + gpt2TinySha256().substring(0, 12)
                + "; give the checkpoint the activations came from", r.errorLine());
        assertFalse(Files.exists(out), "nothing is published");

        // partials of an earlier version (no model_sha256): the checkpoint is taken, with a warning
        Path old = partial(legacyActivations("shard.00003", 20), 4);
        r = ToolRunner.run(new StatsFinalTool(), "--partial", old.toString(), "--checkpoint", seed2.toString(),
                "--output", out.toString(), "--threads", "1");
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.stderr.contains("stats-final: warning: " + old + ": no model_sha256 (written by an earlier"
                + " version); the checkpoint its statistics come from cannot be checked\n"), r.stderr);
        try (HdfFile h = new HdfFile(out)) {
            assertEquals(seed2Sha, h.getAttribute("model_sha256").getData(), "the weight columns' checkpoint");
        }
    }

    /** Activations without model_sha256 and shard_sha256, as extract wrote them before it recorded them. */
    private Path legacyActivations(String shard, int rows) {
        Path f = dir.resolve(shard + ".old.h5");
        try (ActivationFile.Writer w = ActivationFile.Writer.create(f, new ActivationFile.Spec("gpt2-tiny", shard, LAYERS, D,
                ActivationFile.Precision.FLOAT32, List.of("mlp_post", "mlp_pre")))) {
            w.appendTokens(new int[rows], new int[rows]);
            for (int l = 0; l < LAYERS; l++) {
                float[] x = new float[rows * D];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (i * 7919 % 1000) / 250f - 2;
                }
                w.append("mlp_post", l, x);
                w.append("mlp_pre", l, x);
            }
            w.finish();
        }
        return f;
    }

    @Test
    void badInputsGiveOneLineAndTheRightExitCode() {
        Path out = dir.resolve("out.h5");
        Path acts = activations("shard.00002", 8);
        Path p0 = partial(acts, 5);
        Path neox = TestData.hf("neox-tiny");
        ToolRunner r = ToolRunner.run(new StatsFinalTool(), "--partial", p0.toString(), "--checkpoint", neox.toString(),
                "--output", out.toString());
        assertEquals(1, r.exitCode);
        assertEquals("stats-final: error: " + neox + ": config.json describes 2 layers x 256 neurons, but the activations of"
                + " gpt2-tiny have 2 x 192", r.errorLine());
        r = ToolRunner.run(new StatsFinalTool(), "--partial", p0.toString(), "--activations", acts.toString(),
                "--checkpoint", TestData.hf("gpt2-tiny").toString(), "--output", out.toString(), "--top-k", "5");
        assertEquals(1, r.exitCode);
        assertEquals("stats-final: error: " + acts + ": shard 'shard.00002' is already in these statistics", r.errorLine());
        r = ToolRunner.run(new StatsFinalTool(), "--partial", p0.toString(), "--checkpoint",
                TestData.hf("gpt2-tiny").toString(), "--output", out.toString(), "--top-k", "4");
        assertEquals(1, r.exitCode);
        assertEquals("stats-final: error: " + p0 + ": partial statistics keep the top 5 tokens, but --top-k is 4",
                r.errorLine());
        r = ToolRunner.run(new StatsFinalTool(), "--checkpoint", TestData.hf("gpt2-tiny").toString(), "--output",
                out.toString());
        assertEquals(2, r.exitCode);
        assertEquals("stats-final: error: stats-final needs --partial or --activations (see --help)", r.errorLine());
        r = ToolRunner.run(new StatsFinalTool(), "--mode", "final", "--partial", p0.toString());
        assertEquals(2, r.exitCode);
        assertEquals("stats-final: error: unrecognized option: --mode (see --help)", r.errorLine());
        assertFalse(Files.exists(out), "nothing is published on failure");
        assertTrue(Files.exists(p0));
    }
}
