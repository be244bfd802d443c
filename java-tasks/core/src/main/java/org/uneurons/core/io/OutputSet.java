package org.uneurons.core.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Publishes a task's files all or nothing: each is written to a temporary beside its target ({@link TempRegistry}),
 * and only when all are complete are they renamed, together, under the registry's lock (so a SIGTERM sees either
 * none or all of them published). A failure while writing publishes nothing, removes the temporaries and leaves an
 * older run's files as they were; a failure while renaming withdraws the files already renamed. The older run's
 * files of the set, replaced or not rewritten ({@link #retire}, e.g. percentiles.csv of an earlier run with
 * statistics), are removed in the same step as the new ones are renamed in, so files of two runs never mix.
 *
 * <pre>
 * try (OutputSet set = new OutputSet()) {
 *     set.write(dir.resolve("a.csv"), file -> writeA(file));
 *     Path t = set.temp(dir.resolve("b.h5"));   // or write into a temporary yourself
 *     writeB(t);
 *     set.commit();
 * }   // closing without commit deletes the temporaries
 * </pre>
 */
public final class OutputSet implements AutoCloseable {
    /** Writes one file's content to the path given (a temporary). */
    @FunctionalInterface
    public interface Body {
        void write(Path file) throws IOException;
    }

    /** Test hook: an I/O error injected when an output's temporary is made or when it is renamed. */
    interface Fault {
        void check(String stage, Path target) throws IOException;
    }

    static final String AT_WRITE = "write";
    static final String AT_PUBLISH = "publish";
    static volatile Fault fault = (stage, target) -> { };

    private final Map<Path, Path> temps = new LinkedHashMap<>();
    private final Set<Path> retired = new LinkedHashSet<>();
    private boolean committed;

    /** A new, empty temporary beside {@code target} (its directory is made if needed), for target's content. */
    public Path temp(Path target) {
        Path abs = target.toAbsolutePath();
        if (temps.containsKey(abs)) {
            throw new IllegalArgumentException(target + " is already in this set of outputs");
        }
        try {
            Files.createDirectories(abs.getParent());
            fault.check(AT_WRITE, abs);
            Path temp = TempRegistry.createFile(abs, TempNames.TEMP);
            temps.put(abs, temp);
            return temp;
        } catch (IOException e) {
            throw new PathIOException(target, "cannot create a file here", e);
        }
    }

    /**
     * A new, empty temporary directory (hidden) for a directory output that is replaced whole at commit (the
     * report); an older directory under the target's name is removed then.
     */
    public Path tempDirectory(Path target) {
        Path abs = target.toAbsolutePath();
        try {
            Files.createDirectories(abs.getParent());
            fault.check(AT_WRITE, abs);
            Path temp = TempRegistry.createDirectory(abs, TempNames.TEMP, true);
            temps.put(abs, temp);
            return temp;
        } catch (IOException e) {
            throw new PathIOException(target, "cannot create a directory here", e);
        }
    }

    /** Writes {@code target}'s content to a new temporary. */
    public OutputSet write(Path target, Body body) {
        Path temp = temp(target);
        try {
            body.write(temp);
        } catch (IOException e) {
            throw new PathIOException(target, "cannot write", e);
        }
        return this;
    }

    /** An older file of this set that this run does not rewrite: removed when the set is published. */
    public OutputSet retire(Path older) {
        retired.add(older.toAbsolutePath());
        return this;
    }

    /** The targets, in the order their temporaries were made. */
    public List<Path> targets() {
        return List.copyOf(temps.keySet());
    }

    /** Renames every temporary to its target (and removes the retired files), all or none. */
    public void commit() {
        List<Path> published = new ArrayList<>();
        Path[] at = {temps.isEmpty() ? null : temps.keySet().iterator().next()};
        try {
            TempRegistry.publish(() -> {
                for (Path old : olderFiles()) {
                    at[0] = old;
                    Files.deleteIfExists(old);
                }
                for (Map.Entry<Path, Path> e : temps.entrySet()) {
                    at[0] = e.getKey();
                    fault.check(AT_PUBLISH, e.getKey());
                    if (Files.isDirectory(e.getValue())) {
                        replaceDirectory(e.getValue(), e.getKey());
                    } else {
                        move(e.getValue(), e.getKey());
                    }
                    published.add(e.getKey());
                }
            });
        } catch (IOException e) {
            withdraw(published);
            throw new PathIOException(at[0] != null ? at[0] : Path.of(""), "cannot publish", e);
        }
        committed = true;
        temps.values().forEach(TempRegistry::release);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * The files an older run left under this set's names, removed before any new one is renamed in: the retired
     * ones, and with several files the ones to be replaced too, so that a rename failing half way leaves none of
     * the set rather than older files beside newer ones. One file is replaced by its rename alone (never absent).
     */
    private List<Path> olderFiles() {
        List<Path> older = new ArrayList<>();
        retired.stream().filter(p -> !temps.containsKey(p)).forEach(older::add);
        if (temps.size() > 1) {
            temps.forEach((target, temp) -> {
                if (!Files.isDirectory(temp)) {
                    older.add(target);
                }
            });
        }
        return older;
    }

    /** A directory cannot be renamed over a full one: the older one moves aside first, then goes. */
    private static void replaceDirectory(Path temp, Path target) throws IOException {
        if (!Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            move(temp, target);
            return;
        }
        Path old = TempRegistry.reserve(target, TempNames.OLD, true);
        move(target, old);
        move(temp, target);
        TempRegistry.delete(old);
    }

    /** A failed publish leaves no file of the set: the ones already renamed go again. */
    private static void withdraw(List<Path> published) {
        for (Path p : published) {
            TempRegistry.deleteTree(p);
        }
    }

    /** Deletes the temporaries unless the set was published. */
    @Override
    public void close() {
        if (!committed) {
            temps.values().forEach(TempRegistry::delete);
            committed = true;
        }
    }
}
