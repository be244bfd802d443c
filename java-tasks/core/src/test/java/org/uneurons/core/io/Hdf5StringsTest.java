package org.uneurons.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.object.datatype.StringData;
import io.jhdf.object.datatype.VariableLength;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Hdf5StringsTest {
    @TempDir
    Path tmp;

    /** Accents, CJK, an emoji (a surrogate pair in Java, 4 bytes in UTF-8), a NUL-free control char and "". */
    private static final String[] TEXTS = {"plain", "", "é à ü", "日本語", "😀 emoji", "tab\there", "Ġthe"};

    @Test
    void stringAttributesAndDatasetsAreVariableLengthUtf8AndReadBackThroughJhdf() throws Exception {
        Path f = tmp.resolve("strings.h5");
        byte[] raw = new byte[256];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) i;
        }
        try (Hdf5Writer w = Hdf5Writer.create(f)) {
            w.attribute("format", "test/1").attribute("empty", "").attribute("emoji", "😀")
                    .attribute("columns", TEXTS).attribute("n", 3)
                    .dataset("texts", TEXTS).dataset("one", "scalar ü").bytes("raw", raw)
                    .streamed("x", Hdf5.Element.INT32, new long[] {2}, Hdf5.fromInts(new int[] {7, -7}));
            w.group("g").attribute("kind", "日本").dataset("names", new String[] {"a", "b"});
        }
        try (Hdf5Reader r = Hdf5Reader.open(f)) {
            assertEquals("test/1", r.string("format", "t"));
            assertEquals("", r.string("empty", "t"));
            assertEquals("😀", r.string("emoji", "t"));
            assertArrayEquals(TEXTS, (String[]) r.attribute("/", "columns"));
            assertEquals(3, r.integer("n", "t"));
            assertArrayEquals(TEXTS, r.stringsOrNull("/texts"));
            assertEquals("日本", r.string("/g", "kind", "t"));
            assertArrayEquals(new String[] {"a", "b"}, r.stringsOrNull("/g/names"));
            assertArrayEquals(raw, r.bytes("/raw", "t"));
            assertEquals("uint8", r.typeName("/raw", "t"));
            assertArrayEquals(new long[] {7, -7}, r.integersFlat("/x", "t"));
        }
        try (HdfFile h = new HdfFile(f)) {
            assertEquals("scalar ü", h.getDatasetByPath("/one").getData());
            for (String d : new String[] {"/texts", "/one", "/g/names"}) {
                VariableLength t = assertInstanceOf(VariableLength.class, h.getDatasetByPath(d).getDataType(), d);
                assertTrue(t.isVariableLengthString());
                assertEquals(StandardCharsets.UTF_8, t.getEncoding());
            }
            for (String a : new String[] {"format", "empty", "columns", "_jHDF"}) {
                assertInstanceOf(VariableLength.class, h.getAttribute(a).getDataType(), a);
            }
            assertInstanceOf(VariableLength.class, h.getByPath("/g").getAttribute("kind").getDataType());
        }
        // the heap sits after the superblock, the root after it, and the superblock records the file's length
        ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("GCOL", new String(head.array(), 64, 4, StandardCharsets.US_ASCII));
        assertEquals(Files.size(f), head.getLong(28));
        assertEquals(64 + head.getLong(64 + 8), head.getLong(36));
        assertEquals(Files.size(f), Hdf5Extent.check(f));
    }

    @Test
    void manyAndLargeStringsSpanSeveralCollections() {
        String[] many = new String[70_000]; // more objects than one collection can number
        for (int i = 0; i < many.length; i++) {
            many[i] = "t" + i;
        }
        String big = "x".repeat(1 << 20) + "é"; // larger than a collection's cap: a collection of its own
        Path f = tmp.resolve("many.h5");
        try (Hdf5Writer w = Hdf5Writer.create(f)) {
            w.dataset("many", many).attribute("big", big).dataset("after", new String[] {"last"});
        }
        try (Hdf5Reader r = Hdf5Reader.open(f)) {
            assertArrayEquals(many, r.stringsOrNull("/many"));
            assertEquals(big, r.string("big", "t"));
            assertArrayEquals(new String[] {"last"}, r.stringsOrNull("/after"));
        }
    }

    @Test
    void heapIdsNameTheirCollectionAndIndexAndCollectionsArePaddedAsTheLibraryDoes() {
        Hdf5Strings.Heap heap = new Hdf5Strings.Heap(64);
        ByteBuffer ids = ByteBuffer.wrap(heap.addAll(new String[] {"héllo", ""})).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(6, ids.getInt());
        assertEquals(64, ids.getLong());
        assertEquals(1, ids.getInt());
        assertEquals(0, ids.getInt());
        assertEquals(64, ids.getLong());
        assertEquals(2, ids.getInt());
        ByteBuffer b = heap.toBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(4096, b.remaining());
        assertEquals(4096, b.getLong(8));
        // object 1: 16-byte header + 8 bytes ("héllo" padded); object 2: header only; then free space to the end
        assertEquals(1, b.getShort(16));
        assertEquals(6, b.getLong(24));
        assertEquals(2, b.getShort(16 + 24));
        assertEquals(0, b.getShort(16 + 24 + 16));
        assertEquals(4096 - (16 + 24 + 16), b.getLong(16 + 24 + 16 + 8));
        assertEquals(4096, Hdf5Strings.Heap.collectionSize(4080));
        assertEquals(4104, Hdf5Strings.Heap.collectionSize(4088)); // room for the free-space object's header
        assertEquals(5000, Hdf5Strings.Heap.collectionSize(5000));
        assertEquals(0, new Hdf5Strings.Heap(64).toBuffer().remaining());
    }

    @Test
    void fixedLengthStringsOfEarlierFilesStillRead() {
        Path f = tmp.resolve("old.h5");
        try (WritableHdfFile h = HdfFile.write(f)) { // jhdf's own close: fixed-length strings, as before
            h.putAttribute("format", "old/1");
            h.putDataset("texts", TEXTS);
        }
        try (HdfFile h = new HdfFile(f)) {
            assertInstanceOf(StringData.class, h.getDatasetByPath("/texts").getDataType());
        }
        try (Hdf5Reader r = Hdf5Reader.open(f)) {
            assertEquals("old/1", r.string("format", "t"));
            assertArrayEquals(TEXTS, r.stringsOrNull("/texts"));
            assertNull(r.stringsOrNull("/none"));
        }
    }

    @Test
    void anEmptyByteDatasetIsRefusedWhenItIsAdded() {
        Path f = tmp.resolve("empty.h5");
        try (Hdf5Writer w = Hdf5Writer.create(f)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.bytes("raw", new byte[0]));
            assertEquals("raw: a uint8 dataset needs at least one byte", e.getMessage());
        }
        Set<String> seen = new HashSet<>();
        try (Hdf5Reader r = Hdf5Reader.open(f)) {
            seen.addAll(r.children("/", "t"));
        }
        assertTrue(seen.isEmpty(), seen.toString());
    }
}
