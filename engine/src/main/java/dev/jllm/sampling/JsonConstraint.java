package dev.jllm.sampling;

/**
 * Constrains sampling to one JSON object: before each token, every token whose bytes would not
 * continue the text as a valid beginning of a JSON object ({@link JsonPrefix}) gets logit −∞,
 * and so do the end-of-generation tokens until the object is complete; once it is, only they
 * remain. The model still chooses among what is allowed, with the same sampling settings.
 *
 * <p>The whole vocabulary is checked each step, cheaply: inside a string every token without a
 * quote, backslash or control byte fits (known per token in advance); elsewhere the 256 possible
 * first bytes are tried once, and only tokens whose first byte fits go through a copy of the
 * recognizer. Not thread-safe: one per generation.
 */
public final class JsonConstraint {
    private final byte[][] tokenBytes;
    private final int[] endIds;
    private final JsonPrefix state = new JsonPrefix(), probe = new JsonPrefix();
    /** Per token: whether its bytes may appear anywhere inside a string (no '"', '\\' or control byte). */
    private final boolean[] plain;
    private final boolean[] firstFits = new boolean[256];

    /**
     * @param tokenBytes the bytes of every token id (empty for control tokens, which are never allowed)
     * @param endIds     the end-of-generation tokens
     */
    public JsonConstraint(byte[][] tokenBytes, int[] endIds) {
        this.tokenBytes = tokenBytes;
        this.endIds = endIds.clone();
        this.plain = new boolean[tokenBytes.length];
        for (int i = 0; i < tokenBytes.length; i++) {
            boolean p = tokenBytes[i].length > 0;
            for (byte b : tokenBytes[i]) p &= (b & 0xFF) >= 0x20 && b != '"' && b != '\\';
            plain[i] = p;
        }
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
        boolean inString = state.inString();
        if (!inString) {
            for (int b = 0; b < 256; b++) {
                probe.copyFrom(state);
                firstFits[b] = probe.accept((byte) b);
            }
        }
        for (int i = 0; i < n; i++) {
            if (logits[i] == Float.NEGATIVE_INFINITY) continue;
            byte[] bytes = tokenBytes[i];
            boolean ok = bytes.length > 0 && !isEnd(i)
                    && (inString ? plain[i] || fits(bytes) : firstFits[bytes[0] & 0xFF] && (bytes.length == 1 || fits(bytes)));
            if (ok) allowed++;
            else logits[i] = Float.NEGATIVE_INFINITY;
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
