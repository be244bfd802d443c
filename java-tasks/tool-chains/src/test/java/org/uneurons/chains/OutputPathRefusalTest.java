package org.uneurons.chains;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.stats.Synthetic;
import org.uneurons.core.testing.TestData;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.correlate.CorrelateTool;
import org.uneurons.extract.ExtractTool;
import org.uneurons.finalise.FinaliseTool;
import org.uneurons.formats.ActivationFile;
import org.uneurons.formats.TokenShard;
import org.uneurons.formats.testing.TestActivations;
import org.uneurons.formats.testing.TestPartials;
import org.uneurons.merge.MergeTool;
import org.uneurons.statsfinal.StatsFinalTool;
import org.uneurons.statspartial.StatsPartialTool;

/**
 * An output path that is one of the inputs used to overwrite the input and exit 0 (extract --output = --shard,
 * correlate --output = --a, merge --output = one --input): every tool now refuses it before any work, with one line
 * (exit 2), also through a symbolic link as Nextflow stages inputs, and leaves the input byte for byte as it was.
 * An output that is a directory, or in a directory that does not exist, is refused before any work too (exit 1).
 */
class OutputPathRefusalTest {
    @TempDir
    static Path dir;

    static Path shard;
    static Path actsA;
    static Path actsB;
    static Path moments;
    static Path prePost;
    static Path partialStats;
    static Path checkpoint;

    @BeforeAll
    static void inputs() throws IOException {
        // a copy: a refusal that failed would write into the checkpoint
        checkpoint = Files.createDirectories(dir.resolve("gpt2-tiny"));
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(TestData.hf("gpt2-tiny").resolve(f), checkpoint.resolve(f));
        }
        SplittableRandom rng = new SplittableRandom(5);
        int[][] tokens = new int[4][16];
        for (int[] row : tokens) {
            for (int t = 0; t < row.length; t++) {
                row[t] = rng.nextInt(1000);
            }
        }
        shard = dir.resolve("s.h5");
        TokenShard.write(shard, tokens, new TokenShard.Meta("external", 1000, -1, -1, "test"), null);
        Synthetic syn = Synthetic.adversarial(64, 64, 1, 4, 1, 4);
        int[] ids = TestActivations.gpt2LikeIds(syn.tokens, 3);
        Map<String, Object> gpt2 = Map.of("filter_ids", "198,50256");
        actsA = TestActivations.write(dir.resolve("a.acts.h5"), "model-a", "s", syn.a, syn.dA, ids, gpt2);
        actsB = TestActivations.write(dir.resolve("b.acts.h5"), "model-b", "s", syn.b, syn.dB, ids, gpt2);
        moments = TestPartials.write(dir.resolve("s.moments.h5"), syn, ids, 0, syn.tokens, "s", TestPartials.gpt2());
        prePost = dir.resolve("pre-post.acts.h5");
        try (ActivationFile.Writer w = ActivationFile.Writer.create(prePost, new ActivationFile.Spec("gpt2-tiny", "s",
                2, 192, ActivationFile.Precision.FLOAT32, List.of("mlp_post", "mlp_pre")))) {
            w.appendTokens(new int[] {1, 2, 3}, new int[] {0, 1, 2});
            for (String hook : List.of("mlp_post", "mlp_pre")) {
                for (int l = 0; l < 2; l++) {
                    float[] v = new float[3 * 192];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) rng.nextGaussian();
                    }
                    w.append(hook, l, v);
                }
            }
            w.finish();
        }
        partialStats = dir.resolve("s.stats-partial.h5");
        ToolRunner r = ToolRunner.run(new StatsPartialTool(), "--activations", prePost.toString(), "--output",
                partialStats.toString());
        assertEquals(0, r.exitCode, r.toString());
    }

    /** Runs {@code tool}, which must refuse with {@code code} and exactly {@code line}, leaving {@code input} as it was. */
    private static void refused(Tool tool, Path input, int code, String line, String... argv) throws IOException {
        byte[] before = Files.readAllBytes(input);
        ToolRunner r = ToolRunner.run(tool, argv);
        assertEquals(code, r.exitCode, r.toString());
        assertEquals(tool.name() + ": error: " + line, r.errorLine());
        assertEquals(1, r.stderr.lines().count(), "exactly one line: " + r.stderr);
        assertArrayEquals(before, Files.readAllBytes(input), "the input is unchanged");
    }

    private static String same(Path output, String option, String inputOption, Path input) {
        return output + ": " + option + " is the same file as the input " + inputOption + " " + input
                + " (writing it would destroy the input; choose another output path)";
    }

    @Test
    void extractOutputThatIsTheShard() throws IOException {
        refused(new ExtractTool(), shard, 2, same(shard, "--output", "--shard", shard), "--checkpoint",
                checkpoint.toString(), "--shard", shard.toString(), "--output", shard.toString());
    }

    @Test
    void extractOutputThatIsASymbolicLinkToTheShardAsNextflowStagesIt() throws IOException {
        Path task = Files.createDirectories(dir.resolve("task"));
        Path staged = Files.createSymbolicLink(task.resolve("s.h5"), shard);
        refused(new ExtractTool(), shard, 2, same(staged, "--output", "--shard", shard), "--checkpoint",
                checkpoint.toString(), "--shard", shard.toString(), "--output", staged.toString());
        Path stagedOut = Files.createSymbolicLink(task.resolve("acts.h5"), shard);
        refused(new ExtractTool(), shard, 2, same(stagedOut, "--output", "--shard", staged), "--checkpoint",
                checkpoint.toString(), "--shard", staged.toString(), "--output", stagedOut.toString());
    }

    @Test
    void extractOutputThatIsADirectoryOrInAMissingDirectory() throws IOException {
        Path outDir = Files.createDirectories(dir.resolve("acts-dir"));
        refused(new ExtractTool(), shard, 1, outDir + ": is a directory (--output expects a file path)", "--checkpoint",
                checkpoint.toString(), "--shard", shard.toString(), "--output", outDir.toString());
        Path missing = dir.resolve("no-such-dir/acts.h5");
        refused(new ExtractTool(), shard, 1, missing + ": no such directory " + missing.getParent()
                + " (--output expects a file in an existing writable directory)", "--checkpoint", checkpoint.toString(),
                "--shard", shard.toString(), "--output", missing.toString());
    }

    @Test
    void correlateOutputThatIsActivationsA() throws IOException {
        refused(new CorrelateTool(), actsA, 2, same(actsA, "--output", "--a", actsA), "--a", actsA.toString(), "--b",
                actsB.toString(), "--output", actsA.toString());
        refused(new CorrelateTool(), actsB, 2, same(actsB, "--output", "--b", actsB), "--a", actsA.toString(), "--b",
                actsB.toString(), "--output", actsB.toString());
    }

    @Test
    void mergeOutputThatIsOneOfItsInputs() throws IOException {
        Path other = Files.copy(moments, dir.resolve("other.moments.h5"));
        refused(new MergeTool(), moments, 2, same(moments, "--output", "--input", moments), "--input",
                other + "," + moments, "--output", moments.toString());
    }

    @Test
    void finaliseOutputThatIsItsInput() throws IOException {
        refused(new FinaliseTool(), moments, 2, same(moments, "--output", "--input", moments), "--input",
                moments.toString(), "--output", moments.toString());
    }

    @Test
    void statsPartialOutputThatIsItsActivations() throws IOException {
        refused(new StatsPartialTool(), prePost, 2, same(prePost, "--output", "--activations", prePost), "--activations",
                prePost.toString(), "--output", prePost.toString());
    }

    @Test
    void statsFinalOutputThatIsAPartialOrAFileOfTheCheckpoint() throws IOException {
        refused(new StatsFinalTool(), partialStats, 2, same(partialStats, "--output", "--partial", partialStats),
                "--partial", partialStats.toString(), "--checkpoint", checkpoint.toString(), "--output",
                partialStats.toString());
        Path weights = checkpoint.resolve("model.safetensors");
        refused(new StatsFinalTool(), weights, 2, weights + ": --output would replace a file of the input --checkpoint "
                + checkpoint + " (choose another output path)", "--partial", partialStats.toString(), "--checkpoint",
                checkpoint.toString(), "--output", weights.toString());
    }
}
