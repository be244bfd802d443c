package org.uneurons.core.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

import org.uneurons.core.io.PathIOException;
import org.uneurons.core.io.TempNames;

/**
 * The message of a tool's one error line for an unexpected exception. An I/O error is reported as
 * {@code <path>: <cause>}, from the deepest I/O exception of the chain (the operating system's words: "No space left
 * on device", "Permission denied", "Read-only file system") and the file it concerns: the one that exception names,
 * else the one a {@link PathIOException} around it names. Libraries' own wrappings ("Exception writing", "Failed to
 * open file: X.tmp-N") are dropped, and a temporary's name becomes the output it stands for.
 */
final class ErrorLine {
    private ErrorLine() {
    }

    static String describe(Throwable t) {
        IOException io = deepestIOException(t);
        if (io == null) {
            return message(t);
        }
        Path path = fileOf(io);
        if (path == null) {
            path = innermostPath(t);
        }
        String reason = reason(io);
        if (io instanceof NoSuchFileException && path != null) {
            return path + ": no such file";
        }
        if (path != null) {
            return path + ": " + reason;
        }
        String outer = message(t);
        return outer.equals(reason) || outer.endsWith(": " + reason) ? outer : outer + ": " + reason;
    }

    static IOException deepestIOException(Throwable t) {
        IOException found = null;
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof IOException io) {
                found = io;
            }
        }
        return found;
    }

    private static Path fileOf(IOException io) {
        if (io instanceof FileSystemException fse && fse.getFile() != null && !fse.getFile().isEmpty()) {
            return TempNames.outputOf(Path.of(fse.getFile()));
        }
        return null;
    }

    private static Path innermostPath(Throwable t) {
        Path path = null;
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof PathIOException p) {
                path = p.path();
            }
        }
        return path;
    }

    /** What went wrong in the operating system's words; Java leaves them out of some exceptions. */
    static String reason(IOException io) {
        if (io instanceof FileSystemException fse) {
            if (fse.getReason() != null && !fse.getReason().isBlank()) {
                return fse.getReason();
            }
            if (io instanceof AccessDeniedException) {
                return "Permission denied";
            }
            if (io instanceof NoSuchFileException) {
                return "No such file or directory";
            }
            if (io instanceof FileAlreadyExistsException) {
                return "File exists";
            }
            if (io instanceof NotDirectoryException) {
                return "Not a directory";
            }
            if (io instanceof DirectoryNotEmptyException) {
                return "Directory not empty";
            }
            return io.getClass().getSimpleName();
        }
        return message(io);
    }

    static String message(Throwable t) {
        String m = t.getMessage();
        return (m == null || m.isBlank()) ? t.getClass().getSimpleName() : m.replace('\n', ' ');
    }

    /**
     * The first {@code frames} frames of {@code t} and the innermost cause with its first frames, indented as the JVM
     * prints them: enough to place a defect without the pages of a full trace.
     */
    static String shortTrace(Throwable t, int frames) {
        StringBuilder sb = new StringBuilder();
        appendFrames(sb, t, frames);
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != t) {
            sb.append("Caused by: ").append(root).append(System.lineSeparator());
            appendFrames(sb, root, frames);
        }
        return sb.toString();
    }

    private static void appendFrames(StringBuilder sb, Throwable t, int frames) {
        StackTraceElement[] st = t.getStackTrace();
        int n = Math.min(frames, st.length);
        for (int i = 0; i < n; i++) {
            sb.append("\tat ").append(st[i]).append(System.lineSeparator());
        }
        if (st.length > n) {
            sb.append("\t... ").append(st.length - n).append(" more").append(System.lineSeparator());
        }
    }
}
