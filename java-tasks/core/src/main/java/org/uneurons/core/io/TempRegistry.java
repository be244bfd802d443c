package org.uneurons.core.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Every temporary file and directory of this process (files being written before they are published, spill data),
 * in one place, so that a SIGTERM or SIGINT (what SLURM sends at a time limit, what Ctrl-C sends) leaves none behind:
 * the JVM runs its shutdown hooks on both, and the hook installed here deletes what is still registered. SIGKILL
 * runs no hook; {@link StaleTemps} removes such leftovers at the next start.
 *
 * <p>One lock orders the hook against the work: a temporary is created, a registered temporary is opened, and files
 * are published (renamed) only while holding it and only before the hook has begun. So the hook never misses a file
 * created after its sweep, and never sees a set of files half published ({@link OutputSet}).
 */
public final class TempRegistry {
    private static final Object LOCK = new Object();
    private static final Set<Path> LIVE = new LinkedHashSet<>();
    private static boolean shuttingDown;
    private static boolean hookInstalled;

    private TempRegistry() {
    }

    /** Creates a path under the lock (a file, a directory, an open channel on it). */
    @FunctionalInterface
    public interface Opener<T> {
        T open(Path p) throws IOException;
    }

    /** Work done under the lock: the renames that publish. */
    @FunctionalInterface
    public interface Action {
        void run() throws IOException;
    }

    /** Creates an empty temporary file beside {@code target} ({@link TempNames}) and registers it. */
    public static Path createFile(Path target, String kind) throws IOException {
        return create(target, kind, false, Files::createFile);
    }

    /** Creates an empty temporary directory beside {@code target} and registers it. */
    public static Path createDirectory(Path target, String kind, boolean hidden) throws IOException {
        return create(target, kind, hidden, Files::createDirectory);
    }

    /** Registers a new temporary name beside {@code target} without creating anything (a rename's destination). */
    public static Path reserve(Path target, String kind, boolean hidden) throws IOException {
        return create(target, kind, hidden, p -> p);
    }

    private static Path create(Path target, String kind, boolean hidden, Opener<Path> how) throws IOException {
        synchronized (LOCK) {
            checkRunning();
            installHook();
            Path temp = TempNames.next(target, kind, hidden);
            LIVE.add(temp);
            try {
                return how.open(temp);
            } catch (IOException | RuntimeException e) {
                LIVE.remove(temp);
                throw e;
            }
        }
    }

    /**
     * Opens a temporary (or creates something inside one) under the lock, before the shutdown hook or not at all: a
     * library that opens with CREATE would otherwise bring back a file the hook had just deleted.
     */
    public static <T> T open(Path temp, Opener<T> opener) throws IOException {
        synchronized (LOCK) {
            checkRunning();
            return opener.open(temp);
        }
    }

    /** Runs {@code renames} under the lock, before the shutdown hook or not at all. */
    public static void publish(Action renames) throws IOException {
        synchronized (LOCK) {
            checkRunning();
            renames.run();
        }
    }

    /** Forgets a temporary that was renamed to its output or deleted. */
    public static void release(Path temp) {
        synchronized (LOCK) {
            LIVE.remove(temp);
        }
    }

    /** Deletes a temporary (a directory with what is inside) and forgets it; best effort. */
    public static void delete(Path temp) {
        deleteTree(temp);
        release(temp);
    }

    /** True while {@code p} is a temporary of this process not yet released. */
    static boolean isLive(Path p) {
        synchronized (LOCK) {
            return LIVE.contains(p.toAbsolutePath());
        }
    }

    private static void checkRunning() throws IOException {
        if (shuttingDown) {
            throw new IOException("the process is shutting down (SIGTERM or SIGINT); nothing more is written");
        }
    }

    private static void installHook() {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(TempRegistry::deleteAllAtShutdown, "uneurons-temp-cleanup"));
            hookInstalled = true;
        }
    }

    /** The shutdown hook: stops new temporaries and publishing, then deletes every registered temporary. */
    static void deleteAllAtShutdown() {
        List<Path> left;
        synchronized (LOCK) {
            shuttingDown = true;
            left = new ArrayList<>(LIVE);
            LIVE.clear();
        }
        left.forEach(TempRegistry::deleteTree);
    }

    /** Deletes a file, or a directory with everything in it; retries a directory another thread was still filling. */
    static void deleteTree(Path p) {
        for (int attempt = 0; attempt < 3 && Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS); attempt++) {
            try (Stream<Path> s = Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? Files.walk(p)
                    : Stream.of(p)) {
                for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(q);
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // another try: a file may have appeared in the directory meanwhile; a leftover is removed at next start
            }
        }
    }
}
