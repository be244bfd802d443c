package org.uneurons.core.io;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names of the temporary files and directories a tool makes beside an output:
 * {@code <output>.<kind>-<pid>-<n>@<host>}, e.g. {@code acts.h5.tmp-4711-0@node17} or {@code acts.h5.spill-4711-1@node17}
 * (a leading dot is allowed, for temporaries that should stay out of a listing). The name says which output it
 * belongs to and which process on which host made it, so a later run can tell a leftover of a killed process from a
 * file a running one is still writing ({@link StaleTemps}). It never ends in the output's extension, so Nextflow's
 * output globs ({@code *.h5}) never take it for a result.
 */
public final class TempNames {
    /** What a temporary is for: the file being written, spill data, the probe of a directory, a replaced output. */
    public static final String TEMP = "tmp";
    public static final String SPILL = "spill";
    public static final String PROBE = "probe";
    public static final String OLD = "old";

    private static final Pattern NAME = Pattern.compile("^(\\.?)(.+)\\.(tmp|spill|probe|old)-(\\d+)-(\\d+)@([A-Za-z0-9._-]+)$");
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final String HOST = host();

    private TempNames() {
    }

    /** A temporary's name, parsed: the output's file name, the kind, and the process that made it. */
    public record Parsed(String output, String kind, long pid, String host) {
    }

    /** A new, unused name for a temporary of {@code target}, in target's directory. */
    static Path next(Path target, String kind, boolean hidden) {
        Path abs = target.toAbsolutePath();
        String name = (hidden ? "." : "") + abs.getFileName() + "." + kind + "-" + ProcessHandle.current().pid() + "-"
                + COUNTER.getAndIncrement() + "@" + HOST;
        return abs.resolveSibling(name);
    }

    /** The parts of a temporary's file name, or empty for any other name. */
    public static Optional<Parsed> parse(String fileName) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Parsed(m.group(2), m.group(3), Long.parseLong(m.group(4)), m.group(6)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * The output a temporary path stands for (a file inside a temporary directory: that directory's output), or the
     * path itself. Error lines name what the user asked for, not the name it was being written under.
     */
    public static Path outputOf(Path p) {
        for (Path q = p; q != null && q.getFileName() != null; q = q.getParent()) {
            Optional<Parsed> parsed = parse(q.getFileName().toString());
            if (parsed.isPresent()) {
                return q.resolveSibling(parsed.get().output());
            }
        }
        return p;
    }

    static String host() {
        String h = null;
        try {
            h = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (Exception e) {
            h = System.getenv("HOSTNAME");
        }
        h = h == null ? "" : h.replaceAll("[^A-Za-z0-9._-]", "_");
        return h.isEmpty() ? "localhost" : h;
    }

    static String thisHost() {
        return HOST;
    }
}
