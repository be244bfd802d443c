package org.uneurons.chains;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.jhdf.HdfFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.cli.Tool;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.correlate.CorrelateTool;
import org.uneurons.correlatefused.CorrelateFusedTool;
import org.uneurons.extract.ExtractTool;
import org.uneurons.finalise.FinaliseTool;
import org.uneurons.formats.TokenShard;
import org.uneurons.merge.MergeTool;
import org.uneurons.models.ThreeModels;
import org.uneurons.statsfinal.StatsFinalTool;
import org.uneurons.statspartial.StatsPartialTool;
import org.uneurons.tokenize.TokenizeTool;
import org.uneurons.universality.UniversalityTool;

/**
 * Every tool of the analysis, run twice on the same inputs in two different directories (as Nextflow runs a task
 * again in another work directory, its inputs staged there), writes byte-identical files: no path, time or order of
 * completion in any of them. The run also carries the identities through the chain: the checkpoints' weight hashes
 * and the shards' token hashes reach the summaries, the statistics and the neuron table.
 */
class ReproducibleOutputsTest {
    @TempDir
    Path dir;

    /** Runs the chain in {@code work} on copies of the inputs made there; returns every output file. */
    private List<Path> chain(Path inputs, Path work) throws IOException {
        copyTree(inputs, work.resolve("in"));
        Path in = work.resolve("in");
        Path m1 = in.resolve("ckpt/m1"), m2 = in.resolve("ckpt/m2");
        Path out = Files.createDirectories(work.resolve("out"));
        ok(new TokenizeTool(), "--input", in.resolve("ids.npy").toString(), "--ctx", "16", "--vocab-size", "60",
                "--bos-id", "0", "--outdir", out.resolve("shards").toString(), "--name", "ids");
        List<String> shards = List.of("toks.00000.h5", "toks.00001.h5");
        List<String> partials = new ArrayList<>();
        List<String> statsPartials = new ArrayList<>();
        for (String shard : shards) {
            for (Path m : List.of(m1, m2)) {
                ok(new ExtractTool(), "--checkpoint", m.toString(), "--shard", in.resolve(shard).toString(), "--output",
                        out.resolve(m.getFileName() + "." + shard).toString(), "--hooks", "mlp_post,mlp_pre",
                        "--batch-size", "2");
            }
            Path partial = out.resolve("m1__m2." + shard);
            ok(new CorrelateTool(), "--a", out.resolve("m1." + shard).toString(), "--b", out.resolve("m2." + shard).toString(),
                    "--output", partial.toString(), "--batch-tokens", "40", "--threads", "1");
            partials.addAll(List.of("--input", partial.toString()));
            Path sp = out.resolve("m1.stats-partial." + shard);
            ok(new StatsPartialTool(), "--activations", out.resolve("m1." + shard).toString(), "--output", sp.toString(),
                    "--top-k", "5");
            statsPartials.addAll(List.of("--partial", sp.toString()));
        }
        List<String> merge = new ArrayList<>(partials);
        merge.addAll(List.of("--output", out.resolve("m1__m2.moments.h5").toString()));
        ok(new MergeTool(), merge.toArray(String[]::new));
        ok(new FinaliseTool(), "--input", out.resolve("m1__m2.moments.h5").toString(), "--output",
                out.resolve("m1__m2.summary.h5").toString(), "--top-k", "3", "--threads", "1");
        List<String> stats = new ArrayList<>(statsPartials);
        stats.addAll(List.of("--checkpoint", m1.toString(), "--output", out.resolve("m1.stats.h5").toString(),
                "--threads", "1"));
        ok(new StatsFinalTool(), stats.toArray(String[]::new));
        ok(new UniversalityTool(), "--summary", out.resolve("m1__m2.summary.h5").toString(), "--stats",
                out.resolve("m1.stats.h5").toString(), "--outdir", out.resolve("universality").toString(), "--threshold",
                "0.2");
        ok(new CorrelateFusedTool(), "--checkpoints", m1 + "," + m2, "--pairs", "anchor", "--shard",
                in.resolve(shards.get(0)).toString(), "--shard", in.resolve(shards.get(1)).toString(), "--chunk", "c0",
                "--stats-model", "m1", "--stats-top-k", "5", "--outdir", out.resolve("fused").toString(), "--threads", "1");
        try (Stream<Path> files = Files.walk(out)) {
            return files.filter(Files::isRegularFile).map(out::relativize).sorted().toList();
        }
    }

    @Test
    void everyToolWritesTheSameBytesTwiceInAnotherDirectory() throws IOException {
        Path inputs = dir.resolve("inputs");
        ThreeModels m = ThreeModels.write(inputs);
        ThreeModels.moreTokens(inputs.resolve("toks.00001.h5"), 4, 9);
        long[] ids = new long[4 * 16];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i % 16 == 0 ? 0 : 2 + (i * 7) % 58;
        }
        EndToEndTest.writeNpyInt64(inputs.resolve("ids.npy"), ids, 4, 16);

        List<Path> first = chain(inputs, dir.resolve("run-1/deeper/than/the/other"));
        List<Path> second = chain(inputs, dir.resolve("run-2"));
        assertEquals(first, second, "the same files");
        assertTrue(first.size() >= 18, "every tool's outputs: " + first);
        for (Path f : first) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("run-1/deeper/than/the/other/out").resolve(f)),
                    Files.readAllBytes(dir.resolve("run-2/out").resolve(f)), f + " differs between the two runs");
        }

        // the identities reached the end of the chain
        Path out = dir.resolve("run-2/out");
        String m1 = weights(m.checkpoints().get(0)), m2 = weights(m.checkpoints().get(1));
        List<String> tokens = List.of(TokenShard.read(m.shard()).contentSha256(),
                TokenShard.read(inputs.resolve("toks.00001.h5")).contentSha256());
        try (HdfFile h = new HdfFile(out.resolve("m1__m2.summary.h5"))) {
            assertEquals(m1, h.getAttribute("model_a_sha256").getData());
            assertEquals(m2, h.getAttribute("model_b_sha256").getData());
            assertArrayEquals(tokens.toArray(), (String[]) h.getDatasetByPath("shard_sha256").getData());
        }
        try (HdfFile h = new HdfFile(out.resolve("m1.stats.h5"))) {
            assertEquals(m1, h.getAttribute("model_sha256").getData());
            assertEquals("m1", h.getAttribute("checkpoint").getData());
            assertArrayEquals(tokens.toArray(), (String[]) h.getDatasetByPath("shard_sha256").getData());
        }
        try (HdfFile h = new HdfFile(out.resolve("universality/neurons.h5"))) {
            assertEquals(m1, h.getAttribute("model_sha256").getData());
            assertEquals("m2:" + m2, h.getAttribute("other_models_sha256").getData());
        }
        try (HdfFile h = new HdfFile(out.resolve("fused/m1__m2.c0.h5"))) {
            assertEquals(m1, h.getAttribute("model_a_sha256").getData());
            assertArrayEquals(tokens.toArray(), (String[]) h.getDatasetByPath("shard_sha256").getData());
        }
    }

    private static String weights(Path checkpoint) {
        try (CheckpointWeights w = CheckpointWeights.open(checkpoint)) {
            return w.sha256();
        }
    }

    private static void ok(Tool tool, String... args) {
        ToolRunner r = ToolRunner.run(tool, args);
        assertEquals(0, r.exitCode, tool.name() + " " + String.join(" ", args) + "\n" + r);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
