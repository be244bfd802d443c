package org.uneurons.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.dataset.ContiguousDataset;
import io.jhdf.exceptions.HdfException;
import io.jhdf.object.datatype.FixedPoint;
import io.jhdf.object.datatype.FloatingPoint;

import org.uneurons.core.cli.InputException;

/**
 * Reads an HDF5 file for the project's file formats (org.uneurons.formats); with {@link Hdf5Writer}, the only code
 * that touches jhdf. Every problem is one {@link InputException} that names the file, the dataset or attribute, and
 * what was expected ({@code what} names the format in messages, e.g. "token shard").
 *
 * <p>Paths are absolute ({@code /group/dataset}); attributes are read from the root unless a node is named.
 * Attributes written by h5py as one-element arrays read as scalars. Datasets are read whole, except
 * {@link #floatRows}, which maps contiguous float32/float16 data piece by piece.
 */
public final class Hdf5Reader implements AutoCloseable {
    private final Path file;
    private final HdfFile h;
    /** The file's length when opened: contiguous datasets must lie within it. */
    private final long size;
    private FileChannel channel;

    private Hdf5Reader(Path file, HdfFile h, long size) {
        this.file = file;
        this.h = h;
        this.size = size;
    }

    /**
     * Opens {@code file}; a missing, non-HDF5 or truncated file ({@link Hdf5Extent}: shorter than its superblock says)
     * is one {@link InputException} line.
     */
    public static Hdf5Reader open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InputException(file + ": no such file");
        }
        long size = Hdf5Extent.check(file);
        try {
            return new Hdf5Reader(file, new HdfFile(file), size);
        } catch (HdfException | IllegalArgumentException e) {
            throw new InputException(file + ": not an HDF5 file (" + e.getMessage() + ")");
        }
    }

    public Path file() {
        return file;
    }

    // ---- structure

    private Node node(String path) {
        try {
            return path.isEmpty() || path.equals("/") ? h : h.getByPath(path);
        } catch (HdfException e) {
            return null;
        }
    }

    public boolean exists(String path) {
        return node(path) != null;
    }

    public boolean isGroup(String path) {
        return node(path) instanceof Group;
    }

    public boolean isDataset(String path) {
        return node(path) instanceof Dataset;
    }

    /** Names of a group's children (datasets and groups), in the file's order. */
    public List<String> children(String group, String what) {
        Node n = node(group);
        if (!(n instanceof Group g)) {
            throw new InputException(file + ": no group " + group + " (" + what + ")");
        }
        return new ArrayList<>(g.getChildren().keySet());
    }

    // ---- attributes

    /** The attribute of the node at {@code path} as a scalar (one-element arrays unwrapped), or null when absent. */
    public Object attribute(String path, String name) {
        Node n = node(path);
        Attribute a = n == null ? null : n.getAttribute(name);
        if (a == null) {
            return null;
        }
        Object v = a.getData();
        if (v != null && v.getClass().isArray() && Array.getLength(v) == 1) {
            v = Array.get(v, 0);
        }
        return v;
    }

    private Object required(String path, String name, String what) {
        Object v = attribute(path, name);
        if (v == null) {
            throw new InputException(file + ": missing attribute '" + name + "'" + on(path) + " (" + what + ")");
        }
        return v;
    }

    private static String on(String path) {
        return path.isEmpty() || path.equals("/") ? "" : " of " + path;
    }

    /** A root string attribute that must be present. */
    public String string(String name, String what) {
        return string("/", name, what);
    }

    public String string(String path, String name, String what) {
        Object v = required(path, name, what);
        if (!(v instanceof String s)) {
            throw new InputException(file + ": attribute '" + name + "'" + on(path) + " is " + describe(v)
                    + ", expected a string");
        }
        return s;
    }

    /** A root string attribute, or null when absent (numbers are given as their text). */
    public String optionalString(String name) {
        Object v = attribute("/", name);
        return v == null ? null : v.toString();
    }

    /** A root integer attribute that must be present and fit an int. */
    public int integer(String name, String what) {
        return integer("/", name, what);
    }

    public int integer(String path, String name, String what) {
        long v = longValue(path, name, what);
        if (v != (int) v) {
            throw new InputException(file + ": attribute '" + name + "'" + on(path) + " is " + v + ", expected an integer"
                    + " that fits 32 bits");
        }
        return (int) v;
    }

    public long longValue(String name, String what) {
        return longValue("/", name, what);
    }

    public long longValue(String path, String name, String what) {
        Object v = required(path, name, what);
        if (!(v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte)) {
            throw new InputException(file + ": attribute '" + name + "'" + on(path) + " is " + describe(v)
                    + ", expected an integer");
        }
        return ((Number) v).longValue();
    }

    /**
     * A root integer attribute, or null when absent; a value written as text ("3") is accepted, anything else is an
     * error naming the attribute.
     */
    public Integer optionalInteger(String name) {
        Object v = attribute("/", name);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return Math.toIntExact(n.longValue());
        }
        try {
            return Integer.parseInt(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new InputException(file + ": attribute " + name + " is '" + v + "', expected an integer");
        }
    }

    /** A numeric attribute (any number type), or null when absent. */
    public Number optionalNumber(String path, String name) {
        return attribute(path, name) instanceof Number n ? n : null;
    }

    /** A root number attribute (integer or floating point) that must be present. */
    public double number(String name, String what) {
        Object v = required("/", name, what);
        if (!(v instanceof Number n)) {
            throw new InputException(file + ": attribute '" + name + "' is " + describe(v) + ", expected a number");
        }
        return n.doubleValue();
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

    // ---- datasets

    private Dataset dataset(String path, String what) {
        Node n = node(path);
        if (n == null) {
            throw new InputException(file + ": no " + path + " dataset (" + what + ")");
        }
        if (!(n instanceof Dataset d)) {
            throw new InputException(file + ": " + path + " is a group, expected a dataset (" + what + ")");
        }
        if (d instanceof ContiguousDataset c) {
            Hdf5Extent.checkDataset(file, size, c.getDataAddress() + h.getUserBlockSize(), c.getSizeInBytes());
        }
        return d;
    }

    public int[] shape(String path, String what) {
        return dataset(path, what).getDimensions();
    }

    /** float32, float16, int32, int64, ... as users know them. */
    public String typeName(String path, String what) {
        return Hdf5.typeName(dataset(path, what));
    }

    public boolean isFloating(String path, String what) {
        return dataset(path, what).getDataType() instanceof FloatingPoint;
    }

    public boolean isInteger(String path, String what) {
        return dataset(path, what).getDataType() instanceof FixedPoint;
    }

    private InputException wrongShape(String path, Dataset d, String expected) {
        return new InputException(file + ": " + path + " has shape " + Arrays.toString(d.getDimensions()) + " of "
                + Hdf5.typeName(d) + ", expected " + expected);
    }

    /** A float64 vector of exactly {@code length} values. */
    public double[] doubles(String path, int length, String what) {
        Dataset d = dataset(path, what);
        if (!(read(d) instanceof double[] v) || v.length != length) {
            throw wrongShape(path, d, "float64 [" + length + "]");
        }
        return v;
    }

    /** A float64 matrix of exactly {@code rows} x {@code cols}. */
    public double[][] doubleMatrix(String path, int rows, int cols, String what) {
        Dataset d = dataset(path, what);
        if (!(read(d) instanceof double[][] v) || v.length != rows || (rows > 0 && v[0].length != cols)) {
            throw wrongShape(path, d, "float64 [" + rows + ", " + cols + "]");
        }
        return v;
    }

    /** A float64 matrix with {@code cols} columns and any number of rows (at least one). */
    public double[][] doubleRows(String path, int cols, String what) {
        Dataset d = dataset(path, what);
        if (!(read(d) instanceof double[][] v) || v.length == 0 || v[0].length != cols) {
            throw wrongShape(path, d, "float64 [rows, " + cols + "]");
        }
        return v;
    }

    /** An integer dataset of any rank and integer type, row-major, as longs. */
    public long[] integersFlat(String path, String what) {
        Dataset d = dataset(path, what);
        if (!(d.getDataType() instanceof FixedPoint)) {
            throw new InputException(file + ": " + path + " is " + Hdf5.typeName(d) + ", expected integers (" + what + ")");
        }
        return Hdf5.longsFlat(d);
    }

    /** An integer vector of exactly {@code length} values that fit an int. */
    public int[] ints(String path, int length, String what) {
        Dataset d = dataset(path, what);
        long[] v = d.getDimensions().length == 1 && d.getDataType() instanceof FixedPoint ? Hdf5.longsFlat(d) : null;
        if (v == null || v.length != length) {
            throw wrongShape(path, d, "integers [" + length + "]");
        }
        int[] out = new int[length];
        for (int i = 0; i < length; i++) {
            out[i] = Math.toIntExact(v[i]);
        }
        return out;
    }

    /** An integer matrix of exactly {@code rows} x {@code cols} whose values fit an int. */
    public int[][] intMatrix(String path, int rows, int cols, String what) {
        long[][] v = longMatrix(path, rows, cols, what);
        int[][] out = new int[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r][c] = Math.toIntExact(v[r][c]);
            }
        }
        return out;
    }

    /** An integer matrix (int32 or int64) of exactly {@code rows} x {@code cols}. */
    public long[][] longMatrix(String path, int rows, int cols, String what) {
        Dataset d = dataset(path, what);
        int[] dims = d.getDimensions();
        if (!(d.getDataType() instanceof FixedPoint) || dims.length != 2 || dims[0] != rows || dims[1] != cols) {
            throw wrongShape(path, d, "integers [" + rows + ", " + cols + "]");
        }
        long[] flat = Hdf5.longsFlat(d);
        long[][] out = new long[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = Arrays.copyOfRange(flat, r * cols, (r + 1) * cols);
        }
        return out;
    }

    /**
     * An int64 matrix of exactly {@code rows} x {@code cols}, row-major in one array (read flat: no per-row arrays
     * for a matrix of millions of rows).
     */
    public long[] longsRowMajor(String path, int rows, int cols, String what) {
        Dataset d = dataset(path, what);
        int[] dims = d.getDimensions();
        if (!(d.getDataType() instanceof FixedPoint f) || f.getSize() != 8 || dims.length != 2 || dims[0] != rows
                || dims[1] != cols) {
            throw wrongShape(path, d, "int64 [" + rows + ", " + cols + "]");
        }
        try {
            if (d.getDataFlat() instanceof long[] v) {
                return v;
            }
        } catch (HdfException e) {
            throw new InputException(file + ": cannot read " + path + " (" + e.getMessage() + ")");
        }
        throw wrongShape(path, d, "int64 [" + rows + ", " + cols + "]");
    }

    /** A 1-D dataset of 8-bit integers (uint8, or int8 read as its bit patterns) as bytes. */
    public byte[] bytes(String path, String what) {
        Dataset d = dataset(path, what);
        if (!(d.getDataType() instanceof FixedPoint f) || f.getSize() != 1 || d.getDimensions().length != 1) {
            throw wrongShape(path, d, "uint8 [n]");
        }
        long[] v = Hdf5.longsFlat(d);
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    /**
     * A string dataset, or null when the file has none at {@code path} (or it holds no strings): fixed-length strings
     * (files of earlier versions) and variable-length ones read alike.
     */
    public String[] stringsOrNull(String path) {
        if (!(node(path) instanceof Dataset d)) {
            return null;
        }
        return read(d) instanceof String[] s ? s : null;
    }

    private Object read(Dataset d) {
        try {
            return d.getData();
        } catch (HdfException e) {
            throw new InputException(file + ": cannot read " + d.getPath() + " (" + e.getMessage() + ")");
        }
    }

    /**
     * Rows [row0, row0 + nRows) of a 2-D floating-point dataset with {@code cols} columns into {@code dst} at
     * {@code dstOff}, as float. Contiguous little-endian float32/float16 data (what this project writes) is
     * memory-mapped; anything else goes through jhdf's slicing.
     */
    public void floatRows(String path, long row0, int nRows, int cols, float[] dst, int dstOff) {
        Dataset d = dataset(path, "float rows");
        try {
            if (channel == null) {
                channel = FileChannel.open(file, StandardOpenOption.READ);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot open", e);
        }
        Hdf5.readFloatRows(h, channel, d, row0, nRows, cols, dst, dstOff);
    }

    @Override
    public void close() {
        h.close();
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // read-only: nothing is lost
            }
        }
    }
}
