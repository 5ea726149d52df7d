package dev.jllm;

/**
 * A model file could not be loaded: missing, unreadable, corrupt, or using an architecture,
 * tensor type or feature jllm does not support. The message names the file and the problem.
 */
public class ModelLoadException extends JllmException {
    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
