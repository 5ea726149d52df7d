package dev.jllm.chat.jinja;

/**
 * Jinja2's {@code SecurityError}: the template used an attribute the immutable sandbox refuses,
 * such as {@code list.append} or {@code dict.update}.
 */
public final class SandboxException extends TemplateException {
    public SandboxException(String message) {
        super("SecurityError", message);
    }
}
