package dev.jllm.sampling;

/**
 * Constrains sampling to the sentences of a {@link Grammar} (a compiled JSON schema): a token
 * may come next if its bytes keep the text a beginning of a sentence; end-of-generation tokens
 * only where the text is a whole sentence, and nothing else once no byte may follow.
 *
 * <p>Each step walks every token's bytes through the {@link GrammarMatcher}'s lazily built
 * automaton: one table lookup per byte, and a token is dropped at its first byte that does not
 * fit (first and second bytes come from tables, so most tokens are decided without reading
 * their arrays). Where every plain ASCII character leads back to the same state (inside a string of
 * unbounded length) tokens made only of such characters are allowed without a walk. Not thread-safe: one per generation (the {@link JsonConstraint.TokenTable} is shared).
 */
public final class GrammarConstraint implements TokenConstraint {
    private final JsonConstraint.TokenTable tokens;
    private final GrammarMatcher matcher;
    private int state;

    public GrammarConstraint(Grammar grammar, JsonConstraint.TokenTable tokens) {
        this.tokens = tokens;
        this.matcher = new GrammarMatcher(grammar);
        this.state = matcher.start();
    }

    @Override
    public int mask(float[] logits) {
        int allowed = 0;
        boolean accepting = matcher.accepting(state), finished = matcher.finished(state);
        int[] first = matcher.successors(state);
        boolean plainStays = staysOnPlainAscii(first);
        int n = Math.min(logits.length, tokens.size());
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] == Float.NEGATIVE_INFINITY) continue;
            boolean ok;
            if (isEnd(i)) ok = accepting;
            else if (finished || i >= n || tokens.firstByte[i] < 0) ok = false;
            else {
                int s = first[tokens.firstByte[i]];
                if (s == GrammarMatcher.DEAD) ok = false;
                else if (tokens.secondByte[i] < 0 || plainStays && tokens.plainAscii[i]) ok = true; // plain: e.g. a word inside an unbounded string
                else if ((s = matcher.next(s, tokens.secondByte[i])) == GrammarMatcher.DEAD) ok = false;
                else ok = rest(s, tokens.bytes[i]) != GrammarMatcher.DEAD;
            }
            if (ok) allowed++;
            else logits[i] = Float.NEGATIVE_INFINITY;
        }
        return allowed;
    }

    /** Whether every printable ASCII byte but '"' and '\\' leads from this state back to itself (inside a string of any length). */
    private boolean staysOnPlainAscii(int[] successors) {
        for (int b = 0x20; b < 0x80; b++) {
            if (b != '"' && b != '\\' && successors[b] != state) return false;
        }
        return true;
    }

    /** The state after the bytes of a token from its third on, or {@link GrammarMatcher#DEAD}. */
    private int rest(int s, byte[] bytes) {
        for (int k = 2; k < bytes.length && s != GrammarMatcher.DEAD; k++) s = matcher.next(s, bytes[k] & 0xFF);
        return s;
    }

    @Override
    public void accept(int id) {
        if (isEnd(id)) return;
        int next = matcher.next(state, tokens.bytes[id]);
        if (next == GrammarMatcher.DEAD) throw new IllegalStateException("token " + id + " does not continue the constrained text");
        state = next;
    }

    @Override
    public boolean complete() {
        return matcher.finished(state);
    }

    private boolean isEnd(int id) {
        return id < tokens.end.length && tokens.end[id];
    }
}
