package org.uneurons.core.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.cli.CommandLine;

/** Typed access to parsed options; a malformed or missing value is a {@link UsageException} naming the option. */
public final class Args {
    private final CommandLine cl;

    public Args(CommandLine cl) {
        this.cl = cl;
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

    /** A path that must exist (file or directory). */
    public Path existing(String opt) {
        Path p = path(opt);
        if (!Files.exists(p)) {
            throw new InputException(p + ": no such file or directory (--" + opt + ")");
        }
        return p;
    }

    /** Every value of a repeatable option as a path to a regular file that must exist. */
    public List<Path> existingFiles(String opt) {
        List<Path> out = new ArrayList<>();
        for (String s : strings(opt)) {
            Path p = Path.of(s);
            if (!Files.isRegularFile(p)) {
                throw new InputException(p + ": no such file (--" + opt + ")");
            }
            out.add(p);
        }
        return out;
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
