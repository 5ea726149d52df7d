package dev.jllm.chat.jinja;

/**
 * Base of every error a template can raise, at compile time or while rendering.
 *
 * <p>{@link #errorType()} names the error the way Python/Jinja2 would ({@code TypeError},
 * {@code UndefinedError}, {@code TemplateSyntaxError}, ...), or {@code raise_exception} for an
 * error the template raised itself. This is the vocabulary of the conformance files'
 * {@code error_type} field. {@link #getMessage()} is the bare message, without location, so that
 * a {@code raise_exception(msg)} call can be compared exactly.
 */
public class TemplateException extends RuntimeException {
    private final String errorType;

    public TemplateException(String errorType, String message) {
        super(message, null, false, false); // no stack trace: these are expected, user-facing errors
        this.errorType = errorType;
    }

    /** The Python/Jinja2 name of the error, e.g. {@code TypeError}, or {@code raise_exception}. */
    public String errorType() {
        return errorType;
    }

    @Override
    public String toString() {
        return errorType + ": " + getMessage();
    }
}
