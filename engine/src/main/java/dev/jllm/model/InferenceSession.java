package dev.jllm.model;

/**
 * One stream of tokens through a model: its KV cache, its position and its scratch buffers.
 * Feeding tokens appends them to the context; logits come back for the last token (or for
 * every token, when scoring). Not thread-safe: one session per thread; many sessions may share
 * a {@link Transformer}.
 */
public final class InferenceSession {
    /** Prompt chunk size: tokens run through the network together, reusing each weight load. */
    public static final int DEFAULT_BATCH = 32;

    private final Transformer model;
    private final KVCache cache;
    private final ForwardBuffers buffers;
    private int position;
    /** Logits of the last {@link #feed}, reused between calls (a 128k-token vocabulary makes 512 KB per token otherwise). */
    private final float[] lastLogits;

    public InferenceSession(Transformer model, int contextLength, int batch) {
        this.model = model;
        this.cache = KVCache.allocate(model.config(), contextLength, model.cacheType());
        this.buffers = new ForwardBuffers(model.config(), batch);
        this.lastLogits = new float[model.vocabSize()];
    }

    public InferenceSession(Transformer model, int contextLength) {
        this(model, contextLength, DEFAULT_BATCH);
    }

    /** Number of tokens in the context so far. */
    public int position() {
        return position;
    }

    public int contextLength() {
        return cache.capacity();
    }

    public int vocabSize() {
        return model.vocabSize();
    }

    /** Forgets every token after the first {@code length} (e.g. to reuse a shared prompt prefix). */
    public void truncate(int length) {
        if (length < 0 || length > position) throw new IllegalArgumentException("cannot truncate to " + length + " of " + position + " tokens");
        position = length;
    }

    /**
     * Appends tokens to the context and returns the logits after the last one. The array is
     * reused: it is valid until the next call.
     *
     * @throws IllegalStateException if the tokens do not fit in the context
     */
    public float[] feed(int[] tokens) {
        run(tokens, lastLogits, false, () -> false, done -> {});
        return lastLogits;
    }

    /**
     * As {@link #feed(int[])}, but tells {@code progress} how many of the tokens are done after
     * each chunk, and asks {@code stop} before each chunk after the first and returns
     * {@code null} once it answers true: a long prompt can be abandoned within one chunk's time.
     * The chunks already run stay in the context ({@link #position()} says how far it got).
     */
    public float[] feed(int[] tokens, java.util.function.BooleanSupplier stop, java.util.function.IntConsumer progress) {
        return run(tokens, lastLogits, false, stop, progress) ? lastLogits : null;
    }

    /**
     * Appends tokens, handing the logits after every one of them to {@code each} in order (the
     * row array is reused: copy what must outlive the call), with memory for one batch of rows
     * only; returns the last token's logits.
     */
    public float[] feedEach(int[] tokens, java.util.function.ObjIntConsumer<float[]> each) {
        requireRoom(tokens);
        int vocab = model.vocabSize();
        float[] chunkLogits = new float[buffers.batch * vocab];
        float[] row = new float[vocab];
        for (int off = 0; off < tokens.length; off += buffers.batch) {
            int n = Math.min(buffers.batch, tokens.length - off);
            model.forward(tokens, off, n, position, cache, buffers, chunkLogits, true);
            position += n;
            for (int t = 0; t < n; t++) {
                System.arraycopy(chunkLogits, t * vocab, row, 0, vocab);
                each.accept(row, off + t);
            }
        }
        System.arraycopy(row, 0, lastLogits, 0, vocab);
        return lastLogits;
    }

    /**
     * Appends tokens and returns the logits after every one of them: {@code [tokens.length][vocab]}
     * (for tests and scoring; {@link #feedEach} streams the rows without holding them all).
     */
    public float[][] feedAll(int[] tokens) {
        int vocab = model.vocabSize();
        float[] flat = new float[tokens.length * vocab];
        run(tokens, flat, true, () -> false, done -> {});
        float[][] out = new float[tokens.length][];
        for (int t = 0; t < tokens.length; t++) out[t] = java.util.Arrays.copyOfRange(flat, t * vocab, (t + 1) * vocab);
        return out;
    }

    /**
     * Appends tokens and returns the hidden state after the final norm of every one of them
     * ({@code tokens.length × dim}, row-major): the vectors embeddings are pooled from.
     *
     * @throws IllegalStateException if the tokens do not fit in the context
     */
    public float[] hiddenStates(int[] tokens) {
        requireRoom(tokens);
        int dim = model.config().dim();
        float[] out = new float[tokens.length * dim];
        for (int off = 0; off < tokens.length; off += buffers.batch) {
            int n = Math.min(buffers.batch, tokens.length - off);
            model.hiddenStates(tokens, off, n, position, cache, buffers, out, off * dim);
            position += n;
        }
        return out;
    }

    /** The encoding of this session's KV cache. */
    public dev.jllm.KvCacheType cacheType() {
        return cache.type();
    }

    /** Writes the keys and values of the context's positions (see {@link KVCache#write}). */
    public void writeCache(java.io.DataOutput out) throws java.io.IOException {
        cache.write(out, position);
    }

    /**
     * Replaces the context with {@code positions} positions read as {@link #writeCache} wrote
     * them. If reading fails the context is left empty.
     *
     * @throws IllegalArgumentException if they do not fit in the context
     */
    public void readCache(java.io.DataInput in, int positions) throws java.io.IOException {
        if (positions < 0 || positions > cache.capacity()) {
            throw new IllegalArgumentException(positions + " positions do not fit in a context of " + cache.capacity());
        }
        position = 0;
        cache.read(in, positions);
        position = positions;
    }

    private void requireRoom(int[] tokens) {
        if (tokens.length == 0) throw new IllegalArgumentException("no tokens to feed");
        if (position + tokens.length > cache.capacity()) {
            throw new IllegalStateException(tokens.length + " more tokens do not fit: " + position + " of " + cache.capacity() + " context positions are used");
        }
    }

    /** Runs the tokens chunk by chunk; false if {@code stop} ended it before the last chunk. */
    private boolean run(int[] tokens, float[] logits, boolean all, java.util.function.BooleanSupplier stop, java.util.function.IntConsumer progress) {
        requireRoom(tokens);
        int vocab = model.vocabSize();
        float[] chunkLogits = all ? new float[buffers.batch * vocab] : logits;
        for (int off = 0; off < tokens.length; off += buffers.batch) {
            if (off > 0 && stop.getAsBoolean()) return false;
            int n = Math.min(buffers.batch, tokens.length - off);
            model.forward(tokens, off, n, position, cache, buffers, chunkLogits, all);
            if (all) System.arraycopy(chunkLogits, 0, logits, off * vocab, n * vocab);
            position += n;
            progress.accept(off + n);
        }
        return true;
    }
}
