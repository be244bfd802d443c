package org.uneurons.core.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.commons.cli.CommandLine;
import org.uneurons.core.io.StaleTemps;

/**
 * Typed access to parsed options; a malformed or missing value is a {@link UsageException} naming the option.
 * Paths are read as inputs ({@link #existing}, {@link #existingFiles}, {@link #input}) or outputs ({@link #output},
 * {@link #outputDir}, {@link #outputFile}, {@link #outputTree}): every output is checked against every input and
 * the file system when it is read ({@link OutputPaths}), which a tool does before any compute, and the temporaries a
 * killed earlier run left beside it are removed ({@link StaleTemps}).
 */
public final class Args {
    private final CommandLine cl;
    private final String tool;
    private final PrintStream err;
    private final OutputPaths paths = new OutputPaths();
    private final Set<Path> swept = new HashSet<>();

    public Args(CommandLine cl) {
        this(cl, null, null);
    }

    /** {@code tool} and {@code err}: where to say that a leftover of an earlier run was removed. */
    Args(CommandLine cl, String tool, PrintStream err) {
        this.cl = cl;
        this.tool = tool;
        this.err = err;
    }

    public boolean has(String opt) {
        return cl.hasOption(opt);
    }

    public String string(String opt) {
        String v = cl.getOptionValue(opt);
        if (v == null) {
            throw new UsageException("missing required option --" + opt + " (see --help)");
        }
        return v;
    }

    public String string(String opt, String dflt) {
        return cl.getOptionValue(opt, dflt);
    }

    /** Every value given for a repeatable option, also split on commas. */
    public List<String> strings(String opt) {
        List<String> out = new ArrayList<>();
        String[] vs = cl.getOptionValues(opt);
        if (vs != null) {
            for (String v : vs) {
                for (String part : v.split(",")) {
                    if (!part.isBlank()) {
                        out.add(part.trim());
                    }
                }
            }
        }
        return out;
    }

    public Path path(String opt) {
        return Path.of(string(opt));
    }

    /** An input path that must exist (file or directory). */
    public Path existing(String opt) {
        Path p = path(opt);
        if (!Files.exists(p)) {
            throw new InputException(p + ": no such file or directory (--" + opt + ")");
        }
        return input("--" + opt, p);
    }

    /** Every value of a repeatable option as an input path to a regular file that must exist. */
    public List<Path> existingFiles(String opt) {
        List<Path> out = new ArrayList<>();
        for (String s : strings(opt)) {
            Path p = Path.of(s);
            if (!Files.isRegularFile(p)) {
                throw new InputException(p + ": no such file (--" + opt + ")");
            }
            out.add(input("--" + opt, p));
        }
        return out;
    }

    /** Registers an input read some other way (a checkpoint directory, a labelled file); {@code label} names it. */
    public Path input(String label, Path p) {
        paths.input(label, p);
        return p;
    }

    /** The option's path as an output file, in an existing writable directory, not an input. */
    public Path output(String opt) {
        Path p = path(opt);
        paths.outputFile("--" + opt, p, false);
        sweep(p.toAbsolutePath().getParent(), p.getFileName().toString());
        return p;
    }

    /** The option's path as a directory of outputs (made when missing), not a file. */
    public Path outputDir(String opt) {
        Path p = path(opt);
        paths.outputDirectory("--" + opt, p, false);
        sweep(p.toAbsolutePath(), null);
        return p;
    }

    /** A file a tool writes under an output directory ({@code label}: the option of that directory). */
    public Path outputFile(String label, Path p) {
        paths.outputFile(label, p, true);
        sweep(p.toAbsolutePath().getParent(), p.getFileName().toString());
        return p;
    }

    /** A directory a tool replaces whole (the report): no input may lie inside it. */
    public Path outputTree(String label, Path p) {
        paths.outputDirectory(label, p, true);
        sweep(p.toAbsolutePath().getParent(), p.getFileName().toString());
        return p;
    }

    /** Removes the temporaries a killed run left for {@code name} in {@code dir} (every output there when null). */
    private void sweep(Path dir, String name) {
        if (!swept.add(name == null ? dir : dir.resolve(name))) {
            return;
        }
        for (Path p : StaleTemps.removeIn(dir, n -> name == null || n.equals(name))) {
            if (err != null) {
                err.println(tool + ": removed " + p + " (left by an interrupted run)");
            }
        }
    }

    public int integer(String opt, int dflt) {
        return has(opt) ? integer(opt) : dflt;
    }

    public int integer(String opt) {
        String v = string(opt);
        try {
            return Integer.parseInt(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException("--" + opt + " expects an integer, got '" + v + "'");
        }
    }

    public long longValue(String opt, long dflt) {
        if (!has(opt)) {
            return dflt;
        }
        String v = string(opt);
        try {
            return Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException("--" + opt + " expects an integer, got '" + v + "'");
        }
    }

    public double decimal(String opt, double dflt) {
        if (!has(opt)) {
            return dflt;
        }
        String v = string(opt);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + opt + " expects a number, got '" + v + "'");
        }
    }

    /** One of a fixed set of words. */
    public String choice(String opt, String dflt, String... allowed) {
        String v = string(opt, dflt);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw new UsageException("--" + opt + " expects one of " + String.join(", ", allowed) + ", got '" + v + "'");
    }

    /** A positive integer (> 0). */
    public int positive(String opt, int dflt) {
        int v = integer(opt, dflt);
        if (v <= 0) {
            throw new UsageException("--" + opt + " expects a positive integer, got " + v);
        }
        return v;
    }
}
