package org.uneurons.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.testing.TestData;

class SafetensorsTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripEveryDtype() {
        Random rnd = new Random(1);
        float[] f32 = new float[2 * 3 * 4];
        for (int i = 0; i < f32.length; i++) {
            f32[i] = (float) rnd.nextGaussian();
        }
        f32[0] = -0.0f;
        f32[1] = Float.NaN;
        f32[2] = Float.NEGATIVE_INFINITY;
        f32[3] = Float.MIN_VALUE;
        double[] f64 = {1.5, -2.25, 1e-300, 3.0e38};
        long[] i64 = {0, -1, Long.MAX_VALUE, Long.MIN_VALUE, 50256};
        int[] i32 = {7, -7, Integer.MAX_VALUE, Integer.MIN_VALUE, 0, 42};
        Path f = tmp.resolve("all.safetensors");
        new SafetensorsWriter()
                .putF32("f32", f32, 2, 3, 4)
                .putF16("f16", f32, 24)
                .putBF16("bf16", f32, 4, 6)
                .putF64("f64", f64, 4)
                .putI64("i64", i64, 5)
                .putI32("i32", i32, 2, 3)
                .putF32("scalar", new float[] {3.5f})
                .putF32("empty", new float[0], 0, 3)
                .metadata("format", "pt")
                .metadata("note", "round trip")
                .write(f);
        try (Safetensors st = Safetensors.open(f)) {
            assertEquals(List.of("bf16", "empty", "f16", "f32", "f64", "i32", "i64", "scalar"), List.copyOf(st.names()));
            assertEquals(Map.of("format", "pt", "note", "round trip"), st.metadata());
            TensorInfo info = st.info("f32");
            assertEquals(Dtype.F32, info.dtype());
            assertArrayEquals(new long[] {2, 3, 4}, info.shape());
            assertEquals(96, info.byteLength());
            assertBitsEqual(f32, st.floats("f32"));
            float[] f16 = st.floats("f16");
            float[] bf16 = st.floats("bf16");
            for (int i = 0; i < f32.length; i++) {
                assertEquals(Float.floatToIntBits(HalfFloats.halfToFloat(HalfFloats.floatToHalf(f32[i]))),
                        Float.floatToIntBits(f16[i]), "f16 " + i);
                assertEquals(Float.floatToIntBits(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(f32[i]))),
                        Float.floatToIntBits(bf16[i]), "bf16 " + i);
                if (Float.isFinite(f32[i]) && Math.abs(f32[i]) > 1e-3) {
                    assertEquals(f32[i], f16[i], Math.abs(f32[i]) * 0x1p-11);
                    assertEquals(f32[i], bf16[i], Math.abs(f32[i]) * 0x1p-8);
                }
            }
            assertEquals(0x8000_0000, Float.floatToRawIntBits(f16[0]), "negative zero survives F16");
            assertTrue(Float.isNaN(f16[1]) && Float.isNaN(bf16[1]));
            assertEquals(Dtype.F16, st.info("f16").dtype());
            assertEquals(48, st.info("bf16").byteLength());
            float[] f64r = st.floats("f64");
            for (int i = 0; i < f64.length; i++) {
                assertEquals((float) f64[i], f64r[i]);
            }
            assertArrayEquals(i64, st.longs("i64"));
            assertArrayEquals(i32, st.ints("i32"));
            assertArrayEquals(new long[] {7, -7, Integer.MAX_VALUE, Integer.MIN_VALUE, 0, 42}, st.longs("i32"));
            assertArrayEquals(new float[] {3.5f}, st.floats("scalar"));
            assertArrayEquals(new long[0], st.info("scalar").shape());
            assertEquals(0, st.floats("empty").length);
        }
    }

    @Test
    void piecewiseMappingGivesTheSameValues() {
        Random rnd = new Random(5);
        float[] f = new float[103];
        long[] l = new long[37];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < l.length; i++) {
            l[i] = rnd.nextLong();
        }
        Path file = tmp.resolve("pieces.safetensors");
        new SafetensorsWriter().putF32("f32", f, 103).putF16("f16", f, 103).putBF16("bf16", f, 103).putI64("i64", l, 37)
                .write(file);
        long saved = Safetensors.mapChunk;
        Safetensors.mapChunk = 10; // 8 bytes of F32/I64, 10 of F16 per mapping
        try (Safetensors st = Safetensors.open(file)) {
            assertBitsEqual(f, st.floats("f32"));
            float[] h = st.floats("f16");
            float[] b = st.floats("bf16");
            for (int i = 0; i < f.length; i++) {
                assertEquals(HalfFloats.halfToFloat(HalfFloats.floatToHalf(f[i])), h[i]);
                assertEquals(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(f[i])), b[i]);
            }
            assertArrayEquals(l, st.longs("i64"));
        } finally {
            Safetensors.mapChunk = saved;
        }
    }

    @Test
    void tensorsBeyondTwoGigabytesAreRead() throws IOException {
        // a sparse file: a 2 GiB + 16 byte U8 tensor that is never read, then a small F32 tensor past the 2 GB mark
        long big = (1L << 31) + 16;
        String header = "{\"pad\": {\"dtype\": \"U8\", \"shape\": [" + big + "], \"data_offsets\": [0, " + big + "]},"
                + " \"tail\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [" + big + ", " + (big + 16) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path f = tmp.resolve("sparse.safetensors");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f,
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.SPARSE)) {
            ByteBuffer head = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(h.length).put(h).flip();
            ch.write(head, 0);
            ByteBuffer tail = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            tail.putFloat(1.5f).putFloat(-2f).putFloat(3.25f).putFloat(Float.MAX_VALUE).flip();
            ch.write(tail, 8 + h.length + big);
        }
        try (Safetensors st = Safetensors.open(f)) {
            assertEquals(big, st.info("pad").numel());
            assertArrayEquals(new float[] {1.5f, -2f, 3.25f, Float.MAX_VALUE}, st.floats("tail"));
        }
    }

    @Test
    void headerIsPaddedToEightBytesAndDataIsContiguous() throws IOException {
        Path f = tmp.resolve("pad.safetensors");
        new SafetensorsWriter().putI32("a", new int[] {1, 2, 3}, 3).putF32("bb", new float[] {1}, 1).write(f);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong(0);
        assertEquals(0, n % 8);
        assertEquals(8 + n + 12 + 4, b.capacity());
        try (Safetensors st = Safetensors.open(f)) {
            assertEquals(0, st.info("a").begin());
            assertEquals(12, st.info("bb").begin());
        }
    }

    @Test
    void readsTheGpt2TinyFixture() {
        Path dir = TestData.hf("gpt2-tiny");
        try (Safetensors st = Safetensors.open(dir.resolve("model.safetensors"))) {
            assertEquals(28, st.names().size());
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertArrayEquals(new long[] {48, 144}, st.info("transformer.h.0.attn.c_attn.weight").shape());
            assertArrayEquals(new long[] {192, 48}, st.info("transformer.h.1.mlp.c_proj.weight").shape());
            float[] wte = st.floats("transformer.wte.weight");
            assertEquals(1000 * 48, wte.length);
            // bit patterns read independently from the file with numpy
            assertEquals(-1111748141, Float.floatToRawIntBits(wte[0]));
            assertEquals(-1111598896, Float.floatToRawIntBits(wte[999 * 48 + 47]));
        }
        try (Safetensors ref = Safetensors.open(dir.resolve("reference.safetensors"))) {
            assertEquals(Dtype.I64, ref.info("input_ids").dtype());
            assertArrayEquals(new long[] {3, 32}, ref.info("input_ids").shape());
            int[] ids = ref.ints("input_ids");
            assertArrayEquals(new int[] {723, 148, 481, 129, 117}, java.util.Arrays.copyOf(ids, 5));
            assertEquals(954, ids[95]);
            assertArrayEquals(new long[] {3, 32, 192}, ref.info("mlp_post.1").shape());
            assertEquals(-1105859345, Float.floatToRawIntBits(ref.floats("mlp_post.1")[3 * 32 * 192 - 1]));
        }
    }

    @Test
    void checkpointDirectoryWithOneFile() {
        try (CheckpointWeights ck = CheckpointWeights.open(TestData.hf("gpt2-tiny"))) {
            assertEquals(28, ck.names().size());
            assertArrayEquals(new long[] {1000, 48}, ck.info("transformer.wte.weight").shape());
            InputException e = assertThrows(InputException.class, () -> ck.floats("h.0.attn.c_attn.weight"));
            assertEquals(TestData.hf("gpt2-tiny").resolve("model.safetensors")
                    + ": no tensor 'h.0.attn.c_attn.weight' (has 28 tensors)", e.getMessage());
        }
    }

    private Path shardedCheckpoint(String indexJson) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        new SafetensorsWriter().putF32("a", new float[] {1, 2}, 2).putI64("ids", new long[] {5, 6, 7}, 3)
                .write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter().putF16("b", new float[] {0.5f, -4f, 65504f}, 3, 1)
                .write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), indexJson);
        return dir;
    }

    static final String INDEX = """
            {"metadata": {"total_size": 22},
             "weight_map": {"a": "model-00001-of-00002.safetensors", "ids": "model-00001-of-00002.safetensors",
                            "b": "model-00002-of-00002.safetensors"}}""";

    @Test
    void shardedCheckpointReadsAcrossShards() throws IOException {
        Path dir = shardedCheckpoint(INDEX);
        try (CheckpointWeights ck = CheckpointWeights.open(dir)) {
            assertEquals(List.of("a", "b", "ids"), List.copyOf(ck.names()));
            assertEquals(2, ck.files().size());
            assertArrayEquals(new float[] {1, 2}, ck.floats("a"));
            assertArrayEquals(new float[] {0.5f, -4f, 65504f}, ck.floats("b"));
            assertArrayEquals(new long[] {3, 1}, ck.info("b").shape());
            assertArrayEquals(new long[] {5, 6, 7}, ck.longs("ids"));
            assertEquals("22", ck.metadata().get("total_size"));
            assertTrue(ck.contains("ids"));
            assertFalse(ck.contains("c"));
            InputException e = assertThrows(InputException.class, () -> ck.info("c"));
            assertEquals(dir.resolve("model.safetensors.index.json") + ": no tensor 'c' (has 3 tensors)", e.getMessage());
        }
    }

    @Test
    void singleFileTakesPrecedenceOverAnIndexAndAFileCanBeOpenedDirectly() throws IOException {
        Path dir = shardedCheckpoint(INDEX);
        new SafetensorsWriter().putF32("only", new float[] {9}, 1).write(dir.resolve("model.safetensors"));
        try (CheckpointWeights ck = CheckpointWeights.open(dir)) {
            assertEquals(List.of("only"), List.copyOf(ck.names()));
        }
        try (CheckpointWeights ck = CheckpointWeights.open(dir.resolve("model-00002-of-00002.safetensors"))) {
            assertEquals(List.of("b"), List.copyOf(ck.names()));
        }
    }

    @Test
    void shardedCheckpointTensorMissingFromItsShard() throws IOException {
        Path dir = shardedCheckpoint(INDEX.replace("\"b\": \"model-00002", "\"b\": \"model-00001"));
        InputException e = assertThrows(InputException.class, () -> CheckpointWeights.open(dir));
        assertEquals(dir.resolve("model.safetensors.index.json") + ": tensor 'b' is listed in shard "
                + "model-00001-of-00002.safetensors, but " + dir.resolve("model-00001-of-00002.safetensors")
                + " has no such tensor", e.getMessage());
    }

    @Test
    void shardedCheckpointMissingShardFile() throws IOException {
        Path dir = shardedCheckpoint(INDEX.replace("\"b\": \"model-00002-of-00002", "\"b\": \"model-00003-of-00003"));
        InputException e = assertThrows(InputException.class, () -> CheckpointWeights.open(dir));
        assertEquals(dir.resolve("model.safetensors.index.json") + ": shard model-00003-of-00003.safetensors "
                + "(listed for tensor 'b') does not exist", e.getMessage());
    }

    @Test
    void shardedCheckpointBadIndex() throws IOException {
        Path dir = shardedCheckpoint("{\"metadata\": {}}");
        InputException e = assertThrows(InputException.class, () -> CheckpointWeights.open(dir));
        assertEquals(dir.resolve("model.safetensors.index.json")
                + ": no \"weight_map\" object (tensor name -> shard file)", e.getMessage());
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{not json");
        e = assertThrows(InputException.class, () -> CheckpointWeights.open(dir));
        assertEquals(dir.resolve("model.safetensors.index.json") + ": not a JSON object", e.getMessage());
    }

    @Test
    void checkpointDirectoryWithoutWeights() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        InputException e = assertThrows(InputException.class, () -> CheckpointWeights.open(dir));
        assertEquals(dir + ": no model.safetensors, model.safetensors.index.json, pytorch_model.bin or "
                + "pytorch_model.bin.index.json in the checkpoint directory", e.getMessage());
        e = assertThrows(InputException.class, () -> CheckpointWeights.open(tmp.resolve("nope")));
        assertEquals(tmp.resolve("nope") + ": no such checkpoint directory", e.getMessage());
    }

    // ---- malformed files, each with its one message ----

    /** A file with the given header text (length prefix computed) followed by {@code dataBytes} zero bytes. */
    private Path raw(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path f = tmp.resolve("bad.safetensors");
        Files.write(f, b.array());
        return f;
    }

    private String openError(Path f) {
        return assertThrows(InputException.class, () -> Safetensors.open(f).close()).getMessage();
    }

    @Test
    void fileShorterThanTheLengthPrefix() throws IOException {
        Path f = tmp.resolve("short.safetensors");
        Files.write(f, new byte[] {1, 2, 3});
        assertEquals(f + ": not a safetensors file: 3 bytes, shorter than the 8-byte header length", openError(f));
    }

    @Test
    void headerLongerThanTheFile() throws IOException {
        Path f = tmp.resolve("trunc.safetensors");
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(1000);
        Files.write(f, b.array());
        assertEquals(f + ": not a safetensors file: header length 1000 is past the end of the file (20 bytes)",
                openError(f));
        // a text file read as safetensors: its first 8 bytes "hello wo" make a huge length (checked with Python struct)
        Files.writeString(f, "hello world, this is not a model");
        assertEquals(f + ": not a safetensors file: header length 8031924123371070824 is past the end of the file "
                + "(32 bytes)", openError(f));
    }

    @Test
    void headerNotJson() throws IOException {
        assertEquals(tmp.resolve("bad.safetensors") + ": safetensors header (9 bytes) is not a JSON object",
                openError(raw("{not json", 0)));
        assertEquals(tmp.resolve("bad.safetensors") + ": safetensors header (7 bytes) is not a JSON object",
                openError(raw("[1,2,3]", 0)));
    }

    @Test
    void headerEntryMalformed() throws IOException {
        Path f = raw("{\"x\": {\"dtype\": \"F32\", \"shape\": [2]}}", 8);
        assertEquals(f + ": tensor 'x': header entry is not {\"dtype\": ..., \"shape\": [...], "
                + "\"data_offsets\": [begin, end]}", openError(f));
    }

    @Test
    void unknownDtype() throws IOException {
        Path f = raw("{\"x\": {\"dtype\": \"Q4\", \"shape\": [2], \"data_offsets\": [0, 1]}}", 1);
        assertEquals(f + ": tensor 'x' has unknown dtype 'Q4' (expected one of F64, F32, F16, BF16, I64, I32, I16, "
                + "I8, U64, U32, U16, U8, BOOL, F8_E4M3, F8_E5M2)", openError(f));
    }

    @Test
    void offsetsPastTheEnd() throws IOException {
        Path f = raw("{\"x\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 12);
        assertEquals(f + ": tensor 'x' data_offsets [0, 16] are outside the data section (12 bytes)", openError(f));
        f = raw("{\"x\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [8, 4]}}", 12);
        assertEquals(f + ": tensor 'x' data_offsets [8, 4] are outside the data section (12 bytes)", openError(f));
    }

    @Test
    void byteLengthDisagreesWithShape() throws IOException {
        Path f = raw("{\"w\": {\"dtype\": \"F16\", \"shape\": [2, 3], \"data_offsets\": [0, 24]}}", 24);
        assertEquals(f + ": tensor 'w' has 24 bytes but F16 [2, 3] needs 12", openError(f));
    }

    @Test
    void negativeDimensionAndBadMetadata() throws IOException {
        Path f = raw("{\"x\": {\"dtype\": \"F32\", \"shape\": [2, -2], \"data_offsets\": [0, 16]}}", 16);
        assertEquals(f + ": tensor 'x' has a negative dimension in shape [2, -2]", openError(f));
        f = raw("{\"__metadata__\": [\"format\", \"pt\"]}", 0);
        assertEquals(f + ": safetensors __metadata__ is not a JSON object", openError(f));
        f = raw("{\"__metadata__\": {\"format\": \"pt\", \"step\": 1200}}", 0);
        try (Safetensors st = Safetensors.open(f)) {
            assertEquals(Map.of("format", "pt", "step", "1200"), st.metadata());
            assertEquals(0, st.names().size());
        }
    }

    @Test
    void overlappingAndOutOfOrderOffsetsInRangeAreAccepted() throws IOException {
        Path f = raw("{\"b\": {\"dtype\": \"I32\", \"shape\": [2], \"data_offsets\": [4, 12]},"
                + " \"a\": {\"dtype\": \"I32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 12);
        try (Safetensors st = Safetensors.open(f)) {
            assertArrayEquals(new int[] {0, 0}, st.ints("a"));
            assertArrayEquals(new int[] {0, 0}, st.ints("b"));
        }
    }

    @Test
    void wrongKindOfRead() {
        Path f = tmp.resolve("kinds.safetensors");
        new SafetensorsWriter().putI64("ids", new long[] {1, 1L << 40}, 2).putF32("w", new float[] {1}, 1).write(f);
        try (Safetensors st = Safetensors.open(f)) {
            assertEquals(f + ": tensor 'ids' is I64, not F32, F16, BF16 or F64",
                    assertThrows(InputException.class, () -> st.floats("ids")).getMessage());
            assertEquals(f + ": tensor 'w' is F32, not an integer tensor",
                    assertThrows(InputException.class, () -> st.longs("w")).getMessage());
            assertEquals(f + ": tensor 'ids' value 1099511627776 at index 1 does not fit in an int",
                    assertThrows(InputException.class, () -> st.ints("ids")).getMessage());
            assertEquals(f + ": no tensor 'h.0.attn.c_attn.weight' (has 2 tensors)",
                    assertThrows(InputException.class, () -> st.info("h.0.attn.c_attn.weight")).getMessage());
        }
    }

    @Test
    void missingFile() {
        Path f = tmp.resolve("absent.safetensors");
        assertEquals(f + ": no such file", openError(f));
    }

    @Test
    void writerRefusesMismatchedShapeAndLeavesNoFileOnFailure() {
        assertThrows(IllegalArgumentException.class, () -> new SafetensorsWriter().putF32("x", new float[3], 2, 2));
        assertThrows(IllegalArgumentException.class,
                () -> new SafetensorsWriter().putF32("x", new float[1], 1).putF32("x", new float[1], 1));
    }

    private static void assertBitsEqual(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), "element " + i);
        }
    }
}
