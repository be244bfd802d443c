package org.uneurons.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Publishes a directory only when it is complete, as {@link org.uneurons.core.io.AtomicOutput} does for files:
 * everything is written into a temporary sibling directory, which is renamed to the target at commit. An earlier
 * directory under the target name is replaced; closing without commit deletes the temporary directory.
 */
final class DirectoryOutput implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private boolean committed;

    DirectoryOutput(Path target) {
        this.target = target.toAbsolutePath();
        this.temp = this.target.resolveSibling("." + this.target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(this.target.getParent());
            deleteTree(temp);
            Files.createDirectory(temp);
        } catch (IOException e) {
            throw new UncheckedIOException(temp + ": cannot create output directory", e);
        }
    }

    Path temp() {
        return temp;
    }

    void commit() {
        Path old = target.resolveSibling("." + target.getFileName() + ".old-" + ProcessHandle.current().pid());
        try {
            if (Files.exists(target)) {
                move(target, old);
            }
            move(temp, target);
            committed = true;
            deleteTree(old);
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot publish the report directory", e);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    @Override
    public void close() {
        if (!committed) {
            try {
                deleteTree(temp);
            } catch (IOException ignored) {
                // best effort: a dot-named temporary directory is never mistaken for the report
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
