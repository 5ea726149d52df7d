package dev.jllm.chat.jinja;

/**
 * The template called {@code raise_exception(msg)}; {@link #getMessage()} is exactly {@code msg}.
 * Hugging Face templates use it to reject conversations they cannot format.
 */
public final class RaisedException extends TemplateException {
    public RaisedException(String message) {
        super("raise_exception", message);
    }
}
