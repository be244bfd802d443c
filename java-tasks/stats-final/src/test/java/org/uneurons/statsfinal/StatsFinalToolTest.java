package org.uneurons.statsfinal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.stats.ActivationStats;
import org.uneurons.core.testing.TestData;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.formats.ActivationFile;
import org.uneurons.formats.NeuronStatsFile;
import org.uneurons.formats.PartialStatsFile;

/**
 * stats-final on partial statistics made with the formats library (not the stats-partial tool; that chain is in
 * tool-chains): the statistics file of gpt2-tiny, and bad inputs.
 */
class StatsFinalToolTest {
    @TempDir
    Path dir;

    static final int LAYERS = 2;
    static final int D = 192; // gpt2-tiny's d_mlp

    private Path activations(String shard, int rows) {
        SplittableRandom r = new SplittableRandom(shard.hashCode());
        Path f = dir.resolve(shard + ".acts.h5");
        try (ActivationFile.Writer w = ActivationFile.Writer.create(f, new ActivationFile.Spec("gpt2-tiny", shard, LAYERS, D,
                ActivationFile.Precision.FLOAT32, List.of("mlp_post", "mlp_pre")))) {
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
            s = new ActivationStats(r.model(), r.nLayers(), r.dMlp(), k);
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
