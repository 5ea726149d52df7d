package dev.jllm;

/** Base of every exception jllm throws on purpose; the message is one line saying what is wrong. */
public class JllmException extends RuntimeException {
    public JllmException(String message) {
        super(message);
    }

    public JllmException(String message, Throwable cause) {
        super(message, cause);
    }
}
