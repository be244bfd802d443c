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
}
