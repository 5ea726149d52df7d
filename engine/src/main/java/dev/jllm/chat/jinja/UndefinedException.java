package dev.jllm.chat.jinja;

/** Jinja2's {@code UndefinedError}: an undefined value was called, indexed, or used in arithmetic. */
public final class UndefinedException extends TemplateException {
    public UndefinedException(String message) {
        super("UndefinedError", message);
    }
}
