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

    /** A listener that ignores everything. */
    TokenListener NONE = (piece, id) -> Action.CONTINUE;
}
