package dev.jllm.tools;

/** A user error in the command line: printed as one line, exit status 2. */
final class CliException extends RuntimeException {
    CliException(String message) {
        super(message);
    }
}
