package org.uneurons.chains;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.testing.Mounts;
import org.uneurons.core.testing.TestData;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.extract.ExtractTool;
import org.uneurons.formats.TokenShard;
import org.uneurons.tokenize.TokenizeTool;

/**
 * A disk that fills up while a tool writes (a tmpfs of 1 MB): the line names the output and says "No space left on
 * device" (it used to say "Exception writing"), and neither the output nor a temporary or spill file is left.
 */
class FullDiskTest {
    @TempDir
    Path dir;

    private void onAFullDisk(String testCase, String tool, ToolRunnerCall call) throws IOException {
        Path small = Files.createDirectories(dir.resolve("small"));
        assumeTrue(Mounts.tmpfs(small, "size=1m", testCase));
        try {
            ToolRunner r = call.run(small);
            assertEquals(1, r.exitCode, r.toString());
            assertEquals(tool + ": error: " + call.output(small) + ": No space left on device", r.errorLine());
            assertEquals(List.of(), SignalFaultTest.listing(small), "no output, no temporary, no spill file");
        } finally {
            assertTrue(Mounts.unmount(small), "no file left open on the full disk");
        }
    }

    interface ToolRunnerCall {
        ToolRunner run(Path outDir) throws IOException;

        Path output(Path outDir);
    }

    @Test
    void extractOnAFullDisk() throws IOException {
        int[][] tokens = new int[64][64];
        SplittableRandom rng = new SplittableRandom(1);
        for (int[] row : tokens) {
            for (int t = 0; t < row.length; t++) {
                row[t] = rng.nextInt(1000);
            }
        }
        Path shard = dir.resolve("s.h5");
        TokenShard.write(shard, tokens, new TokenShard.Meta("external", 1000, -1, -1, "test"), null);
        onAFullDisk("extract on a full disk (tmpfs of 1 MB)", "extract", new ToolRunnerCall() {
            @Override
            public ToolRunner run(Path outDir) {
                return ToolRunner.run(new ExtractTool(), "--checkpoint", TestData.hf("gpt2-tiny").toString(), "--shard",
                        shard.toString(), "--output", output(outDir).toString());
            }

            @Override
            public Path output(Path outDir) {
                return outDir.resolve("acts.h5");
            }
        });
    }

    @Test
    void tokenizeOnAFullDisk() throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(2 * 600_000).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        SplittableRandom rng = new SplittableRandom(2);
        while (b.hasRemaining()) {
            b.putShort((short) rng.nextInt(1000));
        }
        Path ids = Files.write(dir.resolve("ids.bin"), b.array());
        onAFullDisk("tokenize on a full disk (tmpfs of 1 MB)", "tokenize", new ToolRunnerCall() {
            @Override
            public ToolRunner run(Path outDir) {
                return ToolRunner.run(new TokenizeTool(), "--input", ids.toString(), "--vocab-size", "1000", "--bos-id",
                        "0", "--ctx", "16", "--shuffle-seed", "1", "--outdir", outDir.toString(), "--name", "ids");
            }

            @Override
            public Path output(Path outDir) {
                return outDir; // the row spool fills the disk first
            }
        });
    }
}
