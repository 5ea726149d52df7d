package dev.jllm;

/** The tokens of a request do not fit in the session's context window. */
public class ContextOverflowException extends JllmException {
    private final int tokens;
    private final int contextLength;

    public ContextOverflowException(int tokens, int contextLength) {
        super("the prompt has " + tokens + " tokens but the context holds " + contextLength
                + "; shorten the prompt or raise the context length (--ctx)");
        this.tokens = tokens;
        this.contextLength = contextLength;
    }

    public ContextOverflowException(String message, int tokens, int contextLength) {
        super(message);
        this.tokens = tokens;
        this.contextLength = contextLength;
    }

    public int tokens() { return tokens; }
    public int contextLength() { return contextLength; }
}
