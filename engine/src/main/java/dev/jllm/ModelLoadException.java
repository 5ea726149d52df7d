package dev.jllm;

/**
 * A model file could not be loaded: missing, unreadable, corrupt, or using an architecture,
 * tensor type or feature jllm does not support. The message names the file and the problem.
 */
public class ModelLoadException extends JllmException {
    /** @param message a one-line message naming the file and the problem */
    public ModelLoadException(String message) {
        super(message);
    }

    /** @param message a one-line message naming the file and the problem
     *  @param cause   the underlying failure */
    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
