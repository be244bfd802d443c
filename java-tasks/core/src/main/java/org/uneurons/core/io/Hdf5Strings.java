package org.uneurons.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.jhdf.WritableDatasetImpl;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Node;
import io.jhdf.api.WritableAttributeImpl;
import io.jhdf.api.WritableGroup;
import io.jhdf.checksum.ChecksumUtils;
import io.jhdf.object.datatype.DataType;
import io.jhdf.object.datatype.StringData;
import io.jhdf.storage.HdfBackingStorage;
import io.jhdf.storage.HdfFileChannel;

/**
 * Variable-length UTF-8 strings, which jhdf 0.13.0 reads but cannot write: it writes every string as a fixed-length
 * byte string, which h5py returns as {@code bytes}. {@link #write} writes a jhdf file in place of
 * {@code WritableHdfFile.close()}: every string attribute and string dataset gets the HDF5 variable-length string
 * type (class 9, UTF-8; h5py returns {@code str}), their texts go to global heap collections (file format
 * specification III.E) placed right after the superblock at {@link #HEAP_ADDRESS}, the root group follows them, and
 * the version 2 superblock, which jhdf would write with the root at 64, is written here. Everything else (groups,
 * datasets, attributes of other types) is written by jhdf as before.
 */
final class Hdf5Strings {
    /** Where jhdf puts the root group and where the heap goes instead (the superblock ends at 48). */
    static final long HEAP_ADDRESS = WritableHdfFile.ROOT_GROUP_ADDRESS;
    /** The HDF5 library's smallest collection (H5HG_MINSIZE); smaller ones are padded with free space. */
    static final int MIN_COLLECTION = 4096;
    /** Objects per collection are numbered with 16 bits; a larger collection is cut at this size too. */
    private static final int MAX_OBJECTS = 65535;
    private static final int MAX_COLLECTION = 1 << 20;
    /** A heap id on disk: sequence length (4), collection address (8), object index (4). */
    static final int ID_SIZE = 16;

    private static final Field ROOT;
    private static final Field CHANNEL;
    private static final Field ATTRIBUTE_TYPE;
    private static final Field DATASET_TYPE;

    static {
        try {
            ROOT = WritableHdfFile.class.getDeclaredField("rootGroup");
            CHANNEL = WritableHdfFile.class.getDeclaredField("hdfFileChannel");
            ATTRIBUTE_TYPE = WritableAttributeImpl.class.getDeclaredField("dataType");
            DATASET_TYPE = WritableDatasetImpl.class.getDeclaredField("dataType");
            for (Field f : new Field[] {ROOT, CHANNEL, ATTRIBUTE_TYPE, DATASET_TYPE}) {
                f.setAccessible(true);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("variable-length HDF5 strings need jhdf 0.13.0 (its writer changed)", e);
        }
    }

    private Hdf5Strings() {
    }

    /**
     * Writes {@code file} (all of it: jhdf writes nothing before its close) and closes its channel. Its strings become
     * variable-length UTF-8; jhdf's trailing version text, which no reader uses, is left out.
     */
    static void write(WritableHdfFile file) {
        try {
            WritableGroup root = (WritableGroup) ROOT.get(file);
            HdfFileChannel channel = (HdfFileChannel) CHANNEL.get(file);
            Heap heap = new Heap(HEAP_ADDRESS);
            convert(root, heap);
            ByteBuffer collections = heap.toBuffer();
            long rootAddress = HEAP_ADDRESS + collections.remaining();
            root.write(channel, rootAddress);
            writeAt(channel, collections, HEAP_ADDRESS);
            writeAt(channel, superblock(channel.size(), rootAddress), 0);
            channel.getFileChannel().close();
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("jhdf internals not accessible", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeAt(HdfFileChannel channel, ByteBuffer b, long position) {
        while (b.hasRemaining()) {
            position += channel.write(b, position);
        }
    }

    /** Gives every string attribute and string dataset under {@code node} the variable-length type, by name order. */
    private static void convert(Node node, Heap heap) throws IllegalAccessException {
        for (Attribute a : new TreeMap<>(node.getAttributes()).values()) {
            if (a instanceof WritableAttributeImpl w && w.getDataType() instanceof StringData) {
                ATTRIBUTE_TYPE.set(w, new VlenUtf8(heap.addAll(w.getData())));
            }
        }
        if (node instanceof WritableDatasetImpl d && DATASET_TYPE.get(d) instanceof StringData) {
            DATASET_TYPE.set(d, new VlenUtf8(heap.addAll(d.getData())));
        }
        if (node instanceof WritableGroup g) {
            for (Map.Entry<String, Node> child : new TreeMap<>(g.getChildren()).entrySet()) {
                convert(child.getValue(), heap);
            }
        }
    }

    /** A version 2 superblock (format specification II.A): 8-byte offsets and lengths, no extension. */
    static ByteBuffer superblock(long endOfFile, long rootAddress) {
        ByteBuffer b = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Hdf5Extent.SIGNATURE).put((byte) 2).put((byte) 8).put((byte) 8).put((byte) 0);
        b.putLong(0).putLong(-1L).putLong(endOfFile).putLong(rootAddress);
        byte[] head = new byte[44];
        b.get(0, head);
        b.putInt(ChecksumUtils.checksum(head));
        return b.flip();
    }

    /** Every string of a String, String[], String[][], ... in row-major order. */
    static List<String> flatten(Object data, List<String> out) {
        if (data instanceof String s) {
            out.add(s);
        } else if (data != null && data.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(data); i++) {
                flatten(Array.get(data, i), out);
            }
        } else {
            throw new IllegalArgumentException("not a string or an array of strings: " + data);
        }
        return out;
    }

    /**
     * Global heap collections laid out one after another from a fixed address, so every object's heap id is known
     * when it is added. Objects are numbered from 1 in each collection; each is a 16-byte header (index, reference
     * count 0, reserved, size) and its bytes padded to 8; a collection under 4096 bytes ends with the free-space
     * object (index 0) that fills it, as the HDF5 library writes them.
     */
    static final class Heap {
        private final List<List<byte[]>> collections = new ArrayList<>();
        private final List<Long> sizes = new ArrayList<>();
        private long next;

        Heap(long address) {
            this.next = address;
        }

        /** Heap ids (16 bytes each, in order) of the UTF-8 bytes of every string of {@code data}. */
        byte[] addAll(Object data) {
            List<String> strings = flatten(data, new ArrayList<>());
            ByteBuffer ids = ByteBuffer.allocate(ID_SIZE * strings.size()).order(ByteOrder.LITTLE_ENDIAN);
            for (String s : strings) {
                add(s.getBytes(StandardCharsets.UTF_8), ids);
            }
            return ids.array();
        }

        private void add(byte[] object, ByteBuffer ids) {
            long need = 16 + pad8(object.length);
            int last = collections.size() - 1;
            // a new collection when the last is full; an object larger than MAX_COLLECTION gets one of its own
            if (last < 0 || collections.get(last).size() == MAX_OBJECTS || used(last) + need > MAX_COLLECTION) {
                if (last >= 0) {
                    next += collectionSize(used(last));
                }
                collections.add(new ArrayList<>());
                sizes.add(16L);
                last++;
            }
            collections.get(last).add(object);
            sizes.set(last, used(last) + need);
            ids.putInt(object.length).putLong(next).putInt(collections.get(last).size());
        }

        private long used(int collection) {
            return sizes.get(collection);
        }

        private static long pad8(long n) {
            return (n + 7) & ~7L;
        }

        /** The size of a collection whose header and objects take {@code used} bytes: room for the free object. */
        static long collectionSize(long used) {
            return used >= MIN_COLLECTION ? used : Math.max(MIN_COLLECTION, used + 16);
        }

        /** Every collection, in address order (empty when no string was added). */
        ByteBuffer toBuffer() {
            long total = 0;
            for (int c = 0; c < collections.size(); c++) {
                total += collectionSize(used(c));
            }
            ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(total)).order(ByteOrder.LITTLE_ENDIAN);
            for (int c = 0; c < collections.size(); c++) {
                int start = b.position();
                long size = collectionSize(used(c));
                b.put("GCOL".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put(new byte[3]).putLong(size);
                int index = 1;
                for (byte[] o : collections.get(c)) {
                    b.putShort((short) index++).putShort((short) 0).putInt(0).putLong(o.length).put(o);
                    b.position(b.position() + (int) (pad8(o.length) - o.length));
                }
                long free = size - used(c);
                if (free > 0) {
                    b.putShort((short) 0).putShort((short) 0).putInt(0).putLong(free); // its size counts its header
                }
                b.position(start + (int) size);
            }
            return b.flip();
        }
    }

    /** The variable-length UTF-8 string type of one attribute or dataset, holding its elements' heap ids. */
    static final class VlenUtf8 extends DataType {
        /** class 9 version 1; string, null-terminated, UTF-8; 16 bytes; base type: 8-bit unsigned, as h5py's. */
        private static final byte[] MESSAGE = {
            0x19, 0x01, 0x01, 0x00, ID_SIZE, 0, 0, 0,
            0x10, 0x00, 0x00, 0x00, 1, 0, 0, 0, 0, 0, 8, 0};
        private final byte[] ids;

        VlenUtf8(byte[] ids) {
            super(9, ID_SIZE);
            this.ids = ids;
        }

        @Override
        public Class<?> getJavaType() {
            return String.class;
        }

        @Override
        public Object fillData(ByteBuffer buffer, int[] dimensions, HdfBackingStorage storage) {
            throw new UnsupportedOperationException("written, not read, through this type");
        }

        @Override
        public ByteBuffer toBuffer() {
            return ByteBuffer.wrap(MESSAGE.clone());
        }

        /** Attribute values (jhdf writes the whole backing array). */
        @Override
        public ByteBuffer encodeData(Object data) {
            return ByteBuffer.wrap(ids.clone());
        }

        /** Dataset values, at the channel's position. */
        @Override
        public void writeData(Object data, int[] dimensions, HdfFileChannel channel) {
            ByteBuffer b = ByteBuffer.wrap(ids);
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }
    }
}
