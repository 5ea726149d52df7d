package dev.jllm;

/** Base of every exception jllm throws on purpose; the message is one line saying what is wrong. */
public class JllmException extends RuntimeException {
    /** @param message a one-line message */
    public JllmException(String message) {
        super(message);
    }

    /** @param message a one-line message
     *  @param cause   the underlying failure */
    public JllmException(String message, Throwable cause) {
        super(message, cause);
    }
}
