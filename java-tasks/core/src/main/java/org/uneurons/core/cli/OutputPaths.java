package org.uneurons.core.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.uneurons.core.io.TempNames;
import org.uneurons.core.io.TempRegistry;

/**
 * The checks a tool's output paths pass before any compute, so that a mistake costs a second, not the run: an output
 * must not be one of the inputs (compared as real files: Nextflow stages inputs as symbolic links, and an output
 * through a link to an input would destroy it), must not replace a file inside an input directory, must not be a
 * directory where a file is expected (or a file where a directory is), and must go to an existing directory this
 * process can write to (tried by creating a file there, so the line carries the operating system's reason).
 * Inputs and outputs may be registered in any order; each new one is checked against every one of the other kind.
 */
final class OutputPaths {
    /** A path with the option that named it; {@code tree}: an output directory replaced whole (the report). */
    private record Named(String label, Path path, boolean tree) {
    }

    private final List<Named> inputs = new ArrayList<>();
    private final List<Named> outputs = new ArrayList<>();

    /** Registers an input; refuses it when an output registered before would overwrite it. */
    void input(String label, Path p) {
        Named in = new Named(label, p, false);
        for (Named out : outputs) {
            refuseOverlap(out, in);
        }
        inputs.add(in);
    }

    /** A file a tool will write; {@code parentMayBeMade}: its directory may be created by the tool (under --outdir). */
    void outputFile(String label, Path p, boolean parentMayBeMade) {
        if (Files.isDirectory(p)) {
            throw new InputException(p + ": is a directory (" + label + " expects a file path)");
        }
        Path parent = p.toAbsolutePath().getParent();
        if (!parentMayBeMade && !Files.isDirectory(parent)) {
            throw new InputException(p + ": no such directory " + parent + " (" + label
                    + " expects a file in an existing writable directory)");
        }
        checkWritable(label, p, parent);
        addOutput(new Named(label, p, false));
    }

    /** A directory that will hold a tool's outputs (made if missing); an existing file there is refused. */
    void outputDirectory(String label, Path p, boolean replacedWhole) {
        if (Files.exists(p) && !Files.isDirectory(p)) {
            throw new InputException(p + ": is a file, not a directory (" + label + " expects a directory)");
        }
        checkWritable(label, p, Files.isDirectory(p) ? p : p.toAbsolutePath().getParent());
        addOutput(new Named(label, p, replacedWhole));
    }

    private void addOutput(Named out) {
        for (Named in : inputs) {
            refuseOverlap(out, in);
        }
        outputs.add(out);
    }

    /** The nearest existing directory at or above {@code dir} must take a new file. */
    private static void checkWritable(String label, Path p, Path dir) {
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        if (!Files.isDirectory(existing)) {
            throw new InputException(existing + ": is not a directory (" + label + " " + p + " needs a writable directory)");
        }
        try {
            Path probe = TempRegistry.createFile(existing.resolve(p.getFileName()), TempNames.PROBE);
            TempRegistry.delete(probe);
        } catch (IOException e) {
            throw new InputException(existing + ": " + ErrorLine.reason(e) + " (" + label + " " + p
                    + " needs a writable directory)", e);
        }
    }

    private static void refuseOverlap(Named out, Named in) {
        Path o = realPath(out.path());
        Path i = realPath(in.path());
        if (o.equals(i) || sameFile(out.path(), in.path())) {
            throw new UsageException(out.path() + ": " + out.label() + " is the same file as the input " + in.label() + " "
                    + in.path() + " (writing it would destroy the input; choose another output path)");
        }
        if (out.tree() && i.startsWith(o)) {
            throw new UsageException(out.path() + ": " + out.label() + " contains the input " + in.label() + " " + in.path()
                    + " (the directory is replaced whole; choose another output directory)");
        }
        if (Files.isDirectory(in.path()) && o.startsWith(i) && Files.exists(out.path(), LinkOption.NOFOLLOW_LINKS)) {
            throw new UsageException(out.path() + ": " + out.label() + " would replace a file of the input " + in.label()
                    + " " + in.path() + " (choose another output path)");
        }
    }

    /** The path with every symbolic link resolved, as far as it exists; the rest appended as given. */
    static Path realPath(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        try {
            return abs.toRealPath();
        } catch (IOException e) {
            Path parent = abs.getParent();
            return parent == null || abs.getFileName() == null ? abs : realPath(parent).resolve(abs.getFileName());
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
