package dev.jllm.chat.jinja;

/**
 * Rendering exceeded a {@link Limits resource limit}: too deep recursion ({@code RecursionError}),
 * too much output or too many loop iterations ({@code ResourceLimitError}). Templates are
 * attacker-adjacent input, so runaway rendering must stop with an error rather than hang.
 */
public final class TemplateLimitException extends TemplateException {
    public TemplateLimitException(String errorType, String message) {
        super(errorType, message);
    }
}
