package dev.jllm;

/**
 * Receives generated text as it is produced. Pieces are whole UTF-8 characters: a token that ends
 * inside a multi-byte character yields an empty piece, and the character arrives with the token
 * that completes it.
 */
@FunctionalInterface
public interface TokenListener {

    /** What to do after a token. */
    enum Action {
        /** Go on generating. */
        CONTINUE,
        /** End generation now (finish reason {@link FinishReason#CANCELLED}). */
        STOP
    }

    /**
     * Called once per generated token, on the generating thread.
     *
     * @param piece   the new text (possibly empty)
     * @param tokenId the token just generated
     * @return {@link Action#STOP} to end generation now (finish reason {@link FinishReason#CANCELLED})
     */
    Action onToken(String piece, int tokenId);

    /**
     * When log-probabilities are asked for ({@link GenerationParams#logprobs()}), called with each
     * generated token's, just before {@link #onToken} for that token. Does nothing by default.
     */
    default void onLogprobs(TokenLogprobs logprobs) {
    }

    /**
     * Called on the generating thread after each chunk of the prompt has gone through the model
     * ({@link ModelOptions#batchSize()} tokens at a time), with how many of the tokens that
     * needed evaluating are done — the part of the prompt not reused from the session's cache,
     * so {@code total} may be less than the prompt's length. The last call has
     * {@code evaluated == total}, before the first token. For showing progress on long prompts;
     * does nothing by default.
     */
    default void onPromptProgress(int evaluated, int total) {
    }

    /** A listener that ignores everything. */
    TokenListener NONE = (piece, id) -> Action.CONTINUE;
}
