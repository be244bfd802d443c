package org.uneurons.core.io;

import java.io.IOException;

/**
 * Injects an I/O error into {@link OutputSet} (and so into every atomic output) for tests of any module: when the
 * temporary of an output with a given file name is made, or when it is renamed. Close the returned handle to stop.
 */
public final class InjectedFaults implements AutoCloseable {
    private InjectedFaults() {
    }

    /** {@code error} is thrown when the temporary of an output named {@code fileName} is about to be made. */
    public static InjectedFaults failWriting(String fileName, IOException error) {
        return inject(OutputSet.AT_WRITE, fileName, error);
    }

    /** {@code error} is thrown when the output named {@code fileName} is about to be renamed into place. */
    public static InjectedFaults failPublishing(String fileName, IOException error) {
        return inject(OutputSet.AT_PUBLISH, fileName, error);
    }

    private static InjectedFaults inject(String stage, String fileName, IOException error) {
        OutputSet.fault = (at, target) -> {
            if (at.equals(stage) && target.getFileName().toString().equals(fileName)) {
                throw error;
            }
        };
        return new InjectedFaults();
    }

    @Override
    public void close() {
        OutputSet.fault = (at, target) -> { };
    }
}
