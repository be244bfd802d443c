package org.uneurons.tokenize;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import org.uneurons.core.io.PathIOException;
import org.uneurons.core.io.TempNames;
import org.uneurons.core.io.TempRegistry;

/**
 * Every row of the input, kept in a temporary file (int32, little-endian) next to the shards, so that the rows can be
 * shuffled as a whole before any is kept: the paper shuffles all rows and then takes the first N (METHOD 1.3). The
 * shuffle is deterministic: rows numbered 0..n-1 in the order they were cut; {@code java.util.Random(seed)} (whose
 * sequence the Java specification fixes); for i from n-1 down to 1, swap positions i and {@code nextInt(i + 1)}
 * (Fisher-Yates, as {@code Collections.shuffle}); the shards then hold the rows at positions 0, 1, ... of the
 * permutation, up to the row cap. Memory: one int per row; disk: the whole input's rows until the shards are written.
 */
final class RowSpool implements RowCutter.RowSink, AutoCloseable {
    private static final int BUFFER_BYTES = 1 << 20;

    private final Path file;
    private final FileChannel ch;
    private final int ctx;
    private final ByteBuffer buf;
    private long rows;

    private RowSpool(Path file, FileChannel ch, int ctx) {
        this.file = file;
        this.ch = ch;
        this.ctx = ctx;
        this.buf = ByteBuffer.allocate(Math.max(BUFFER_BYTES / (4 * ctx), 1) * 4 * ctx).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A new spool file in {@code dir} ({@code NAME.spill-...}, removed by {@link #close} or at SIGTERM). */
    static RowSpool create(Path dir, String name, int ctx) {
        try {
            Files.createDirectories(dir);
            Path f = TempRegistry.createFile(dir.resolve(name), TempNames.SPILL);
            return new RowSpool(f, TempRegistry.open(f, p -> FileChannel.open(p, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)), ctx);
        } catch (IOException e) {
            throw new PathIOException(dir, "cannot create a temporary row file", e);
        }
    }

    @Override
    public void row(int[] row) {
        if (buf.remaining() < 4 * ctx) {
            flush();
        }
        for (int id : row) {
            buf.putInt(id);
        }
        rows++;
    }

    private void flush() {
        buf.flip();
        try {
            while (buf.hasRemaining()) {
                ch.write(buf, ch.size());
            }
        } catch (IOException e) {
            // the directory is what the user named (--outdir), and what has run out of space
            throw new PathIOException(file.getParent(), "cannot write the temporary row file " + file.getFileName(), e);
        }
        buf.clear();
    }

    long rows() {
        return rows;
    }

    /** The seeded permutation of all rows (see the class comment); its first {@code take} rows go to {@code sink}. */
    void shuffleInto(long seed, long take, RowCutter.RowSink sink) {
        flush();
        if (rows > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(file + ": " + rows + " rows are too many to shuffle in memory");
        }
        int n = (int) rows;
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        Random rnd = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        ByteBuffer one = ByteBuffer.allocate(4 * ctx).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < Math.min(take, n); k++) {
            one.clear();
            try {
                while (one.hasRemaining()) {
                    if (ch.read(one, (long) perm[k] * 4 * ctx + one.position()) < 0) {
                        throw new IOException("unexpected end of file");
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": cannot read", e);
            }
            int[] row = new int[ctx];
            one.flip().asIntBuffer().get(row);
            sink.row(row);
        }
    }

    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException ignored) {
            // deleted next
        }
        TempRegistry.delete(file);
    }
}
