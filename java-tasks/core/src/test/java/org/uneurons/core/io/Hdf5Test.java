package org.uneurons.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.WritableGroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uneurons.core.cli.InputException;

class Hdf5Test {
    @TempDir
    Path tmp;

    private static Hdf5.ByteSource bytes(ByteBuffer b) {
        return out -> {
            ByteBuffer d = b.duplicate();
            d.rewind();
            while (d.hasRemaining()) {
                out.write(d);
            }
        };
    }

    @Test
    void streamedDatasetsOfEveryElementTypeReadBackThroughJhdf() {
        int rows = 3;
        int cols = 5;
        ByteBuffer f32 = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer f16 = ByteBuffer.allocate(65536 * 2).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer f64 = ByteBuffer.allocate(4 * 8).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer i32 = ByteBuffer.allocate(6 * 4).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer i64 = ByteBuffer.allocate(2 * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * cols; i++) {
            f32.putFloat(i * 0.5f - 3);
        }
        for (int b = 0; b < 65536; b++) {
            f16.putShort((short) b); // every half bit pattern
        }
        for (double d : new double[] {1e-300, -2.5, Math.PI, 1e300}) {
            f64.putDouble(d);
        }
        for (int v : new int[] {0, -1, 50256, Integer.MAX_VALUE, Integer.MIN_VALUE, 7}) {
            i32.putInt(v);
        }
        i64.putLong(Long.MIN_VALUE).putLong(1L << 40);
        Path f = tmp.resolve("streamed.h5");
        try (WritableHdfFile h = HdfFile.write(f)) {
            h.putAttribute("name", "streamed");
            h.putAttribute("n", 12);
            WritableGroup g = h.putGroup("g");
            Hdf5.putStreamed(g, "f32", Hdf5.Element.FLOAT32, new long[] {rows, cols}, bytes(f32));
            Hdf5.putStreamed(g, "f16", Hdf5.Element.FLOAT16, new long[] {256, 256}, bytes(f16));
            Hdf5.putStreamed(h, "f64", Hdf5.Element.FLOAT64, new long[] {4}, bytes(f64));
            Hdf5.putStreamed(h, "i32", Hdf5.Element.INT32, new long[] {2, 3}, bytes(i32));
            Hdf5.putStreamed(h, "i64", Hdf5.Element.INT64, new long[] {2}, bytes(i64));
            h.putDataset("plain", new int[] {4, 5, 6});
        }
        try (HdfFile h = Hdf5.open(f)) {
            assertEquals("streamed", Hdf5.stringAttribute(h, f, "name", "test"));
            assertEquals(12, Hdf5.intAttribute(h, f, "n", "test"));
            Dataset d32 = h.getDatasetByPath("/g/f32");
            assertArrayEquals(new int[] {rows, cols}, d32.getDimensions());
            assertEquals("float32", Hdf5.typeName(d32));
            float[][] v32 = (float[][]) d32.getData();
            for (int i = 0; i < rows * cols; i++) {
                assertEquals(i * 0.5f - 3, v32[i / cols][i % cols]);
            }
            Dataset d16 = h.getDatasetByPath("/g/f16");
            assertEquals("float16", Hdf5.typeName(d16));
            float[][] v16 = (float[][]) d16.getData();
            for (int b = 0; b < 65536; b++) {
                float want = HalfFloats.halfToFloat((short) b);
                float got = v16[b / 256][b % 256];
                if (Float.isNaN(want)) {
                    assertTrue(Float.isNaN(got), "pattern " + b);
                } else {
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), "pattern " + b);
                }
            }
            assertArrayEquals(new double[] {1e-300, -2.5, Math.PI, 1e300}, (double[]) h.getDatasetByPath("/f64").getData());
            assertArrayEquals(new int[][] {{0, -1, 50256}, {Integer.MAX_VALUE, Integer.MIN_VALUE, 7}},
                    (int[][]) h.getDatasetByPath("/i32").getData());
            assertEquals("int32", Hdf5.typeName(h.getDatasetByPath("/i32")));
            assertArrayEquals(new long[] {Long.MIN_VALUE, 1L << 40}, (long[]) h.getDatasetByPath("/i64").getData());
            assertArrayEquals(new int[] {4, 5, 6}, (int[]) h.getDatasetByPath("/plain").getData());
        }
    }

    @Test
    void aSourceThatWritesTheWrongNumberOfBytesFailsTheClose() {
        Path f = tmp.resolve("short.h5");
        WritableHdfFile h = HdfFile.write(f);
        Hdf5.putStreamed(h, "x", Hdf5.Element.FLOAT32, new long[] {4}, bytes(ByteBuffer.allocate(12)));
        IllegalStateException e = assertThrows(IllegalStateException.class, h::close);
        assertTrue(e.getMessage().contains("x: streamed 12 bytes, the dataset needs 16"), e.getMessage());
    }

    @Test
    void openReportsMissingAndNonHdf5Files() throws Exception {
        Path missing = tmp.resolve("none.h5");
        assertEquals(missing + ": no such file", assertThrows(InputException.class, () -> Hdf5.open(missing)).getMessage());
        Path text = tmp.resolve("text.h5");
        Files.writeString(text, "not hdf5 at all, just some text that is long enough to look at");
        String m = assertThrows(InputException.class, () -> Hdf5.open(text)).getMessage();
        assertTrue(m.startsWith(text + ": not an HDF5 file ("), m);
        assertFalse(m.contains("\n"));
    }
}
