package dev.jllm;

/**
 * A saved session state that cannot be restored ({@link Session#restoreState}): not a session
 * file, damaged or cut short, saved from another model or with another KV cache type, or longer
 * than the session's context. The message says which.
 */
public class SessionStateException extends JllmException {
    /** @param message a one-line message */
    public SessionStateException(String message) {
        super(message);
    }

    /** @param message a one-line message
     *  @param cause   the underlying failure */
    public SessionStateException(String message, Throwable cause) {
        super(message, cause);
    }
}
