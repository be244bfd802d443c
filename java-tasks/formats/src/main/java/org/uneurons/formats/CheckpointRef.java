package org.uneurons.formats;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.uneurons.core.cli.InputException;
import org.uneurons.core.cli.UsageException;

/**
 * A model of a run: the name that labels all of its outputs, and its checkpoint directory. On command lines a
 * checkpoint is {@code NAME=DIR}, or {@code DIR} alone, which is then named after the directory (a samplesheet's
 * {@code name,path} row becomes {@code NAME=DIR}, so that a downloaded Hugging Face snapshot, a directory named by a
 * commit hash, still gets a readable name). A value is {@code NAME=DIR} when it holds a '=' with no '/' before it.
 *
 * <p>A given name must match {@value #NAME_RULE} and must not contain "__", which separates the two model names of a
 * pair in file names; a name taken from a directory must not contain "__" either. Names of one run must differ.
 */
public record CheckpointRef(String name, Path dir) {
    public static final String NAME_RULE = "[A-Za-z0-9][A-Za-z0-9._-]*";
    private static final Pattern NAME = Pattern.compile(NAME_RULE);

    /** {@code NAME=DIR} or {@code DIR}; {@code option} ("--checkpoint") names the option in a usage error. */
    public static CheckpointRef parse(String value, String option) {
        if (!named(value)) {
            return new CheckpointRef(dirName(Path.of(value)), Path.of(value));
        }
        int eq = value.indexOf('=');
        String name = value.substring(0, eq);
        String dir = value.substring(eq + 1);
        if (!NAME.matcher(name).matches() || name.contains("__")) {
            throw new UsageException(option + " " + value + ": the model name '" + name + "' must match " + NAME_RULE
                    + " without '__' (it names output files; '__' separates the models of a pair)");
        }
        if (dir.isEmpty()) {
            throw new UsageException(option + " " + value + ": no checkpoint directory after '='");
        }
        return new CheckpointRef(name, Path.of(dir));
    }

    /** Whether a command-line value gives a name ({@code NAME=DIR}) rather than a directory alone. */
    public static boolean named(String value) {
        int eq = value.indexOf('=');
        return eq >= 0 && !value.substring(0, eq).contains("/");
    }

    /** Every value of a repeatable option, in order. */
    public static List<CheckpointRef> parseAll(List<String> values, String option) {
        List<CheckpointRef> out = new ArrayList<>();
        for (String v : values) {
            out.add(parse(v, option));
        }
        return out;
    }

    /**
     * Every directory exists, and the names can label output files: distinct, and no '__' in a name taken from a
     * directory. Each problem is one {@link InputException} naming the directory and {@code option}.
     */
    public static void checkAll(List<CheckpointRef> refs, String option) {
        Map<String, Path> seen = new HashMap<>();
        for (CheckpointRef r : refs) {
            if (!Files.isDirectory(r.dir())) {
                throw new InputException(r.dir() + ": no such checkpoint directory (" + option + ")");
            }
            Path other = seen.putIfAbsent(r.name(), r.dir());
            if (other != null) {
                throw new InputException(r.dir() + ": another checkpoint (" + other + ") is also named '" + r.name()
                        + "'; model names must differ (give them as NAME=DIR)");
            }
            if (r.name().contains("__")) {
                throw new InputException(r.dir() + ": the directory name '" + r.name() + "' contains '__', which"
                        + " separates the two model names in output file names (give a name as NAME=DIR)");
            }
        }
    }

    /** The directory's own name ("gpt2-tiny" for .../hf/gpt2-tiny/). */
    public static String dirName(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        Path f = abs.getFileName();
        return f == null ? abs.toString() : f.toString();
    }

    /** {@code NAME=DIR}, as a command line takes it. */
    @Override
    public String toString() {
        return name + "=" + dir;
    }
}
