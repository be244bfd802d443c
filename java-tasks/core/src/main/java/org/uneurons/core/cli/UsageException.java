package org.uneurons.core.cli;

/** A command line that does not fit the tool's options (unknown option, missing or malformed value). Exit code 2. */
public class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
