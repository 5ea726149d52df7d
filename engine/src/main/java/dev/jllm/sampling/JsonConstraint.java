package dev.jllm.sampling;

/**
 * Constrains sampling to one JSON object: before each token, every token whose bytes would not
 * continue the text as a valid beginning of a JSON object ({@link JsonPrefix}) gets logit −∞,
 * and so do the end-of-generation tokens until the object is complete; once it is, only they
 * remain. The model still chooses among what is allowed, with the same sampling settings.
 *
 * <p>Checking the whole vocabulary each step costs a few milliseconds for 128k tokens (each
 * token's bytes through a copy of the recognizer, most rejected at the first byte). Not
 * thread-safe: one per generation.
 */
public final class JsonConstraint {
    private final byte[][] tokenBytes;
    private final int[] endIds;
    private final JsonPrefix state = new JsonPrefix(), probe = new JsonPrefix();

    /**
     * @param tokenBytes the bytes of every token id (empty for control tokens, which are never allowed)
     * @param endIds     the end-of-generation tokens
     */
    public JsonConstraint(byte[][] tokenBytes, int[] endIds) {
        this.tokenBytes = tokenBytes;
        this.endIds = endIds.clone();
    }

    /**
     * Sets the logits of the tokens that may not come next to −∞.
     *
     * @return how many tokens remain possible (0: nothing the model can say continues the object)
     */
    public int mask(float[] logits) {
        int allowed = 0;
        if (state.complete()) {
            for (int i = 0; i < logits.length; i++) {
                if (!isEnd(i)) logits[i] = Float.NEGATIVE_INFINITY;
                else if (logits[i] != Float.NEGATIVE_INFINITY) allowed++;
            }
            return allowed;
        }
        int n = Math.min(logits.length, tokenBytes.length);
        for (int i = 0; i < n; i++) {
            if (logits[i] == Float.NEGATIVE_INFINITY) continue;
            byte[] bytes = tokenBytes[i];
            if (bytes.length == 0 || isEnd(i) || !fits(bytes)) logits[i] = Float.NEGATIVE_INFINITY;
            else allowed++;
        }
        for (int i = n; i < logits.length; i++) logits[i] = Float.NEGATIVE_INFINITY;
        return allowed;
    }

    /** Advances past a token that {@link #mask} allowed. */
    public void accept(int id) {
        if (isEnd(id)) return;
        if (!state.accept(tokenBytes[id])) throw new IllegalStateException("token " + id + " does not continue the JSON object");
    }

    /** True once the object is closed. */
    public boolean complete() {
        return state.complete();
    }

    private boolean fits(byte[] bytes) {
        probe.copyFrom(state);
        return probe.accept(bytes);
    }

    private boolean isEnd(int id) {
        for (int e : endIds) if (e == id) return true;
        return false;
    }
}
