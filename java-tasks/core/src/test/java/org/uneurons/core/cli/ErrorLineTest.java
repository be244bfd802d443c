package org.uneurons.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.uneurons.core.io.PathIOException;

/** I/O errors keep their cause and their path, whatever a library wrapped around them. */
class ErrorLineTest {
    static final String TEMP = "/data/out.h5.tmp-4711-0@node17";

    @Test
    void aFullDiskNamesTheOutputAndTheOperatingSystemsReason() {
        // a write's ENOSPC names no file: the path comes from the wrapper that knows it (Hdf5Writer, OutputSet)
        Throwable t = new PathIOException(Path.of(TEMP), "cannot write", new IOException("No space left on device"));
        assertEquals("/data/out.h5: No space left on device", ErrorLine.describe(new RuntimeException("Exception writing",
                t)));
    }

    @Test
    void aReadOnlyFolderNamesTheOutputNotTheLibrarysWrapping() {
        RuntimeException jhdf = new RuntimeException("Failed to open file: " + TEMP, new AccessDeniedException(TEMP));
        assertEquals("/data/out.h5: Permission denied", ErrorLine.describe(jhdf));
        assertEquals("/data/out.h5: Read-only file system",
                ErrorLine.describe(new RuntimeException("Failed to open file: " + TEMP,
                        new FileSystemException(TEMP, null, "Read-only file system"))));
    }

    @Test
    void aMissingFileAndErrorsWithoutAFileKeepTheirWording() {
        assertEquals("/data/x.h5: no such file", ErrorLine.describe(new NoSuchFileException("/data/x.h5")));
        assertEquals("/data/x.bin: cannot read: Input/output error", ErrorLine.describe(
                new UncheckedIOException("/data/x.bin: cannot read", new IOException("Input/output error"))));
        assertEquals("unexpected state", ErrorLine.describe(new IllegalStateException("unexpected state")));
        assertEquals("NullPointerException", ErrorLine.describe(new NullPointerException()));
    }
}
