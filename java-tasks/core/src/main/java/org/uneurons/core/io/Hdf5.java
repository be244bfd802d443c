package org.uneurons.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import io.jhdf.HdfFile;
import io.jhdf.WritableDatasetImpl;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Node;
import io.jhdf.api.WritableDataset;
import io.jhdf.api.WritableGroup;
import io.jhdf.exceptions.HdfException;
import io.jhdf.object.datatype.DataType;
import io.jhdf.object.datatype.FixedPoint;
import io.jhdf.object.datatype.FloatingPoint;
import io.jhdf.object.message.DataSpace;
import io.jhdf.storage.HdfBackingStorage;
import io.jhdf.storage.HdfFileChannel;

import org.uneurons.core.cli.InputException;

/**
 * HDF5 helpers over jhdf 0.13.0.
 *
 * <p>jhdf keeps every dataset's Java array in memory until the file is closed, has no append, and cannot write
 * float16. {@link #putStreamed} lifts all three for contiguous datasets: the dataset is declared with its final
 * shape and element type, and its little-endian bytes are produced by a {@link ByteSource} while jhdf writes the
 * file at close (for example copied from a spill file filled batch by batch). It works by replacing the data type
 * and data space of the dataset jhdf creates (two private fields of {@code WritableDatasetImpl}); the pinned jhdf
 * version is checked by this module's tests, and a different jhdf fails at class load with a clear message.
 */
public final class Hdf5 {
    private Hdf5() {
    }

    /** Element types of streamed datasets (always little-endian on disk). */
    public enum Element {
        FLOAT64(8, double.class), FLOAT32(4, float.class), FLOAT16(2, float.class), INT32(4, int.class), INT64(8, long.class);

        public final int size;
        final Class<?> javaType;

        Element(int size, Class<?> javaType) {
            this.size = size;
            this.javaType = javaType;
        }
    }

    /** Writes a dataset's bytes, row-major and little-endian, when jhdf writes the file (at its close). */
    @FunctionalInterface
    public interface ByteSource {
        void writeTo(WritableByteChannel out) throws IOException;
    }

    private static final Field DATA_TYPE;
    private static final Field DATA_SPACE;

    static {
        try {
            DATA_TYPE = WritableDatasetImpl.class.getDeclaredField("dataType");
            DATA_SPACE = WritableDatasetImpl.class.getDeclaredField("dataSpace");
            DATA_TYPE.setAccessible(true);
            DATA_SPACE.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("streamed HDF5 datasets need jhdf 0.13.0 (WritableDatasetImpl changed)", e);
        }
    }

    /**
     * Adds a contiguous dataset of the given shape to a jhdf group being written; {@code source} must write exactly
     * numel * element size bytes when the file is closed, else closing fails naming the dataset.
     */
    public static WritableDataset putStreamed(WritableGroup group, String name, Element type, long[] dims, ByteSource source) {
        int[] ones = new int[dims.length];
        Arrays.fill(ones, 1);
        Object placeholder = Array.newInstance(type.javaType, ones);
        WritableDataset ds = group.putDataset(name, placeholder);
        long numel = 1;
        for (long d : dims) {
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(name + ": dimension " + d + " out of range");
            }
            numel = Math.multiplyExact(numel, d);
        }
        try {
            DataSpace space = DataSpace.modifyDimensions((DataSpace) DATA_SPACE.get(ds), dims);
            DATA_SPACE.set(ds, space);
            DATA_TYPE.set(ds, new StreamedType(type, name, numel * type.size, source));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("jhdf internals not accessible", e);
        }
        return ds;
    }

    /** The HDF5 data type message of each element type: jhdf's own for 32/64-bit, IEEE binary16 built here. */
    static DataType message(Element type) {
        DataType t = switch (type) {
            case FLOAT64 -> FloatingPoint.DOUBLE;
            case FLOAT32 -> FloatingPoint.FLOAT;
            case INT32 -> DataType.fromObject(new int[] {0});
            case INT64 -> DataType.fromObject(new long[] {0});
            case FLOAT16 -> {
                ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
                b.put((byte) 0x11);           // version 1, class 1 (floating point)
                b.put((byte) 0x20);           // little-endian, no padding, mantissa normalisation 2 (implied msb)
                b.put((byte) 15);             // sign bit location
                b.put((byte) 0);
                b.putInt(2);                  // size in bytes
                b.putShort((short) 0);        // bit offset
                b.putShort((short) 16);       // bit precision
                b.put((byte) 10).put((byte) 5);  // exponent location, size
                b.put((byte) 0).put((byte) 10);  // mantissa location, size
                b.putInt(15);                 // exponent bias
                b.flip();
                yield DataType.readDataType(b);
            }
        };
        ByteOrder order = t instanceof FloatingPoint fp ? fp.getByteOrder() : ((FixedPoint) t).getByteOrder();
        if (order != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalStateException("streamed datasets are little-endian; jhdf's " + type + " type is " + order);
        }
        return t;
    }

    /** A data type that describes itself as {@code type} and takes its bytes from a {@link ByteSource}. */
    private static final class StreamedType extends DataType {
        private final DataType message;
        private final String name;
        private final long bytes;
        private final ByteSource source;

        StreamedType(Element type, String name, long bytes, ByteSource source) {
            super(1, type.size);
            this.message = message(type);
            this.name = name;
            this.bytes = bytes;
            this.source = source;
        }

        @Override
        public int getDataClass() {
            return message.getDataClass();
        }

        @Override
        public Class<?> getJavaType() {
            return message.getJavaType();
        }

        @Override
        public Object fillData(ByteBuffer buffer, int[] dimensions, HdfBackingStorage storage) {
            return message.fillData(buffer, dimensions, storage);
        }

        @Override
        public ByteBuffer toBuffer() {
            return message.toBuffer();
        }

        @Override
        public ByteBuffer encodeData(Object data) {
            throw new UnsupportedOperationException(name + ": streamed datasets are contiguous, not chunked");
        }

        @Override
        public void writeData(Object ignoredPlaceholder, int[] dimensions, HdfFileChannel channel) {
            long[] written = {0};
            WritableByteChannel out = new WritableByteChannel() {
                @Override
                public int write(ByteBuffer src) {
                    int n = src.remaining();
                    while (src.hasRemaining()) {
                        channel.write(src);
                    }
                    written[0] += n;
                    return n;
                }

                @Override
                public boolean isOpen() {
                    return true;
                }

                @Override
                public void close() {
                }
            };
            try {
                source.writeTo(out);
            } catch (IOException e) {
                throw new UncheckedIOException(name + ": cannot write dataset", e);
            }
            if (written[0] != bytes) {
                throw new IllegalStateException(name + ": streamed " + written[0] + " bytes, the dataset needs " + bytes);
            }
        }
    }

    /** A source that copies a whole file (a spill file written batch by batch). */
    public static ByteSource fromFile(Path file) {
        // a plain read/write loop with a large buffer: transferTo into a non-file channel copies 8 KB at a time
        return out -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20);
            try (var in = java.nio.channels.FileChannel.open(file)) {
                while (in.read(buf) >= 0) {
                    buf.flip();
                    while (buf.hasRemaining()) {
                        out.write(buf);
                    }
                    buf.clear();
                }
            }
        };
    }

    /** A source of float64 values (row-major), written in 4 MB pieces: no second copy of a large block. */
    public static ByteSource fromDoubles(double[] values) {
        return out -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (int done = 0; done < values.length; ) {
                int k = Math.min(values.length - done, buf.capacity() / 8);
                buf.clear();
                buf.asDoubleBuffer().put(values, done, k);
                buf.limit(8 * k);
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                done += k;
            }
        };
    }

    /** Rows of float64 values produced when the dataset is written (a block computed or read on demand). */
    public static ByteSource fromRows(java.util.function.Supplier<double[][]> rows) {
        return out -> {
            double[][] m = rows.get();
            ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (double[] row : m) {
                for (int done = 0; done < row.length; ) {
                    int k = Math.min(row.length - done, buf.remaining() / 8);
                    if (k == 0) {
                        drain(buf, out);
                        continue;
                    }
                    buf.asDoubleBuffer().put(row, done, k);
                    buf.position(buf.position() + 8 * k);
                    done += k;
                }
            }
            drain(buf, out);
        };
    }

    /** Rows of float32 values produced when the dataset is written, for {@link Element#FLOAT32}. */
    public static ByteSource fromFloatRows(java.util.function.Supplier<float[][]> rows) {
        return out -> {
            float[][] m = rows.get();
            ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] row : m) {
                for (int done = 0; done < row.length; ) {
                    int k = Math.min(row.length - done, buf.remaining() / 4);
                    if (k == 0) {
                        drain(buf, out);
                        continue;
                    }
                    buf.asFloatBuffer().put(row, done, k);
                    buf.position(buf.position() + 4 * k);
                    done += k;
                }
            }
            drain(buf, out);
        };
    }

    private static void drain(ByteBuffer buf, java.nio.channels.WritableByteChannel out) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            out.write(buf);
        }
        buf.clear();
    }

    /** A source of float32 values (row-major), for {@link Element#FLOAT32} or, rounded, {@link Element#FLOAT16}. */
    public static ByteSource fromFloats(float[] values, Element type) {
        if (type != Element.FLOAT32 && type != Element.FLOAT16) {
            throw new IllegalArgumentException("float values go to FLOAT32 or FLOAT16 datasets, not " + type);
        }
        return out -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (int done = 0; done < values.length; ) {
                int k = Math.min(values.length - done, buf.capacity() / type.size);
                buf.clear();
                if (type == Element.FLOAT32) {
                    buf.asFloatBuffer().put(values, done, k);
                } else {
                    for (int i = 0; i < k; i++) {
                        buf.putShort(2 * i, HalfFloats.floatToHalf(values[done + i]));
                    }
                }
                buf.limit(type.size * k);
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                done += k;
            }
        };
    }

    /** A source of int32 values (row-major). */
    public static ByteSource fromInts(int[] values) {
        return out -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (int done = 0; done < values.length; ) {
                int k = Math.min(values.length - done, buf.capacity() / 4);
                buf.clear();
                buf.asIntBuffer().put(values, done, k);
                buf.limit(4 * k);
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                done += k;
            }
        };
    }

    /** A source of int64 values (row-major), written in 4 MB pieces: no second copy of a large array. */
    public static ByteSource fromLongs(long[] values) {
        return out -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (int done = 0; done < values.length; ) {
                int k = Math.min(values.length - done, buf.capacity() / 8);
                buf.clear();
                buf.asLongBuffer().put(values, done, k);
                buf.limit(8 * k);
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                done += k;
            }
        };
    }

    // ---- reading ----

    /** Opens an HDF5 file for reading; a missing or non-HDF5 file is one {@link InputException} line. */
    public static HdfFile open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InputException(file + ": no such file");
        }
        Hdf5Extent.check(file);
        try {
            return new HdfFile(file);
        } catch (HdfException e) {
            throw new InputException(file + ": not an HDF5 file (" + e.getMessage() + ")");
        }
    }

    /** The dataset at {@code path}, or an {@link InputException} naming what is there instead. */
    public static Dataset dataset(HdfFile h, Path file, String path, String what) {
        Node n;
        try {
            n = h.getByPath(path);
        } catch (HdfException e) {
            n = null;
        }
        if (n == null) {
            throw new InputException(file + ": no " + path + " dataset (" + what + ")");
        }
        if (!(n instanceof Dataset d)) {
            throw new InputException(file + ": " + path + " is a group, expected a dataset (" + what + ")");
        }
        return d;
    }

    /** An attribute that must be present; {@code what} says which file format needs it. */
    public static Object attribute(Node node, Path file, String name, String what) {
        Attribute a = node.getAttribute(name);
        if (a == null) {
            throw new InputException(file + ": missing attribute '" + name + "' (" + what + ")");
        }
        Object v = a.getData();
        // h5py writes Python scalars as 0-d or 1-element arrays depending on how they were given
        if (v != null && v.getClass().isArray() && Array.getLength(v) == 1) {
            v = Array.get(v, 0);
        }
        return v;
    }

    public static String stringAttribute(Node node, Path file, String name, String what) {
        Object v = attribute(node, file, name, what);
        if (!(v instanceof String s)) {
            throw new InputException(file + ": attribute '" + name + "' is " + describe(v) + ", expected a string");
        }
        return s;
    }

    public static int intAttribute(Node node, Path file, String name, String what) {
        Object v = attribute(node, file, name, what);
        if (!(v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte)
                || ((Number) v).longValue() != ((Number) v).intValue()) {
            throw new InputException(file + ": attribute '" + name + "' is " + describe(v) + ", expected an integer");
        }
        return ((Number) v).intValue();
    }

    private static String describe(Object v) {
        if (v == null) {
            return "empty";
        }
        if (v.getClass().isArray()) {
            return "an array of " + Array.getLength(v);
        }
        return v instanceof String s ? "'" + s + "'" : v.toString();
    }

    /** Bytes mapped at a time (a mapping is capped at 2 GB); tests lower it to exercise the piecewise path. */
    static long mapChunk = 1L << 30;

    /** Sets the bytes mapped at a time and returns the previous value (tests: the piecewise path on small files). */
    public static long setMapChunk(long bytes) {
        long before = mapChunk;
        mapChunk = bytes;
        return before;
    }

    /**
     * Reads rows [row0, row0 + nRows) of a 2-D floating-point dataset with {@code cols} columns into {@code dst}
     * at {@code dstOff}, converted to float. A contiguous little-endian float32/float16 dataset (what this project
     * writes) is memory-mapped directly through {@code channel}, in pieces of at most 1 GiB, so datasets above
     * 2 GB work; anything else (chunked, compressed, big-endian, float64) goes through jhdf's own slicing.
     */
    public static void readFloatRows(HdfFile h, java.nio.channels.FileChannel channel, Dataset ds, long row0, int nRows,
                                     int cols, float[] dst, int dstOff) {
        DataType t = ds.getDataType();
        boolean raw = ds instanceof io.jhdf.api.dataset.ContiguousDataset && t instanceof FloatingPoint fp
                && fp.getByteOrder() == ByteOrder.LITTLE_ENDIAN && (t.getSize() == 4 || t.getSize() == 2);
        if (raw) {
            int size = t.getSize();
            long base = ((io.jhdf.api.dataset.ContiguousDataset) ds).getDataAddress() + h.getUserBlockSize();
            long total = (long) nRows * cols * size;
            long start = base + row0 * cols * size;
            long chunk = mapChunk - (mapChunk % size);
            long done = 0;
            try {
                while (done < total) {
                    long len = Math.min(chunk, total - done);
                    ByteBuffer m = channel.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, start + done, len)
                            .order(ByteOrder.LITTLE_ENDIAN);
                    int at = dstOff + (int) (done / size);
                    int n = (int) (len / size);
                    if (size == 4) {
                        m.asFloatBuffer().get(dst, at, n);
                    } else {
                        for (int i = 0; i < n; i++) {
                            dst[at + i] = HalfFloats.halfToFloat(m.getShort(2 * i));
                        }
                    }
                    done += len;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(ds.getPath() + ": cannot read", e);
            }
            return;
        }
        Object o = ds.getData(new long[] {row0, 0}, new int[] {nRows, cols});
        for (int r = 0; r < nRows; r++) {
            Object row = Array.get(o, r);
            int at = dstOff + r * cols;
            if (row instanceof float[] fr) {
                System.arraycopy(fr, 0, dst, at, cols);
            } else if (row instanceof double[] dr) {
                for (int c = 0; c < cols; c++) {
                    dst[at + c] = (float) dr[c];
                }
            } else {
                throw new IllegalStateException(ds.getPath() + ": unexpected element type " + row.getClass());
            }
        }
    }

    /** An integer dataset of any rank as a flat long[] (whatever Java type jhdf returns), row-major. */
    public static long[] longsFlat(Dataset ds) {
        Object o = ds.getData();
        long n = 1;
        for (int d : ds.getDimensions()) {
            n *= d;
        }
        long[] out = new long[Math.toIntExact(n)];
        int[] at = {0};
        flattenLongs(o, out, at);
        return out;
    }

    private static void flattenLongs(Object o, long[] out, int[] at) {
        if (o instanceof long[] a) {
            System.arraycopy(a, 0, out, at[0], a.length);
            at[0] += a.length;
        } else if (o instanceof int[] a) {
            for (int v : a) {
                out[at[0]++] = v;
            }
        } else if (o instanceof short[] a) {
            for (short v : a) {
                out[at[0]++] = v;
            }
        } else if (o instanceof byte[] a) {
            for (byte v : a) {
                out[at[0]++] = v;
            }
        } else if (o instanceof java.math.BigInteger[] a) {
            for (java.math.BigInteger v : a) {
                out[at[0]++] = v.bitLength() < 64 ? v.longValue() : Long.MAX_VALUE;
            }
        } else if (o instanceof Object[] a) {
            for (Object x : a) {
                flattenLongs(x, out, at);
            }
        } else {
            throw new IllegalStateException("not an integer array: " + (o == null ? "null" : o.getClass()));
        }
    }

    /** Element type name of a dataset as users know it: float32, float16, int32, int64, ... */
    public static String typeName(Dataset d) {
        DataType t = d.getDataType();
        if (t instanceof FloatingPoint) {
            return "float" + 8 * t.getSize();
        }
        if (t instanceof FixedPoint fp) {
            return (fp.isSigned() ? "int" : "uint") + 8 * t.getSize();
        }
        return t.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }
}
