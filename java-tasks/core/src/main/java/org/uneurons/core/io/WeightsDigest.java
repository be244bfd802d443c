package org.uneurons.core.io;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The identity of a checkpoint's weights: a SHA-256 content hash that does not depend on the file layout
 * (safetensors or pytorch_model.bin, one file or shards) or on the order tensors are read in.
 *
 * <p>Each tensor's digest is SHA-256 over {@code name 0x00 dtype 0x00 shape 0x00 bytes}: the name in UTF-8, the
 * safetensors dtype name (F32, F16, BF16, ...), the dimensions as decimal numbers joined by commas (empty for a
 * scalar), then the elements as little-endian bytes in row-major order. The checkpoint's hash is SHA-256 over the
 * 32-byte digests of all its tensors in ascending name order, written as 64 lower-case hex digits. In Python:
 * {@code sha256(b"".join(sha256(name.encode() + b"\0" + dtype + b"\0" + ",".join(shape) + b"\0" + data).digest()
 * for name in sorted(names))).hexdigest()}.
 *
 * <p>A tensor source computes a tensor's digest while it reads the tensor anyway (one pass over the bytes, which
 * are memory-mapped), so loading a model and hashing it cost one read; {@link #digest} reads only the tensors not
 * read before.
 */
public final class WeightsDigest {
    private final Map<String, byte[]> digests = new ConcurrentHashMap<>();

    /** A running digest of one tensor: feed it the tensor's bytes in order, then {@link Running#finish}. */
    public final class Running {
        private final String name;
        private final MessageDigest md;

        private Running(TensorInfo t) {
            this.name = t.name();
            this.md = sha256();
            md.update(header(t));
        }

        /** The next bytes of the tensor, from the buffer's position to its limit (the buffer is not moved). */
        public void update(ByteBuffer bytes) {
            md.update(bytes.duplicate());
        }

        /** Bytes {@code [from, from + length)} of {@code buf}, whatever its position. */
        public void update(ByteBuffer buf, int from, int length) {
            ByteBuffer d = buf.duplicate();
            d.limit(from + length).position(from);
            md.update(d);
        }

        /** Records the tensor's digest. */
        public void finish() {
            digests.putIfAbsent(name, md.digest());
        }
    }

    /** A running digest of {@code t}, or null when its digest is already known. */
    public Running start(TensorInfo t) {
        return digests.containsKey(t.name()) ? null : new Running(t);
    }

    /** The digest of a tensor read before, or null. */
    public byte[] known(String name) {
        return digests.get(name);
    }

    /** A reader of raw tensor bytes: hands each tensor's bytes to a running digest ({@link TensorSource#digest}). */
    @FunctionalInterface
    public interface RawReader {
        void read(String name, Running digest);
    }

    /** The tensor's digest: known, or computed now by {@code raw} (which reads its bytes). */
    public byte[] digest(TensorInfo t, RawReader raw) {
        byte[] d = digests.get(t.name());
        if (d == null) {
            Running r = new Running(t);
            raw.read(t.name(), r);
            r.finish();
            d = digests.get(t.name());
        }
        return d.clone();
    }

    /** The hash of every tensor of {@code src}, in ascending name order (see the class comment). */
    public static String sha256(TensorSource src) {
        MessageDigest md = sha256();
        src.names().stream().sorted().forEach(n -> md.update(src.digest(n)));
        return HexFormat.of().formatHex(md.digest());
    }

    private static byte[] header(TensorInfo t) {
        String shape = java.util.Arrays.stream(t.shape()).mapToObj(Long::toString).collect(Collectors.joining(","));
        String h = t.name() + '\0' + t.dtype().name() + '\0' + shape + '\0';
        return h.getBytes(StandardCharsets.UTF_8);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
