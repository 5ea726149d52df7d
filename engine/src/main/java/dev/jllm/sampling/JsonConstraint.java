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
 * recognizer. Not thread-safe: one per generation (the {@link TokenTable} is shared).
 */
public final class JsonConstraint implements TokenConstraint {
    /**
     * What the constraint knows of a vocabulary, worked out once per model: every token's bytes
     * (empty for control tokens, which are never allowed), whether they may appear anywhere
     * inside a string (no '"', '\\' or control byte), and which tokens end generation.
     */
    public static final class TokenTable {
        final byte[][] bytes;
        final boolean[] plain, plainAscii, end;
        /** Each token's first byte, or -1 for a token without bytes: most tokens are decided by it alone, without touching their arrays. */
        final int[] firstByte;
        /** Each token's second byte, or -1 for a token shorter than two bytes. */
        final int[] secondByte;

        public TokenTable(byte[][] tokenBytes, int[] endIds) {
            bytes = tokenBytes;
            plain = new boolean[tokenBytes.length];
            plainAscii = new boolean[tokenBytes.length];
            firstByte = new int[tokenBytes.length];
            secondByte = new int[tokenBytes.length];
            for (int i = 0; i < tokenBytes.length; i++) {
                boolean p = tokenBytes[i].length > 0, ascii = p;
                for (byte b : tokenBytes[i]) {
                    p &= (b & 0xFF) >= 0x20 && b != '"' && b != '\\';
                    ascii &= b >= 0x20; // signed: bytes of 0x80 and up are negative
                }
                plain[i] = p;
                plainAscii[i] = p && ascii;
                firstByte[i] = tokenBytes[i].length > 0 ? tokenBytes[i][0] & 0xFF : -1;
                secondByte[i] = tokenBytes[i].length > 1 ? tokenBytes[i][1] & 0xFF : -1;
            }
            int last = tokenBytes.length - 1;
            for (int id : endIds) last = Math.max(last, id);
            end = new boolean[last + 1]; // end tokens may lie beyond the table (they have no bytes)
            for (int id : endIds) if (id >= 0) end[id] = true;
        }

        /** The bytes of token {@code id}. */
        public byte[] bytes(int id) {
            return bytes[id];
        }

        public int size() {
            return bytes.length;
        }
    }

    private final TokenTable tokens;
    private final JsonPrefix state = new JsonPrefix(), probe = new JsonPrefix();
    private final boolean[] firstFits = new boolean[256];

    public JsonConstraint(TokenTable tokens) {
        this.tokens = tokens;
    }

    /** As {@link #JsonConstraint(TokenTable)} for a table built here. */
    public JsonConstraint(byte[][] tokenBytes, int[] endIds) {
        this(new TokenTable(tokenBytes, endIds));
    }

    /**
     * Sets the logits of the tokens that may not come next to −∞.
     *
     * @return how many tokens remain possible (0: nothing the model can say continues the object)
     */
    @Override
    public int mask(float[] logits) {
        int allowed = 0;
        if (state.complete()) {
            for (int i = 0; i < logits.length; i++) {
                if (!isEnd(i)) logits[i] = Float.NEGATIVE_INFINITY;
                else if (logits[i] != Float.NEGATIVE_INFINITY) allowed++;
            }
            return allowed;
        }
        int n = Math.min(logits.length, tokens.size());
        boolean inString = state.inString();
        if (!inString) {
            for (int b = 0; b < 256; b++) {
                probe.copyFrom(state);
                firstFits[b] = probe.accept((byte) b);
            }
        }
        for (int i = 0; i < n; i++) {
            if (logits[i] == Float.NEGATIVE_INFINITY) continue;
            int first = tokens.firstByte[i];
            boolean ok = first >= 0 && !tokens.end[i]
                    && (inString ? tokens.plain[i] || fits(tokens.bytes[i]) : firstFits[first] && (tokens.bytes[i].length == 1 || fits(tokens.bytes[i])));
            if (ok) allowed++;
            else logits[i] = Float.NEGATIVE_INFINITY;
        }
        for (int i = n; i < logits.length; i++) logits[i] = Float.NEGATIVE_INFINITY;
        return allowed;
    }

    /** Advances past a token that {@link #mask} allowed. */
    @Override
    public void accept(int id) {
        if (isEnd(id)) return;
        if (!state.accept(tokens.bytes[id])) throw new IllegalStateException("token " + id + " does not continue the JSON object");
    }

    /** True once the object is closed. */
    @Override
    public boolean complete() {
        return state.complete();
    }

    private boolean fits(byte[] bytes) {
        probe.copyFrom(state);
        return probe.accept(bytes);
    }

    private boolean isEnd(int id) {
        return id < tokens.end.length && tokens.end[id];
    }
}
