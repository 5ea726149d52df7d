package dev.jllm;

/** The tokens of a request do not fit in the session's context window. */
public class ContextOverflowException extends JllmException {
    private final int tokens;
    private final int contextLength;

    /**
     * @param tokens        tokens the request needs
     * @param contextLength positions the context holds
     */
    public ContextOverflowException(int tokens, int contextLength) {
        super("the prompt has " + tokens + " tokens but the context holds " + contextLength
                + "; shorten the prompt or raise the context length (--ctx)");
        this.tokens = tokens;
        this.contextLength = contextLength;
    }

    /** With a message of the caller's (e.g. naming a conversation rather than a prompt). */
    public ContextOverflowException(String message, int tokens, int contextLength) {
        super(message);
        this.tokens = tokens;
        this.contextLength = contextLength;
    }

    /** @return tokens the request needs */
    public int tokens() { return tokens; }

    /** @return positions the context holds */
    public int contextLength() { return contextLength; }
}
