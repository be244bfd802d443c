package org.uneurons.tokenize;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.uneurons.core.cli.InputException;

/**
 * Token ids stored in a file: a NumPy .npy array (int32, int64 or uint16, little-endian, C order, 1-D or 2-D) or a
 * nanoGPT .bin file (a headerless uint16 stream). Values are read sequentially in chunks, so files larger than
 * memory work.
 */
final class IdArray implements AutoCloseable {
    enum Element {
        INT32(4, "<i4"), INT64(8, "<i8"), UINT16(2, "<u2");

        final int size;
        final String descr;

        Element(int size, String descr) {
            this.size = size;
            this.descr = descr;
        }
    }

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

    final Path file;
    final Element element;
    /** [n] for a stream, [n, cols] for rows. */
    final long[] shape;
    private final long dataOffset;
    private final FileChannel ch;
    private ByteBuffer buf;

    private IdArray(Path file, Element element, long[] shape, long dataOffset, FileChannel ch) {
        this.file = file;
        this.element = element;
        this.shape = shape;
        this.dataOffset = dataOffset;
        this.ch = ch;
    }

    long length() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    int rank() {
        return shape.length;
    }

    /** A nanoGPT .bin: raw little-endian uint16 token ids, no header. */
    static IdArray openBin(Path file) {
        FileChannel ch = open(file);
        try {
            long size = ch.size();
            if (size % 2 != 0) {
                throw new InputException(file + ": " + size + " bytes is not a whole number of uint16 token ids (.bin)");
            }
            return new IdArray(file, Element.UINT16, new long[] {size / 2}, 0, ch);
        } catch (IOException e) {
            close(ch);
            throw new UncheckedIOException(file + ": cannot read", e);
        } catch (RuntimeException e) {
            close(ch);
            throw e;
        }
    }

    /** A .npy file, version 1, 2 or 3, whose header is checked against the file size. */
    static IdArray openNpy(Path file) {
        FileChannel ch = open(file);
        try {
            long size = ch.size();
            long[] lengths = npyPreamble(file, ch, size); // {prefix, header length, major version}
            int prefix = (int) lengths[0];
            long headerLen = lengths[1];
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, prefix);
            String header = new String(hb.array(), 0, hb.position(),
                    lengths[2] == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            Matcher d = DESCR.matcher(header);
            Matcher f = FORTRAN.matcher(header);
            Matcher s = SHAPE.matcher(header);
            if (!d.find() || !f.find() || !s.find()) {
                throw new InputException(file + ": .npy header is not a dict with descr, fortran_order and shape: "
                        + header.strip());
            }
            Element element = npyElement(file, d.group(1));
            long[] shape = npyShape(file, s.group(1), f.group(1).equals("True"));
            long n = 1;
            for (long x : shape) {
                n = Math.multiplyExact(n, x);
            }
            long dataOffset = prefix + headerLen;
            long need = n * element.size;
            if (size - dataOffset != need) {
                throw new InputException(file + ": .npy data is " + (size - dataOffset) + " bytes but shape "
                        + shapeString(shape) + " of " + d.group(1) + " needs " + need);
            }
            return new IdArray(file, element, shape, dataOffset, ch);
        } catch (IOException e) {
            close(ch);
            throw new UncheckedIOException(file + ": cannot read", e);
        } catch (RuntimeException e) {
            close(ch);
            throw e;
        }
    }

    /** The magic string and version of a .npy file: {prefix length, header length, major version}. */
    private static long[] npyPreamble(Path file, FileChannel ch, long size) throws IOException {
        ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, pre, 0);
        pre.flip();
        byte[] magic = new byte[6];
        if (pre.remaining() >= 10) {
            pre.get(magic);
        }
        if (!Arrays.equals(magic, MAGIC)) {
            throw new InputException(file + ": not a .npy file (it does not start with \\x93NUMPY)");
        }
        int major = pre.get() & 0xFF;
        pre.get(); // minor
        long headerLen;
        int prefix;
        if (major == 1) {
            headerLen = pre.getShort() & 0xFFFF;
            prefix = 10;
        } else if (major == 2 || major == 3) {
            if (pre.remaining() < 4) {
                throw new InputException(file + ": .npy header is truncated");
            }
            headerLen = pre.getInt() & 0xFFFFFFFFL;
            prefix = 12;
        } else {
            throw new InputException(file + ": unsupported .npy format version " + major + " (expected 1, 2 or 3)");
        }
        if (prefix + headerLen > size) {
            throw new InputException(file + ": .npy header is truncated (" + headerLen + " bytes announced, file has "
                    + size + ")");
        }
        return new long[] {prefix, headerLen, major};
    }

    private static Element npyElement(Path file, String descr) {
        for (Element e : Element.values()) {
            // '|u2' never occurs for 2-byte types, but '=' (native) does from some writers; native is little-endian here
            if (e.descr.equals(descr) || ("=" + e.descr.substring(1)).equals(descr)) {
                return e;
            }
        }
        throw new InputException(file + ": .npy dtype '" + descr
                + "' is not supported (expected little-endian int32, int64 or uint16: '<i4', '<i8', '<u2')");
    }

    private static long[] npyShape(Path file, String inner, boolean fortran) {
        long[] shape = parseShape(file, inner);
        if (shape.length != 1 && shape.length != 2) {
            throw new InputException(file + ": .npy array has shape " + shapeString(shape)
                    + ", expected a 1-D id stream or 2-D rows [n, ctx]");
        }
        if (fortran && shape.length == 2 && shape[0] > 1 && shape[1] > 1) {
            throw new InputException(file + ": .npy array is in Fortran (column-major) order; save it in C order");
        }
        return shape;
    }

    private static long[] parseShape(Path file, String inner) {
        String[] parts = inner.split(",");
        long[] out = new long[parts.length];
        int k = 0;
        for (String p : parts) {
            String t = p.strip();
            if (t.isEmpty()) {
                continue; // the trailing comma of a 1-tuple
            }
            try {
                out[k++] = Long.parseLong(t.endsWith("L") ? t.substring(0, t.length() - 1) : t);
            } catch (NumberFormatException e) {
                throw new InputException(file + ": .npy shape (" + inner + ") is not a tuple of integers");
            }
        }
        return Arrays.copyOf(out, k);
    }

    static String shapeString(long[] shape) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            b.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return b.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** Reads elements [from, from + n) as longs into dst[0..n). */
    void read(long from, int n, long[] dst) {
        int bytes = Math.multiplyExact(n, element.size);
        if (buf == null || buf.capacity() < bytes) {
            buf = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }
        buf.clear().limit(bytes);
        try {
            readFully(ch, buf, dataOffset + from * element.size);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read", e);
        }
        if (buf.position() != bytes) {
            throw new InputException(file + ": file ended early at element " + (from + buf.position() / element.size));
        }
        buf.flip();
        for (int i = 0; i < n; i++) {
            dst[i] = switch (element) {
                case INT32 -> buf.getInt();
                case INT64 -> buf.getLong();
                case UINT16 -> buf.getShort() & 0xFFFF;
            };
        }
    }

    /** Where element {@code index} sits, for messages: "index 1234" for a stream, "index [3, 17]" for rows. */
    String position(long index) {
        return shape.length == 2 ? "index [" + index / shape[1] + ", " + index % shape[1] + "]" : "index " + index;
    }

    private static FileChannel open(Path file) {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InputException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot open", e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        long p = pos;
        while (b.hasRemaining()) {
            int n = ch.read(b, p);
            if (n < 0) {
                return;
            }
            p += n;
        }
    }

    private static void close(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already failing
        }
    }

    @Override
    public void close() {
        close(ch);
    }
}
