package org.uneurons.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * An I/O error on a known file: the file (as the user named it: the output a temporary stands for) and what was
 * being done travel with the cause, so the tool's error line can say {@code <path>: <the operating system's reason>}
 * even when the cause itself names no file ("No space left on device" from a write).
 */
public class PathIOException extends UncheckedIOException {
    private final transient Path path;

    public PathIOException(Path path, String doing, IOException cause) {
        super(TempNames.outputOf(path) + ": " + doing, cause);
        this.path = TempNames.outputOf(path);
    }

    /** The file, as the user named it. */
    public Path path() {
        return path;
    }
}
