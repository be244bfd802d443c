package org.uneurons.core.io;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Publishes a file only when it is complete: write to a temporary name beside the target, then rename. A task
 * that dies half way leaves no file under the final name, so neither a user nor Nextflow's cache sees it.
 *
 * <pre>
 * try (AtomicOutput out = AtomicOutput.create(target)) {
 *     write(out.temp());
 *     out.commit();
 * }   // closing without commit deletes the temporary file
 * </pre>
 */
public final class AtomicOutput implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private boolean committed;

    private AtomicOutput(Path target) {
        this.target = target.toAbsolutePath();
        this.temp = this.target.resolveSibling(this.target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
    }

    public static AtomicOutput create(Path target) {
        Path parent = target.toAbsolutePath().getParent();
        try {
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(parent + ": cannot create output directory", e);
        }
        return new AtomicOutput(target);
    }

    /** What a text output writes. */
    @FunctionalInterface
    public interface TextBody {
        void write(BufferedWriter w) throws IOException;
    }

    /** Writes a UTF-8 text file atomically. */
    public static void writeText(Path target, TextBody body) {
        try (AtomicOutput out = create(target)) {
            try (BufferedWriter w = Files.newBufferedWriter(out.temp(), StandardCharsets.UTF_8)) {
                body.write(w);
            } catch (IOException e) {
                throw new UncheckedIOException(target + ": cannot write", e);
            }
            out.commit();
        }
    }

    /** Writes a UTF-8 string to a file atomically. */
    public static void writeString(Path target, String content) {
        writeText(target, w -> w.write(content));
    }

    public Path temp() {
        return temp;
    }

    public Path target() {
        return target;
    }

    public void commit() {
        try {
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            committed = true;
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot publish output", e);
        }
    }

    @Override
    public void close() {
        if (!committed) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort: the temporary name is never mistaken for a result
            }
        }
    }
}
