package dev.jllm.chat.jinja;

/**
 * A Python-level error while rendering: {@code TypeError}, {@code ValueError},
 * {@code ZeroDivisionError}, {@code TemplateRuntimeError}, ... The message follows Python's wording
 * where practical.
 */
public final class TemplateRuntimeException extends TemplateException {
    public TemplateRuntimeException(String errorType, String message) {
        super(errorType, message);
    }

    static TemplateRuntimeException typeError(String message) {
        return new TemplateRuntimeException("TypeError", message);
    }

    static TemplateRuntimeException valueError(String message) {
        return new TemplateRuntimeException("ValueError", message);
    }

    static TemplateRuntimeException runtime(String message) {
        return new TemplateRuntimeException("TemplateRuntimeError", message);
    }
}
