package org.uneurons.core.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Removes what a killed run left beside its outputs: SIGKILL (the kernel's OOM killer, {@code scancel -s KILL})
 * runs no shutdown hook, so {@link TempRegistry} cannot clean up, and the next run of a tool does it instead.
 *
 * <p>A temporary is stale when its name ({@link TempNames}) says this host made it and its process is gone, or it
 * carries this process's pid without being one of this process's temporaries (in a container the pid of a rerun is
 * often the pid of the killed run). Temporaries of a process still alive are left alone: a concurrent run may be
 * writing them. So are those of other hosts, whose processes cannot be checked from here (a shared file system).
 */
public final class StaleTemps {
    private StaleTemps() {
    }

    /** Removes the stale temporaries in {@code dir} of the outputs whose file names {@code outputs} accepts. */
    public static List<Path> removeIn(Path dir, Predicate<String> outputs) {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return removed;
        }
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.toList();
        } catch (IOException e) {
            return removed; // nothing to clean where nothing can be listed; writing there fails with its own line
        }
        for (Path p : entries) {
            Optional<TempNames.Parsed> t = TempNames.parse(p.getFileName().toString());
            if (t.isPresent() && outputs.test(t.get().output()) && isStale(p, t.get())) {
                TempRegistry.deleteTree(p);
                removed.add(p);
            }
        }
        return removed;
    }

    /** Removes the stale temporaries of one output file. */
    public static List<Path> removeFor(Path output) {
        Path abs = output.toAbsolutePath();
        String name = abs.getFileName().toString();
        return removeIn(abs.getParent(), name::equals);
    }

    static boolean isStale(Path p, TempNames.Parsed t) {
        if (!t.host().equals(TempNames.thisHost())) {
            return false;
        }
        if (t.pid() == ProcessHandle.current().pid()) {
            return !TempRegistry.isLive(p);
        }
        return ProcessHandle.of(t.pid()).isEmpty();
    }
}
