package org.uneurons.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import org.uneurons.core.cli.InputException;

/**
 * Reads one safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
 * shape and byte range, then the raw little-endian data. The header is validated when the file is opened (every
 * problem is one {@link InputException} naming the file and the tensor); the data is memory-mapped per tensor
 * when it is read, in pieces of at most 1 GiB, so files and tensors larger than 2 GB work.
 *
 * <pre>
 * try (Safetensors st = Safetensors.open(dir.resolve("model.safetensors"))) {
 *     float[] w = st.floats("h.0.mlp.c_fc.weight");
 * }
 * </pre>
 */
public final class Safetensors implements TensorSource {
    /** The reference implementation refuses headers above 100 MB; so do we, rather than allocate garbage. */
    static final long MAX_HEADER_BYTES = 100L << 20;
    /** Bytes mapped at a time (a mapping is capped at 2 GB); tests lower it to exercise the piecewise path. */
    static long mapChunk = 1L << 30;
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    /** Each tensor's digest, taken while it is read. */
    private final WeightsDigest digests = new WeightsDigest();

    private Safetensors(Path file, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
                        Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates the header of {@code file}; the data is read lazily. */
    public static Safetensors open(Path file) {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot open", e);
        }
        try {
            Safetensors st = parse(file, ch);
            return st;
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static Safetensors parse(Path file, FileChannel ch) {
        try {
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "not a safetensors file: " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 0 || headerLen > size - 8) {
                throw bad(file, "not a safetensors file: header length " + Long.toUnsignedString(headerLen)
                        + " is past the end of the file (" + size + " bytes)");
            }
            if (headerLen > MAX_HEADER_BYTES) {
                throw bad(file, "safetensors header length " + headerLen + " exceeds the 100 MB limit");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            String json = new String(hb.array(), StandardCharsets.UTF_8);
            JsonElement root;
            try {
                root = JsonParser.parseString(json);
            } catch (JsonParseException | IllegalStateException e) {
                root = null;
            }
            if (root == null || !root.isJsonObject()) {
                throw bad(file, "safetensors header (" + headerLen + " bytes) is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, TensorInfo> tensors = new TreeMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : root.getAsJsonObject().entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    readMetadata(file, e.getValue(), metadata);
                } else {
                    tensors.put(e.getKey(), entry(file, e.getKey(), e.getValue(), dataLen));
                }
            }
            return new Safetensors(file, ch, dataStart, Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read", e);
        }
    }

    private static void readMetadata(Path file, JsonElement v, Map<String, String> into) {
        if (!v.isJsonObject()) {
            throw bad(file, "safetensors __metadata__ is not a JSON object");
        }
        for (Map.Entry<String, JsonElement> m : v.getAsJsonObject().entrySet()) {
            JsonElement x = m.getValue();
            // the format says strings; other writers put numbers here, which are kept as their JSON text
            into.put(m.getKey(), x.isJsonPrimitive() && x.getAsJsonPrimitive().isString() ? x.getAsString() : x.toString());
        }
    }

    private static TensorInfo entry(Path file, String name, JsonElement v, long dataLen) {
        String what = "tensor '" + name + "'";
        JsonObject o = v.isJsonObject() ? v.getAsJsonObject() : null;
        JsonElement dt = o == null ? null : o.get("dtype");
        long[] shape = o == null ? null : longs(o.get("shape"));
        long[] offs = o == null ? null : longs(o.get("data_offsets"));
        if (dt == null || !dt.isJsonPrimitive() || !dt.getAsJsonPrimitive().isString() || shape == null
                || offs == null || offs.length != 2) {
            throw bad(file, what + ": header entry is not {\"dtype\": ..., \"shape\": [...], \"data_offsets\": [begin, end]}");
        }
        Dtype dtype = Dtype.parse(dt.getAsString());
        if (dtype == null) {
            throw bad(file, what + " has unknown dtype '" + dt.getAsString() + "' (expected one of F64, F32, F16, "
                    + "BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL, F8_E4M3, F8_E5M2)");
        }
        for (long d : shape) {
            if (d < 0) {
                throw bad(file, what + " has a negative dimension in shape " + java.util.Arrays.toString(shape));
            }
        }
        long begin = offs[0];
        long end = offs[1];
        if (begin < 0 || end < begin || end > dataLen) {
            throw bad(file, what + " data_offsets [" + begin + ", " + end + "] are outside the data section ("
                    + dataLen + " bytes)");
        }
        long need;
        try {
            need = Math.multiplyExact(TensorInfo.numel(shape), dtype.size());
        } catch (ArithmeticException e) {
            need = -1;
        }
        if (need != end - begin) {
            throw bad(file, what + " has " + (end - begin) + " bytes but " + dtype + " " + java.util.Arrays.toString(shape)
                    + " needs " + (need < 0 ? "more than 2^63" : Long.toString(need)));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** A JSON array of non-negative integers, or null if it is anything else. */
    private static long[] longs(JsonElement e) {
        if (e == null || !e.isJsonArray()) {
            return null;
        }
        JsonArray a = e.getAsJsonArray();
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement x = a.get(i);
            if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isNumber()) {
                return null;
            }
            JsonPrimitive p = x.getAsJsonPrimitive();
            try {
                out[i] = p.getAsBigDecimal().longValueExact();
            } catch (ArithmeticException ex) {
                return null;
            }
        }
        return out;
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
        return tensors.keySet();
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw bad(file, "no tensor '" + name + "' (has " + tensors.size() + " tensors)");
        }
        return t;
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public float[] floats(String name) {
        TensorInfo t = info(name);
        if (!Elements.readsAsFloat(t.dtype())) {
            throw bad(file, "tensor '" + name + "' is " + t.dtype() + ", not F32, F16, BF16 or F64");
        }
        float[] out = new float[arrayLength(t)];
        forEachChunk(t, (buf, at, n) -> Elements.floats(buf, t.dtype(), 0, out, at, n));
        return out;
    }

    @Override
    public long[] longs(String name) {
        TensorInfo t = info(name);
        requireInteger(t);
        long[] out = new long[arrayLength(t)];
        forEachChunk(t, (buf, at, n) -> {
            for (int i = 0; i < n; i++) {
                long v = Elements.integer(buf, t.dtype(), i);
                if (t.dtype() == Dtype.U64 && v < 0) {
                    throw bad(file, "tensor '" + name + "' value " + Long.toUnsignedString(v) + " at index "
                            + (at + i) + " does not fit in a long");
                }
                out[at + i] = v;
            }
        });
        return out;
    }

    @Override
    public int[] ints(String name) {
        TensorInfo t = info(name);
        requireInteger(t);
        int[] out = new int[arrayLength(t)];
        forEachChunk(t, (buf, at, n) -> {
            if (t.dtype() == Dtype.I32) {
                buf.asIntBuffer().get(out, at, n);
                return;
            }
            for (int i = 0; i < n; i++) {
                long v = Elements.integer(buf, t.dtype(), i);
                if (v != (int) v || (t.dtype() == Dtype.U64 && v < 0)) {
                    throw bad(file, "tensor '" + name + "' value "
                            + (t.dtype() == Dtype.U64 ? Long.toUnsignedString(v) : Long.toString(v))
                            + " at index " + (at + i) + " does not fit in an int");
                }
                out[at + i] = (int) v;
            }
        });
        return out;
    }

    private void requireInteger(TensorInfo t) {
        if (t.dtype().isFloating()) {
            throw bad(file, "tensor '" + t.name() + "' is " + t.dtype() + ", not an integer tensor");
        }
    }


    private int arrayLength(TensorInfo t) {
        long n = t.numel();
        if (n > MAX_ARRAY) {
            throw bad(file, "tensor '" + t.name() + "' has " + n + " elements, too many for one Java array");
        }
        return (int) n;
    }

    @FunctionalInterface
    private interface ChunkReader {
        /** Reads {@code n} elements from {@code buf} (little-endian, positioned at 0) into the output at {@code at}. */
        void read(ByteBuffer buf, int at, int n);
    }

    @Override
    public byte[] digest(String name) {
        TensorInfo t = info(name);
        return digests.digest(t, (n, running) -> mapChunks(t, (buf, at, k) -> running.update(buf)));
    }

    /** {@link #mapChunks}, digesting the tensor's bytes on the way when its digest is not known yet. */
    private void forEachChunk(TensorInfo t, ChunkReader reader) {
        WeightsDigest.Running d = digests.start(t);
        mapChunks(t, d == null ? reader : (buf, at, n) -> {
            d.update(buf);
            reader.read(buf, at, n);
        });
        if (d != null) {
            d.finish();
        }
    }

    /** Maps the tensor's bytes in pieces of at most 1 GiB (a mapping is capped at 2 GB) and hands each over. */
    private void mapChunks(TensorInfo t, ChunkReader reader) {
        int size = t.dtype().size();
        long chunkBytes = mapChunk - (mapChunk % size);
        long done = 0;
        long total = t.byteLength();
        try {
            while (done < total) {
                long len = Math.min(chunkBytes, total - done);
                MappedByteBuffer m = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin() + done, len);
                m.order(ByteOrder.LITTLE_ENDIAN);
                reader.read(m, (int) (done / size), (int) (len / size));
                done += len;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read tensor '" + t.name() + "'", e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    static InputException bad(Path file, String what) {
        return new InputException(file + ": " + what);
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
        return file + " (" + tensors.size() + " tensors)";
    }
}
