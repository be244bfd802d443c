package org.uneurons.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.cli.InputException;
import org.uneurons.core.testing.TestData;

/**
 * pytorch_model.bin (torch.save's zip archive) against the safetensors it was made from (testdata/hf/make_torch_bin.py):
 * float32 bit for bit through shared storages, a storage offset and transposed views; float16 and bfloat16 equal to
 * the float32 values rounded to nearest even; and each malformed archive one error naming the file.
 */
class TorchFileTest {
    @TempDir
    Path tmp;

    @Test
    void float32TwinIsBitIdenticalThroughEveryKindOfView() {
        try (CheckpointWeights st = CheckpointWeights.open(TestData.hf("gpt2-tiny"));
             CheckpointWeights bin = CheckpointWeights.open(TestData.hf("gpt2-tiny-bin"))) {
            assertEquals(CheckpointWeights.Format.PYTORCH, bin.format());
            assertEquals(TestData.hf("gpt2-tiny-bin").resolve("pytorch_model.bin"), bin.origin());
            for (String name : st.names()) {
                assertEquals(Dtype.F32, bin.info(name).dtype(), name);
                assertArrayEquals(st.info(name).shape(), bin.info(name).shape(), name);
                assertArrayEquals(bits(st.floats(name)), bits(bin.floats(name)), name);
            }
            // the tied head shares wte's storage; the old buffers are there and typed
            assertArrayEquals(bits(st.floats("transformer.wte.weight")), bits(bin.floats("lm_head.weight")));
            assertEquals(st.names().size() + 1 + 2 * 2, bin.names().size());
            assertEquals(Dtype.U8, bin.info("transformer.h.0.attn.bias").dtype());
            long[] mask = bin.longs("transformer.h.0.attn.bias");
            assertEquals(64 * 65 / 2, Arrays.stream(mask).sum());
            assertEquals(1, mask[64 + 1]);
            assertEquals(0, mask[1]);
            assertArrayEquals(new long[0], bin.info("transformer.h.1.attn.masked_bias").shape());
            assertArrayEquals(new float[] {-1e4f}, bin.floats("transformer.h.1.attn.masked_bias"));
            // ln_1.bias is the second half of ln_1.weight's storage
            assertEquals(48 * 4, bin.info("transformer.h.0.ln_1.bias").begin());
            assertEquals(96 * 4, bin.info("transformer.h.0.ln_1.bias").end());
        }
    }

    @Test
    void piecewiseMappingGivesTheSameValues() {
        long saved = TorchFile.mapChunk;
        TorchFile.mapChunk = 1000;
        try (CheckpointWeights st = CheckpointWeights.open(TestData.hf("gpt2-tiny"));
             TorchFile bin = TorchFile.open(TestData.hf("gpt2-tiny-bin").resolve("pytorch_model.bin"))) {
            assertArrayEquals(bits(st.floats("transformer.wte.weight")), bits(bin.floats("transformer.wte.weight")));
            assertArrayEquals(bits(st.floats("transformer.h.1.mlp.c_fc.weight")),
                    bits(bin.floats("transformer.h.1.mlp.c_fc.weight")));
        } finally {
            TorchFile.mapChunk = saved;
        }
    }

    @Test
    void float16ShardsEqualTheFloat32ValuesRoundedToHalf() {
        Path dir = TestData.hf("gpt2-tiny-bin16");
        try (CheckpointWeights st = CheckpointWeights.open(TestData.hf("gpt2-tiny"));
             CheckpointWeights bin = CheckpointWeights.open(dir)) {
            assertEquals(dir.resolve("pytorch_model.bin.index.json"), bin.origin());
            assertEquals(2, bin.files().size());
            assertEquals(st.names(), bin.names());
            for (String name : st.names()) {
                assertEquals(Dtype.F16, bin.info(name).dtype(), name);
                float[] want = st.floats(name);
                for (int i = 0; i < want.length; i++) {
                    want[i] = HalfFloats.halfToFloat(HalfFloats.floatToHalf(want[i]));
                }
                assertArrayEquals(bits(want), bits(bin.floats(name)), name);
            }
        }
    }

    @Test
    void bfloat16TwinEqualsTheFloat32ValuesRoundedToBfloat16() {
        try (CheckpointWeights st = CheckpointWeights.open(TestData.hf("neox-tiny"));
             CheckpointWeights bin = CheckpointWeights.open(TestData.hf("neox-tiny-bin"))) {
            for (String name : st.names()) {
                assertEquals(Dtype.BF16, bin.info(name).dtype(), name);
                float[] want = st.floats(name);
                for (int i = 0; i < want.length; i++) {
                    want[i] = HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(want[i]));
                }
                assertArrayEquals(bits(want), bits(bin.floats(name)), name);
            }
            assertEquals(Dtype.F32, bin.info("gpt_neox.layers.0.attention.rotary_emb.inv_freq").dtype());
            assertEquals(1.0f, bin.floats("gpt_neox.layers.1.attention.rotary_emb.inv_freq")[0]);
        }
    }

    @Test
    void safetensorsWinWhenBothAreThere() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("both"));
        Files.copy(TestData.hf("gpt2-tiny-bin").resolve("pytorch_model.bin"), dir.resolve("pytorch_model.bin"));
        try (CheckpointWeights w = CheckpointWeights.open(dir)) {
            assertEquals(CheckpointWeights.Format.PYTORCH, w.format());
        }
        Files.copy(TestData.hf("gpt2-tiny").resolve("model.safetensors"), dir.resolve("model.safetensors"));
        try (CheckpointWeights w = CheckpointWeights.open(dir)) {
            assertEquals(CheckpointWeights.Format.SAFETENSORS, w.format());
            assertFalse(w.contains("lm_head.weight"));
        }
    }

    @Test
    void integerAndFloatReadsRefuseTheOtherKind() {
        Path f = TestData.hf("gpt2-tiny-bin").resolve("pytorch_model.bin");
        try (TorchFile bin = TorchFile.open(f)) {
            InputException e = assertThrows(InputException.class, () -> bin.floats("transformer.h.0.attn.bias"));
            assertEquals(f + ": tensor 'transformer.h.0.attn.bias' is U8, not F32, F16, BF16 or F64", e.getMessage());
            e = assertThrows(InputException.class, () -> bin.ints("transformer.wte.weight"));
            assertEquals(f + ": tensor 'transformer.wte.weight' is F32, not an integer tensor", e.getMessage());
            assertEquals(1, bin.ints("transformer.h.1.attn.bias")[0]);
        }
    }

    // ---- damaged and foreign archives: one line each, naming the file ----

    private static final Path GPT2_BIN = TestData.hf("gpt2-tiny-bin").resolve("pytorch_model.bin");
    private static final String PKL = "pytorch_model/data.pkl";

    private String openError(Path f) {
        InputException e = assertThrows(InputException.class, () -> TorchFile.open(f).close());
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage().substring(f.toString().length() + 2);
    }

    @Test
    void truncatedArchive() throws IOException {
        Path f = tmp.resolve("truncated.bin");
        byte[] all = Files.readAllBytes(GPT2_BIN);
        Files.write(f, Arrays.copyOf(all, all.length / 2));
        String m = openError(f);
        assertTrue(m.startsWith("cannot read the zip directory ("), m);
        assertTrue(m.endsWith("); the file is truncated or damaged"), m);
    }

    @Test
    void missingStorageEntry() throws IOException {
        Path f = rewrite("missing.bin", (name, data) -> name.equals("pytorch_model/data/2") ? null : data);
        assertEquals("tensor 'transformer.h.0.ln_1.bias' is stored in archive entry pytorch_model/data/2, which the "
                + "archive does not hold", openError(f));
    }

    @Test
    void storageOfTheWrongSize() throws IOException {
        Path f = rewrite("short.bin", (name, data) -> name.equals("pytorch_model/data/1") ? Arrays.copyOf(data, 100) : data);
        assertEquals("archive entry pytorch_model/data/1 has 100 bytes, but storage '1' (torch.FloatStorage, 3072 "
                + "elements) needs 12288", openError(f));
    }

    @Test
    void unknownStorageType() throws IOException {
        Path f = rewritePickle("complex.bin", "torch\nFloatStorage\n", "torch\nComplexFloatStorage\n");
        assertEquals("archive entry " + PKL + " has tensors of storage type torch.ComplexFloatStorage, which is not "
                + "supported (expected one of torch.BFloat16Storage, torch.BoolStorage, torch.ByteStorage, "
                + "torch.CharStorage, torch.DoubleStorage, torch.FloatStorage, torch.HalfStorage, torch.IntStorage, "
                + "torch.LongStorage, torch.ShortStorage)", openError(f));
    }

    @Test
    void aGlobalThatIsNotATensorRebuild() throws IOException {
        Path f = rewritePickle("eval.bin", "torch._utils\n_rebuild_tensor_v2\n", "builtins\neval\n");
        assertEquals("archive entry " + PKL + " calls builtins.eval, which is not a PyTorch tensor rebuild (a state dict "
                + "of tensors names only torch._utils._rebuild_tensor_v2, the torch storage types and "
                + "collections.OrderedDict)", openError(f));
    }

    @Test
    void aTorchGlobalThisReaderDoesNotSupport() throws IOException {
        Path f = rewritePickle("v3.bin", "torch._utils\n_rebuild_tensor_v2\n", "torch._utils\n_rebuild_tensor_v3\n");
        assertEquals("archive entry " + PKL + " calls torch._utils._rebuild_tensor_v3, which this reader does not support"
                + " (it reads state dicts of plain tensors, torch._utils._rebuild_tensor_v2 on the torch storage types; not"
                + " float8 or unsigned 16-64 bit tensors, tensor subclasses or quantized tensors)", openError(f));
    }

    @Test
    void aViewOutsideItsStorage() throws IOException {
        // wpe (64 x 48, storage '1') claims to start at element 1: it then reaches one element past the end
        byte[] pkl = readEntry(GPT2_BIN, PKL);
        int at = indexOf(pkl, "transformer.wpe.weight".getBytes(StandardCharsets.UTF_8));
        int persid = indexOf(pkl, new byte[] {'Q', 'K', 0}, at);
        pkl[persid + 2] = 1;
        Path f = rewrite("outside.bin", (name, data) -> name.equals(PKL) ? pkl : data);
        assertEquals("tensor 'transformer.wpe.weight' (offset 1, size [64, 48], stride [48, 1]) reaches element 3072 of "
                + "storage '1', which has 3072 elements", openError(f));
    }

    @Test
    void legacyFormatAndForeignFiles() throws IOException {
        Path legacy = tmp.resolve("legacy.bin");
        Files.write(legacy, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10});
        assertTrue(openError(legacy).startsWith("PyTorch's legacy checkpoint format (a bare pickle"), openError(legacy));
        Path text = tmp.resolve("text.bin");
        Files.writeString(text, "hello");
        assertEquals("not a zip archive (a pytorch_model.bin is the zip archive torch.save writes)", openError(text));
        Path noPickle = rewrite("nopickle.bin", (name, data) -> name.equals(PKL) ? null : data);
        assertEquals("the zip archive has no <archive>/data.pkl entry, so it is not a checkpoint written by torch.save",
                openError(noPickle));
        InputException e = assertThrows(InputException.class, () -> TorchFile.open(tmp.resolve("nope.bin")));
        assertEquals(tmp.resolve("nope.bin") + ": no such file", e.getMessage());
    }

    @Test
    void notAStateDict() throws IOException {
        // the pickle of a bare list: PROTO 2, EMPTY_LIST, STOP
        Path f = rewrite("list.bin", (name, data) -> name.equals(PKL) ? new byte[] {(byte) 0x80, 2, ']', '.'} : data);
        assertEquals("archive entry " + PKL + " holds a list, expected a state dict (tensor name -> tensor)", openError(f));
    }

    @Test
    void compressedStorage() throws IOException {
        Path f = tmp.resolve("deflated.bin");
        try (ZipFile in = new ZipFile(GPT2_BIN.toFile()); ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(f))) {
            for (ZipEntry e : List.copyOf(in.stream().toList())) {
                byte[] data = in.getInputStream(e).readAllBytes();
                putEntry(out, e.getName(), data, !e.getName().equals("pytorch_model/data/0"));
            }
        }
        assertEquals("archive entry pytorch_model/data/0 is compressed (zip method 8); torch.save stores tensor data "
                + "uncompressed", openError(f));
    }

    // ---- helpers ----

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }

    private Path rewritePickle(String file, String from, String to) throws IOException {
        String pkl = new String(readEntry(GPT2_BIN, PKL), StandardCharsets.ISO_8859_1);
        assertTrue(pkl.contains(from), from);
        byte[] edited = pkl.replaceFirst(java.util.regex.Pattern.quote(from), to).getBytes(StandardCharsets.ISO_8859_1);
        return rewrite(file, (name, data) -> name.equals(PKL) ? edited : data);
    }

    /** A copy of gpt2-tiny-bin's archive with every entry passed through {@code edit} (null drops it), all stored. */
    private Path rewrite(String file, BiFunction<String, byte[], byte[]> edit) throws IOException {
        Path f = tmp.resolve(file);
        try (ZipFile in = new ZipFile(GPT2_BIN.toFile()); ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(f))) {
            for (ZipEntry e : in.stream().toList()) {
                byte[] data = edit.apply(e.getName(), in.getInputStream(e).readAllBytes());
                if (data != null) {
                    putEntry(out, e.getName(), data, true);
                }
            }
        }
        return f;
    }

    private static void putEntry(ZipOutputStream out, String name, byte[] data, boolean stored) throws IOException {
        ZipEntry z = new ZipEntry(name);
        if (stored) {
            CRC32 crc = new CRC32();
            crc.update(data);
            z.setMethod(ZipEntry.STORED);
            z.setSize(data.length);
            z.setCompressedSize(data.length);
            z.setCrc(crc.getValue());
        } else {
            z.setMethod(ZipEntry.DEFLATED);
        }
        out.putNextEntry(z);
        OutputStream o = out;
        o.write(data);
        out.closeEntry();
    }

    private static byte[] readEntry(Path zip, String name) throws IOException {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            return z.getInputStream(z.getEntry(name)).readAllBytes();
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        return indexOf(hay, needle, 0);
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
