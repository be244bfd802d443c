package org.uneurons.core.io;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Publishes a file only when it is complete: write to a temporary name beside the target, then rename (an
 * {@link OutputSet} of one file). A task that dies half way leaves no file under the final name, so neither a user
 * nor Nextflow's cache sees it; the temporary goes at SIGTERM ({@link TempRegistry}) or at the next start
 * ({@link StaleTemps}).
 *
 * <pre>
 * try (AtomicOutput out = AtomicOutput.create(target)) {
 *     write(out.temp());
 *     out.commit();
 * }   // closing without commit deletes the temporary file
 * </pre>
 */
public final class AtomicOutput implements AutoCloseable {
    private final OutputSet set = new OutputSet();
    private final Path target;
    private final Path temp;

    private AtomicOutput(Path target) {
        this.target = target.toAbsolutePath();
        this.temp = set.temp(this.target);
    }

    /** A new temporary for {@code target} (whose directory is made if needed). */
    public static AtomicOutput create(Path target) {
        return new AtomicOutput(target);
    }

    /** What a text output writes. */
    @FunctionalInterface
    public interface TextBody {
        void write(BufferedWriter w) throws IOException;
    }

    /** Writes a file atomically. */
    public static void write(Path target, OutputSet.Body body) {
        try (OutputSet set = new OutputSet()) {
            set.write(target, body);
            set.commit();
        }
    }

    /** Writes a UTF-8 text file atomically. */
    public static void writeText(Path target, TextBody body) {
        write(target, text(body));
    }

    /** The body of a UTF-8 text file, for an {@link OutputSet}. */
    public static OutputSet.Body text(TextBody body) {
        return file -> {
            try (BufferedWriter w = TempRegistry.open(file, f -> Files.newBufferedWriter(f, StandardCharsets.UTF_8))) {
                body.write(w);
            }
        };
    }

    /** Writes a UTF-8 string to a file atomically. */
    public static void writeString(Path target, String content) {
        write(target, string(content));
    }

    /** A UTF-8 string as a file's body, for an {@link OutputSet}. */
    public static OutputSet.Body string(String content) {
        return text(w -> w.write(content));
    }

    public Path temp() {
        return temp;
    }

    public Path target() {
        return target;
    }

    public void commit() {
        set.commit();
    }

    @Override
    public void close() {
        set.close();
    }
}
