package org.uneurons.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

/**
 * Collects tensors and writes one safetensors file atomically (temporary name, then rename). Tensors are laid out
 * contiguously in the order they were added; the header is padded with spaces to a multiple of 8 bytes, as the
 * reference implementation does, so the data section is 8-byte aligned. The arrays are referenced, not copied,
 * until {@link #write}.
 *
 * <pre>
 * new SafetensorsWriter().putF32("w", data, 48, 192).putI64("ids", ids, 3, 32).metadata("format", "pt").write(file);
 * </pre>
 */
public final class SafetensorsWriter {
    private record Pending(Dtype dtype, long[] shape, Object data) {
    }

    private final Map<String, Pending> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafetensorsWriter putF32(String name, float[] data, long... shape) {
        return put(name, Dtype.F32, shape, data, data.length);
    }

    /** Stored as IEEE binary16, rounding to nearest even (values above 65504 become infinity). */
    public SafetensorsWriter putF16(String name, float[] data, long... shape) {
        return put(name, Dtype.F16, shape, data, data.length);
    }

    /** Stored as bfloat16, rounding to nearest even. */
    public SafetensorsWriter putBF16(String name, float[] data, long... shape) {
        return put(name, Dtype.BF16, shape, data, data.length);
    }

    public SafetensorsWriter putF64(String name, double[] data, long... shape) {
        return put(name, Dtype.F64, shape, data, data.length);
    }

    public SafetensorsWriter putI64(String name, long[] data, long... shape) {
        return put(name, Dtype.I64, shape, data, data.length);
    }

    public SafetensorsWriter putI32(String name, int[] data, long... shape) {
        return put(name, Dtype.I32, shape, data, data.length);
    }

    /** A {@code __metadata__} entry (string to string, as the format requires). */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    private SafetensorsWriter put(String name, Dtype dtype, long[] shape, Object data, int length) {
        if (name.equals("__metadata__") || tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor name '" + name + "' is reserved or already added");
        }
        long[] s = shape.clone();
        if (TensorInfo.numel(s) != length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(s) + " holds "
                    + TensorInfo.numel(s) + " elements, data has " + length);
        }
        tensors.put(name, new Pending(dtype, s, data));
        return this;
    }

    /** Writes the file; nothing appears under {@code file} unless the whole file was written. */
    public void write(Path file) {
        AtomicOutput.write(file, content());
    }

    /** The file's content, for an {@link OutputSet} (a checkpoint publishes its files together). */
    public OutputSet.Body content() {
        ByteBuffer head = header();
        return temp -> {
            try (FileChannel ch = TempRegistry.open(temp, f -> FileChannel.open(f, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING))) {
                writeAll(ch, head.duplicate());
                ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                for (Pending p : tensors.values()) {
                    writeData(ch, buf, p);
                }
                ch.force(false);
            }
        };
    }

    /** The 8-byte header length, then the JSON header padded with spaces to a multiple of 8. */
    private ByteBuffer header() {
        JsonObject header = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject md = new JsonObject();
            metadata.forEach(md::addProperty);
            header.add("__metadata__", md);
        }
        long offset = 0;
        for (Map.Entry<String, Pending> e : tensors.entrySet()) {
            Pending p = e.getValue();
            long len = TensorInfo.numel(p.shape()) * p.dtype().size();
            JsonObject t = new JsonObject();
            t.addProperty("dtype", p.dtype().name());
            JsonArray shape = new JsonArray();
            for (long d : p.shape()) {
                shape.add(d);
            }
            t.add("shape", shape);
            JsonArray offs = new JsonArray();
            offs.add(offset);
            offs.add(offset + len);
            t.add("data_offsets", offs);
            header.add(e.getKey(), t);
            offset += len;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        return head;
    }

    private static void writeData(FileChannel ch, ByteBuffer buf, Pending p) throws IOException {
        int n = Math.toIntExact(TensorInfo.numel(p.shape()));
        int size = p.dtype().size();
        for (int i = 0; i < n; i++) {
            if (buf.remaining() < size) {
                buf.flip();
                writeAll(ch, buf);
                buf.clear();
            }
            switch (p.dtype()) {
                case F32 -> buf.putFloat(((float[]) p.data())[i]);
                case F16 -> buf.putShort(HalfFloats.floatToHalf(((float[]) p.data())[i]));
                case BF16 -> buf.putShort(HalfFloats.floatToBf16(((float[]) p.data())[i]));
                case F64 -> buf.putDouble(((double[]) p.data())[i]);
                case I64 -> buf.putLong(((long[]) p.data())[i]);
                case I32 -> buf.putInt(((int[]) p.data())[i]);
                default -> throw new AssertionError(p.dtype());
            }
        }
        buf.flip();
        writeAll(ch, buf);
        buf.clear();
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
