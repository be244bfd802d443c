package org.uneurons.core.cli;

/**
 * Bad input: a file, tensor, token or value that is not what the task expected. The message is the one line a
 * user sees (after the tool name), so it names the input and says what was expected. Exit code 1.
 */
public class InputException extends RuntimeException {
    public InputException(String message) {
        super(message);
    }

    public InputException(String message, Throwable cause) {
        super(message, cause);
    }
}
