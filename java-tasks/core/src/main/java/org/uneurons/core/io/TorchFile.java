package org.uneurons.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.ZipEntry;

import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

import org.uneurons.core.cli.InputException;

/**
 * Reads one {@code pytorch_model.bin}: the zip archive torch.save writes (since torch 1.6), holding
 * {@code <archive>/data.pkl} (the state dict's pickle, read by {@link TorchPickle}) and one uncompressed entry
 * {@code <archive>/data/<key>} per storage (raw little-endian elements). Opening reads the zip directory and the
 * pickle only and checks every tensor against its storage (entry present, stored, of the size its type and element
 * count imply, the view inside it); tensor data is memory-mapped when a tensor is read, as {@link Safetensors} does,
 * so reading holds nothing but the returned array. Storages of float32, float16, bfloat16, float64 and the integer
 * and bool types are read; views are read exactly whatever their strides (a transposed weight, two tensors sharing a
 * storage, a storage offset). Every problem is one {@link InputException} naming the file.
 *
 * <p>{@link TensorInfo#begin()} and {@link TensorInfo#end()} are byte offsets inside the tensor's storage: its first
 * element and one past its last.
 */
public final class TorchFile implements TensorSource {
    /** Bytes mapped at a time for contiguous tensors; tests lower it to exercise the piecewise path. */
    static long mapChunk = 1L << 30;
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    private static final long MAX_PICKLE_BYTES = 1L << 30;
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

    /** One tensor: its header, where its storage starts in the file, and the view (elements). */
    private record View(TensorInfo info, long storageStart, long offset, long[] stride, boolean contiguous) {
        long numel() {
            return info.numel();
        }
    }

    /** What the zip directory says: the archive's name prefix, the pickle, and each storage entry by key. */
    private record Archive(String prefix, byte[] pickle, Map<String, ZipArchiveEntry> storages) {
    }

    private final Path file;
    private final FileChannel channel;
    private final Map<String, View> views;
    /** Each tensor's digest, taken while it is read. */
    private final WeightsDigest digests = new WeightsDigest();

    private TorchFile(Path file, FileChannel channel, Map<String, View> views) {
        this.file = file;
        this.channel = channel;
        this.views = views;
    }

    /** Opens {@code file} and checks its archive and every tensor's view; tensor data is read lazily. */
    public static TorchFile open(Path file) {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot open", e);
        }
        try {
            checkMagic(file, ch);
            Archive a = archive(file);
            Map<String, TorchPickle.TensorRef> refs = TorchPickle.read(a.pickle(),
                    file + ": archive entry " + a.prefix() + "data.pkl");
            Map<String, View> views = new TreeMap<>();
            long fileSize = ch.size();
            for (Map.Entry<String, TorchPickle.TensorRef> e : refs.entrySet()) {
                views.put(e.getKey(), view(file, a, e.getKey(), e.getValue(), fileSize));
            }
            return new TorchFile(file, ch, Collections.unmodifiableMap(views));
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException(file + ": cannot read", e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** A zip archive starts with a local file header; torch.save's legacy format starts with a pickle. */
    private static void checkMagic(Path file, FileChannel ch) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(4);
        while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
            // read the first four bytes, or as many as there are
        }
        if (Arrays.equals(head.array(), ZIP_MAGIC)) {
            return;
        }
        if (head.position() > 0 && (head.get(0) & 0xFF) == 0x80) {
            throw new InputException(file + ": PyTorch's legacy checkpoint format (a bare pickle, as torch.save wrote before"
                    + " 1.6 or with _use_new_zipfile_serialization=False) is not supported; re-save it with a current torch"
                    + " or convert it to safetensors");
        }
        throw new InputException(file + ": not a zip archive (a pytorch_model.bin is the zip archive torch.save writes)");
    }

    /** Reads the zip directory and the pickle; no tensor data. */
    private static Archive archive(Path file) {
        try (ZipFile zip = ZipFile.builder().setPath(file).get()) {
            ZipArchiveEntry pkl = null;
            Map<String, ZipArchiveEntry> byName = new HashMap<>();
            for (ZipArchiveEntry e : Collections.list(zip.getEntries())) {
                byName.put(e.getName(), e);
                int slash = e.getName().indexOf('/');
                if (slash > 0 && e.getName().substring(slash + 1).equals("data.pkl")) {
                    pkl = e;
                }
            }
            if (pkl == null) {
                throw new InputException(file + ": the zip archive has no <archive>/data.pkl entry, so it is not a checkpoint"
                        + " written by torch.save");
            }
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            checkByteOrder(file, zip, byName.get(prefix + "byteorder"));
            if (pkl.getSize() > MAX_PICKLE_BYTES) {
                throw new InputException(file + ": archive entry " + pkl.getName() + " is " + pkl.getSize()
                        + " bytes, more than a state dict's pickle can be");
            }
            byte[] pickle;
            try (InputStream in = zip.getInputStream(pkl)) {
                pickle = in.readAllBytes();
            }
            Map<String, ZipArchiveEntry> storages = new HashMap<>();
            String data = prefix + "data/";
            byName.forEach((n, e) -> {
                if (n.startsWith(data) && n.length() > data.length()) {
                    storages.put(n.substring(data.length()), e);
                }
            });
            return new Archive(prefix, pickle, storages);
        } catch (IOException e) {
            throw new InputException(file + ": cannot read the zip directory (" + e.getMessage()
                    + "); the file is truncated or damaged");
        }
    }

    /** torch writes {@code byteorder} ("little" or "big") since 2.1; older archives are little-endian. */
    private static void checkByteOrder(Path file, ZipFile zip, ZipArchiveEntry e) throws IOException {
        if (e == null) {
            return;
        }
        String order;
        try (InputStream in = zip.getInputStream(e)) {
            order = new String(in.readNBytes(16), StandardCharsets.US_ASCII).strip();
        }
        if (!order.equals("little")) {
            throw new InputException(file + ": archive entry " + e.getName() + " says '" + order
                    + "'; only little-endian checkpoints are read");
        }
    }

    /** Checks one tensor against its storage entry and returns where and how to read it. */
    private static View view(Path file, Archive a, String name, TorchPickle.TensorRef t, long fileSize) {
        TorchPickle.StorageRef s = t.storage();
        String what = file + ": tensor '" + name + "'";
        String entryName = a.prefix() + "data/" + s.key();
        ZipArchiveEntry e = a.storages().get(s.key());
        if (e == null) {
            throw new InputException(what + " is stored in archive entry " + entryName + ", which the archive does not hold");
        }
        if (e.getMethod() != ZipEntry.STORED) {
            throw new InputException(file + ": archive entry " + entryName + " is compressed (zip method " + e.getMethod()
                    + "); torch.save stores tensor data uncompressed");
        }
        int es = s.dtype().size();
        long need = multiply(s.numel(), es, what);
        if (e.getSize() != need) {
            throw new InputException(file + ": archive entry " + entryName + " has " + e.getSize() + " bytes, but storage '"
                    + s.key() + "' (" + s.typeName() + ", " + s.numel() + " elements) needs " + need);
        }
        if (e.getDataOffset() < 0 || e.getDataOffset() + need > fileSize) {
            throw new InputException(file + ": archive entry " + entryName + " runs past the end of the file ("
                    + fileSize + " bytes); the file is truncated");
        }
        long extent = extent(what, t);
        if (extent > s.numel()) {
            throw new InputException(what + " (offset " + t.offset() + ", size " + Arrays.toString(t.size()) + ", stride "
                    + Arrays.toString(t.stride()) + ") reaches element " + (extent - 1) + " of storage '" + s.key()
                    + "', which has " + s.numel() + " elements");
        }
        TensorInfo info = new TensorInfo(name, s.dtype(), t.size().clone(), t.offset() * es, extent * es);
        return new View(info, e.getDataOffset(), t.offset(), t.stride().clone(), contiguous(t.size(), t.stride()));
    }

    /** One past the last storage element the view touches (its offset if it has no elements). */
    private static long extent(String what, TorchPickle.TensorRef t) {
        long[] size = t.size();
        long[] stride = t.stride();
        if (size.length != stride.length || t.offset() < 0) {
            throw new InputException(what + " has size " + Arrays.toString(size) + ", stride " + Arrays.toString(stride)
                    + " and offset " + t.offset() + ", which do not describe a view");
        }
        long last = t.offset();
        for (int i = 0; i < size.length; i++) {
            if (size[i] < 0 || stride[i] < 0) {
                throw new InputException(what + " has a negative size or stride: size " + Arrays.toString(size)
                        + ", stride " + Arrays.toString(stride));
            }
            if (size[i] == 0) {
                return t.offset();
            }
            last = Math.addExact(last, multiply(size[i] - 1, stride[i], what));
        }
        return last + 1;
    }

    /** Row-major with no gaps (a dimension of size 1 may carry any stride, as torch allows). */
    private static boolean contiguous(long[] size, long[] stride) {
        long expect = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expect) {
                return false;
            }
            expect *= size[i];
        }
        return true;
    }

    private static long multiply(long a, long b, String what) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new InputException(what + ": sizes overflow 64 bits");
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public Path origin() {
        return file;
    }

    @Override
    public Set<String> names() {
        return views.keySet();
    }

    @Override
    public boolean contains(String name) {
        return views.containsKey(name);
    }

    private View view(String name) {
        View v = views.get(name);
        if (v == null) {
            throw new InputException(file + ": no tensor '" + name + "' (has " + views.size() + " tensors)");
        }
        return v;
    }

    @Override
    public TensorInfo info(String name) {
        return view(name).info();
    }

    @Override
    public Map<String, String> metadata() {
        return Map.of();
    }

    @Override
    public float[] floats(String name) {
        View v = view(name);
        Dtype d = v.info().dtype();
        if (!Elements.readsAsFloat(d)) {
            throw new InputException(file + ": tensor '" + name + "' is " + d + ", not F32, F16, BF16 or F64");
        }
        float[] out = new float[arrayLength(v)];
        read(v, (buf, from, at, n) -> Elements.floats(buf, d, from, out, at, n));
        return out;
    }

    @Override
    public long[] longs(String name) {
        View v = view(name);
        Dtype d = requireInteger(v);
        long[] out = new long[arrayLength(v)];
        read(v, (buf, from, at, n) -> {
            for (int i = 0; i < n; i++) {
                out[at + i] = Elements.integer(buf, d, from + i);
            }
        });
        return out;
    }

    @Override
    public int[] ints(String name) {
        View v = view(name);
        Dtype d = requireInteger(v);
        int[] out = new int[arrayLength(v)];
        read(v, (buf, from, at, n) -> {
            for (int i = 0; i < n; i++) {
                long x = Elements.integer(buf, d, from + i);
                if (x != (int) x) {
                    throw new InputException(file + ": tensor '" + name + "' value " + x + " at index " + (at + i)
                            + " does not fit in an int");
                }
                out[at + i] = (int) x;
            }
        });
        return out;
    }

    private Dtype requireInteger(View v) {
        Dtype d = v.info().dtype();
        if (d.isFloating()) {
            throw new InputException(file + ": tensor '" + v.info().name() + "' is " + d + ", not an integer tensor");
        }
        return d;
    }

    private int arrayLength(View v) {
        if (v.numel() > MAX_ARRAY) {
            throw new InputException(file + ": tensor '" + v.info().name() + "' has " + v.numel()
                    + " elements, too many for one Java array");
        }
        return (int) v.numel();
    }

    @FunctionalInterface
    private interface RunReader {
        /** Reads {@code n} consecutive elements starting at element {@code from} of {@code buf} into output index {@code at}. */
        void read(ByteBuffer buf, int from, int at, int n);
    }

    @Override
    public byte[] digest(String name) {
        View v = view(name);
        int es = v.info().dtype().size();
        return digests.digest(v.info(), (n, running) -> runs(v, (buf, from, at, k) -> running.update(buf, from * es, k * es)));
    }

    /** {@link #runs}, digesting the tensor's bytes on the way when its digest is not known yet. */
    private void read(View v, RunReader reader) {
        WeightsDigest.Running d = digests.start(v.info());
        int es = v.info().dtype().size();
        runs(v, d == null ? reader : (buf, from, at, n) -> {
            d.update(buf, from * es, n * es);
            reader.read(buf, from, at, n);
        });
        if (d != null) {
            d.finish();
        }
    }

    /**
     * Hands the tensor's elements over in row-major order as runs of consecutive storage elements: a contiguous tensor
     * in pieces of at most {@link #mapChunk} bytes; a strided view as its rows (innermost stride 1) or single
     * elements, from one mapping of the storage span it covers.
     */
    private void runs(View v, RunReader reader) {
        int es = v.info().dtype().size();
        long start = v.storageStart() + v.offset() * es;
        if (v.contiguous()) {
            long total = v.numel() * es;
            long chunkBytes = mapChunk - (mapChunk % es);
            for (long done = 0; done < total; done += chunkBytes) {
                long len = Math.min(chunkBytes, total - done);
                reader.read(map(v, start + done, len), 0, (int) (done / es), (int) (len / es));
            }
            return;
        }
        long span = v.info().end() - v.info().begin();
        if (span > MAX_ARRAY) {
            throw new InputException(file + ": tensor '" + v.info().name() + "' is a strided view over " + span
                    + " bytes of its storage; views over more than 2 GB are not read (save the tensors contiguous)");
        }
        readStrided(v, map(v, start, span), reader);
    }

    private static void readStrided(View v, ByteBuffer buf, RunReader reader) {
        long[] size = v.info().shape();
        long[] stride = v.stride();
        int rank = size.length;
        // rows along the innermost dimension when it is dense, else one element at a time
        int outer = rank > 0 && stride[rank - 1] == 1 ? rank - 1 : rank;
        int run = outer == rank ? 1 : (int) size[rank - 1];
        long[] idx = new long[outer];
        long pos = 0;
        for (long at = 0; at < v.numel(); at += run) {
            reader.read(buf, (int) pos, (int) at, run);
            for (int d = outer - 1; d >= 0; d--) {
                idx[d]++;
                pos += stride[d];
                if (idx[d] < size[d]) {
                    break;
                }
                pos -= stride[d] * size[d];
                idx[d] = 0;
            }
        }
    }

    private ByteBuffer map(View v, long position, long length) {
        try {
            MappedByteBuffer m = channel.map(FileChannel.MapMode.READ_ONLY, position, length);
            m.order(ByteOrder.LITTLE_ENDIAN);
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read tensor '" + v.info().name() + "'", e);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already failing with a clearer message
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    @Override
    public String toString() {
        return file + " (" + views.size() + " tensors)";
    }
}
