package org.uneurons.core.io;

import java.io.IOException;
import java.nio.file.Path;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.DatasetCreationOptions;
import io.jhdf.api.WritableGroup;

/**
 * Writes an HDF5 file for the project's file formats; with {@link Hdf5Reader}, the only code that touches jhdf.
 * jhdf keeps every array in memory and writes the file at {@link #close}; large arrays go through
 * {@link Group#streamed} instead. Every string attribute and string dataset is written as a variable-length UTF-8
 * string ({@link Hdf5Strings}), which h5py reads as {@code str}. Write to a temporary name ({@link AtomicOutput}) and publish after close.
 *
 * <pre>
 * try (Hdf5Writer w = Hdf5Writer.create(out.temp())) {
 *     w.attribute("format", FORMAT).dataset("n", new double[] {n});
 *     w.group("cov_b").dataset("0", block);
 * }
 * </pre>
 */
public final class Hdf5Writer implements AutoCloseable {
    private final Path path;
    private final WritableHdfFile file;
    private final Group root;

    private Hdf5Writer(Path path, WritableHdfFile file) {
        this.path = path;
        this.file = file;
        this.root = new Group(file);
    }

    /** Opens {@code target} (a temporary, see {@link TempRegistry#open}) for writing. */
    public static Hdf5Writer create(Path target) {
        try {
            return new Hdf5Writer(target, TempRegistry.open(target, HdfFile::write));
        } catch (IOException e) {
            throw new PathIOException(target, "cannot create", e);
        } catch (RuntimeException e) {
            throw withPath(target, "cannot create", e);
        }
    }

    /** jhdf wraps the operating system's error ("Exception writing"): keep that cause, with the file. */
    private static RuntimeException withPath(Path target, String doing, RuntimeException e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof IOException io) {
                return new PathIOException(target, doing, io);
            }
        }
        return e;
    }

    /** A group (the root or one made by {@link #group}) to which attributes, datasets and groups are added. */
    public static final class Group {
        private final WritableGroup g;

        private Group(WritableGroup g) {
            this.g = g;
        }

        /**
         * An attribute: String, Integer, Long, Double or an array of them. Boxed numbers keep their width (an
         * Integer is int32, a Long int64).
         */
        public Group attribute(String name, Object value) {
            g.putAttribute(name, value);
            return this;
        }

        /**
         * A dataset from a Java array (double[], double[][], float[][], int[], int[][], long[], long[][], String[]);
         * strings are written as variable-length UTF-8.
         */
        public Group dataset(String name, Object array) {
            g.putDataset(name, array);
            return this;
        }

        /**
         * A uint8 dataset of raw bytes (at least one: jhdf cannot write an empty dataset), deflated in one chunk (for
         * tables that every file of a kind repeats, such as a vocabulary).
         */
        public Group bytes(String name, byte[] data) {
            if (data.length == 0) {
                throw new IllegalArgumentException(name + ": a uint8 dataset needs at least one byte");
            }
            g.putDataset(name, data, DatasetCreationOptions.builder().unsigned().deflate().build());
            return this;
        }

        /** As {@link #dataset}, shuffled and deflated in one chunk (numbers that compress well, such as offsets). */
        public Group deflated(String name, Object array) {
            g.putDataset(name, array, DatasetCreationOptions.builder().shuffle().deflate().build());
            return this;
        }

        /**
         * A contiguous dataset whose little-endian bytes {@code source} writes when the file is closed (for arrays
         * too large to hold, or spilled to disk batch by batch, or float16).
         */
        public Group streamed(String name, Hdf5.Element type, long[] dims, Hdf5.ByteSource source) {
            Hdf5.putStreamed(g, name, type, dims, source);
            return this;
        }

        /** As {@link #streamed(String, Hdf5.Element, long[], Hdf5.ByteSource)}, with attributes on the dataset. */
        public Group streamed(String name, Hdf5.Element type, long[] dims, Hdf5.ByteSource source,
                              java.util.Map<String, Object> attributes) {
            io.jhdf.api.WritableDataset ds = Hdf5.putStreamed(g, name, type, dims, source);
            attributes.forEach(ds::putAttribute);
            return this;
        }

        public Group group(String name) {
            return new Group(g.putGroup(name));
        }
    }

    public Hdf5Writer attribute(String name, Object value) {
        root.attribute(name, value);
        return this;
    }

    public Hdf5Writer dataset(String name, Object array) {
        root.dataset(name, array);
        return this;
    }

    public Hdf5Writer bytes(String name, byte[] data) {
        root.bytes(name, data);
        return this;
    }

    public Hdf5Writer deflated(String name, Object array) {
        root.deflated(name, array);
        return this;
    }

    public Hdf5Writer streamed(String name, Hdf5.Element type, long[] dims, Hdf5.ByteSource source) {
        root.streamed(name, type, dims, source);
        return this;
    }

    public Group group(String name) {
        return root.group(name);
    }

    /** Writes the file (nothing is written before), its strings as variable-length UTF-8 ({@link Hdf5Strings}). */
    @Override
    public void close() {
        try {
            Hdf5Strings.write(file);
        } catch (RuntimeException e) {
            closeChannel(file);
            throw withPath(path, "cannot write", e);
        }
    }

    /**
     * jhdf 0.13 leaves its file channel open when writing fails (a full disk): the open descriptor would keep the
     * deleted temporary's blocks allocated until the JVM exits, so it is closed here, through its private field.
     */
    private static void closeChannel(WritableHdfFile file) {
        try {
            java.lang.reflect.Field f = WritableHdfFile.class.getDeclaredField("fileChannel");
            f.setAccessible(true);
            ((java.nio.channels.FileChannel) f.get(file)).close();
        } catch (ReflectiveOperationException | RuntimeException | IOException ignored) {
            // another jhdf version: the descriptor is released when the process ends
        }
    }
}
