package dev.jllm.chat.jinja;

/**
 * The template source cannot be compiled: a lexer or parser error ({@code TemplateSyntaxError}),
 * or an unknown filter/test outside any {@code if} ({@code TemplateAssertionError}, as Jinja2
 * checks those at compile time).
 */
public final class TemplateSyntaxException extends TemplateException {
    private final int line;

    public TemplateSyntaxException(String message, int line) {
        this("TemplateSyntaxError", message, line);
    }

    public TemplateSyntaxException(String errorType, String message, int line) {
        super(errorType, message + " (line " + line + ")");
        this.line = line;
    }

    /** 1-based line of the template where the error was found. */
    public int line() {
        return line;
    }
}
