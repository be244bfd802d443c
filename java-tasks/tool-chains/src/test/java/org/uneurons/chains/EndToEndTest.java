package org.uneurons.chains;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.formats.ActivationFile;
import org.uneurons.core.io.Safetensors;
import org.uneurons.core.testing.TestData;
import org.uneurons.core.testing.ToolRunner;
import org.uneurons.tokenize.TokenizeTool;
import org.uneurons.extract.ExtractTool;

/**
 * ids (.npy) -> tokenize tool -> token shard -> extract tool -> activations HDF5, compared with what transformers
 * computed for the same ids. The ids are a 2-D [batch, seq] array, which tokenize takes row by row as it is.
 */
class EndToEndTest {
    @TempDir
    Path tmp;

    /** A NumPy v1.0 .npy file of little-endian int64 with the given C-order shape. */
    static void writeNpyInt64(Path file, long[] data, long... shape) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (long s : shape) {
            dims.append(s).append(", ");
        }
        String dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (" + dims.toString().trim()
                .replaceAll(",$", shape.length == 1 ? "," : "") + "), }";
        int unpadded = 10 + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        String header = dict + " ".repeat(total - unpadded) + "\n";
        ByteBuffer b = ByteBuffer.allocate(total + data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        for (long v : data) {
            b.putLong(v);
        }
        Files.write(file, b.array());
    }

    private void roundTrip(String fixture, int vocab) throws IOException {
        Path dir = TestData.hf(fixture);
        try (Safetensors ref = Safetensors.open(dir.resolve("reference.safetensors"))) {
            long[] shape = ref.info("input_ids").shape();
            Path npy = tmp.resolve(fixture + "-ids.npy");
            writeNpyInt64(npy, ref.longs("input_ids"), shape);
            Path shards = tmp.resolve("shards");
            ToolRunner tok = ToolRunner.run(new TokenizeTool(), "--input", npy.toString(), "--ctx",
                    String.valueOf(shape[1]), "--vocab-size", String.valueOf(vocab), "--outdir", shards.toString(),
                    "--name", fixture);
            assertEquals(0, tok.exitCode, tok.toString());
            Path shard = shards.resolve(fixture + ".00000.h5");
            assertTrue(Files.exists(shard), tok.toString());
            Path out = tmp.resolve(fixture + ".acts.h5");
            ToolRunner ex = ToolRunner.run(new ExtractTool(), "--checkpoint", dir.toString(), "--shard", shard.toString(),
                    "--output", out.toString(), "--batch-size", "2");
            assertEquals(0, ex.exitCode, ex.toString());
            try (ActivationFile.Reader acts = ActivationFile.Reader.open(out)) {
                assertArrayEquals(ref.ints("input_ids"), acts.tokenIds());
                double err = 0;
                for (int l = 0; l < acts.nLayers(); l++) {
                    float[] got = acts.layer("mlp_post", l);
                    float[] want = ref.floats("mlp_post." + l);
                    assertEquals(want.length, got.length);
                    for (int i = 0; i < got.length; i++) {
                        err = Math.max(err, Math.abs((double) got[i] - want[i]));
                    }
                }
                System.out.println("golden " + fixture + " end to end (.npy -> tokenize -> extract -> HDF5 vs "
                        + "transformers): max abs error mlp_post " + String.format(Locale.ROOT, "%.2e", err));
                assertTrue(err <= 1e-4, fixture + " mlp_post error " + err);
            }
        }
    }

    @Test
    void gpt2Tiny() throws IOException {
        roundTrip("gpt2-tiny", 1000);
    }

    @Test
    void neoxTiny() throws IOException {
        roundTrip("neox-tiny", 900);
    }

    /**
     * A samplesheet row's NAME=DIR for a pytorch_model.bin checkpoint, on rows tokenize shuffled with a seed and gave
     * explicit filter ids: extract names the model, carries the shard's filter, and every (shuffled) row's activations
     * are transformers' for that row.
     */
    @Test
    void namedPytorchCheckpointOnShuffledRowsWithExplicitFilterIds() throws IOException {
        Path dir = TestData.hf("gpt2-tiny");
        try (Safetensors ref = Safetensors.open(dir.resolve("reference.safetensors"))) {
            long[] shape = ref.info("input_ids").shape();
            int rows = (int) shape[0];
            int seq = (int) shape[1];
            Path npy = tmp.resolve("ids.npy");
            writeNpyInt64(npy, ref.longs("input_ids"), shape);
            Path shards = tmp.resolve("shards");
            ToolRunner tok = ToolRunner.run(new TokenizeTool(), "--input", npy.toString(), "--ctx", String.valueOf(seq),
                    "--vocab-size", "1000", "--shuffle-seed", "1", "--filter-ids", "5,7", "--outdir", shards.toString(),
                    "--name", "ids");
            assertEquals(0, tok.exitCode, tok.toString());
            Path out = tmp.resolve("seed-a.acts.h5");
            ToolRunner ex = ToolRunner.run(new ExtractTool(), "--checkpoint", "seed-a=" + TestData.hf("gpt2-tiny-bin"),
                    "--shard", shards.resolve("ids.00000.h5").toString(), "--output", out.toString());
            assertEquals(0, ex.exitCode, ex.toString());
            int[] want = ref.ints("input_ids");
            try (ActivationFile.Reader acts = ActivationFile.Reader.open(out)) {
                assertEquals("seed-a", acts.model());
                assertEquals("5,7", String.valueOf(acts.attribute("filter_ids")));
                int[] got = acts.tokenIds();
                int dMlp = acts.dMlp();
                boolean moved = false;
                for (int r = 0; r < rows; r++) {
                    int from = referenceRow(want, got, r, seq);
                    moved |= from != r;
                    for (int l = 0; l < acts.nLayers(); l++) {
                        float[] a = acts.layer("mlp_post", l);
                        float[] b = ref.floats("mlp_post." + l);
                        for (int i = 0; i < seq * dMlp; i++) {
                            assertEquals(b[from * seq * dMlp + i], a[r * seq * dMlp + i], 1e-4);
                        }
                    }
                }
                assertTrue(moved, "seed 1 moves the rows (to 1, 2, 0)");
            }
        }
    }

    /** The reference row whose ids are row {@code r} of {@code got}. */
    private static int referenceRow(int[] want, int[] got, int r, int seq) {
        for (int k = 0; k * seq < want.length; k++) {
            if (java.util.Arrays.equals(want, k * seq, (k + 1) * seq, got, r * seq, (r + 1) * seq)) {
                return k;
            }
        }
        throw new AssertionError("row " + r + " is not a reference row");
    }
}
