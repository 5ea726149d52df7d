package dev.jllm;

import java.util.ArrayList;
import java.util.List;

import dev.jllm.model.InferenceSession;
import dev.jllm.sampling.TokenConstraint;
import dev.jllm.sampling.Sampler;
import dev.jllm.tokenizer.StreamingDecoder;
import dev.jllm.tokenizer.Tokenizer;

/**
 * Text generation with its own KV cache, created by {@link Model#newSession()}.
 *
 * <p>Each {@link #generate} call evaluates a prompt and generates from it. When a prompt starts
 * with the same tokens as what the session last processed (the previous prompt plus its
 * completion), those tokens' cached keys and values are reused and only the rest is evaluated —
 * this is how {@link ChatSession} avoids re-reading the conversation every turn, and how a
 * server keeps a shared system prompt cached.
 *
 * <pre>{@code
 * Session session = model.newSession();
 * // push: a listener receives every piece of text on the generating thread
 * Completion c = session.generate("Once upon a time", GenerationParams.greedy(50),
 *         (piece, id) -> { System.out.print(piece); return TokenListener.Action.CONTINUE; });
 * // pull: iterate over the pieces; generation runs on a background thread
 * try (TokenStream pieces = session.stream("The cat", GenerationParams.greedy(50))) {
 *     pieces.stream().map(String::toUpperCase).forEach(System.out::print);
 * }
 * }</pre>
 *
 * <p><b>Cancelling</b> ends a generation after the current token (finish reason
 * {@link FinishReason#CANCELLED}; the text so far is returned): return
 * {@link TokenListener.Action#STOP} from the listener, call {@link #cancel()} from another
 * thread (it affects the generation running at that moment, not later ones), or cancel or close
 * the {@link TokenStream} of {@link #stream}. A cancel that arrives while the prompt is still
 * being evaluated stops at the next prompt chunk ({@link ModelOptions#batchSize()} tokens),
 * with no token generated; the part of the prompt already evaluated stays in the session's
 * context and is reused by the next call.
 *
 * <p><b>Thread safety:</b> one generation at a time per session ({@code generate} is
 * synchronized: concurrent calls on one session wait for each other); {@link #cancel()} may be
 * called from any thread. Use one session per concurrent user of a {@link Model}: sessions are
 * independent, and concurrent sessions produce exactly the tokens they would produce one at a
 * time.
 */
public final class Session {
    private final Model model;
    private final InferenceSession inference;
    /** The tokens whose keys and values are in the cache, in order. */
    private int[] context = new int[16];
    private volatile boolean cancelRequested;
    /** The end-of-generation token that ended the last generation, or -1. */
    private float[] rawLogits; // generation with logprobs: the step's logits as the model gave them
    private int lastEndToken = -1;

    Session(Model model, int contextLength) {
        this.model = model;
        this.inference = new InferenceSession(model.transformer(), contextLength, model.options().batchSize());
    }

    /** Positions this session's context window holds. */
    public int contextLength() {
        return inference.contextLength();
    }

    /** Positions currently in use (prompt and generated tokens kept in the cache). */
    public int contextUsed() {
        return inference.position();
    }

    /**
     * How many leading tokens of {@code promptIds} this session holds in its cache: the part of
     * that prompt a {@link #generate} call here would not evaluate again. For choosing among
     * idle sessions the one that has seen a conversation before (a server's slots). Waits while
     * a generation runs on this session.
     */
    public synchronized int cachedPrefixLength(int[] promptIds) {
        return commonPrefix(promptIds);
    }

    /**
     * Saves this session's context — its tokens and their cached keys and values — to
     * {@code file} (written beside it first, then moved into place), so that
     * {@link #restoreState} can bring it back later, in this process or another, without
     * evaluating the tokens again: a long system prompt or document, or a conversation to
     * resume. The file takes about what the cache takes for those positions
     * ({@link KvCacheType}). Waits while a generation runs on this session.
     */
    public synchronized void saveState(java.nio.file.Path file) throws java.io.IOException {
        saveState(file, new byte[0]);
    }

    /** {@link #saveState} with the owner's bytes kept beside the context (a chat's history). */
    synchronized void saveState(java.nio.file.Path file, byte[] extra) throws java.io.IOException {
        SessionStateFile.write(file, model, java.util.Arrays.copyOf(context, inference.position()), inference, extra);
    }

    /**
     * Replaces this session's context with one {@link #saveState saved} from a session of the
     * same model file with the same {@link KvCacheType}: the next {@link #generate} whose prompt
     * starts with the saved tokens evaluates only the rest. Waits while a generation runs on
     * this session.
     *
     * @throws SessionStateException if the file is not a session state, is damaged or cut short,
     *                               was saved from another model or cache type, or holds more
     *                               positions than this session's context; the session keeps
     *                               its context if the file is refused before its keys and values
     *                               are read, and is left empty otherwise
     */
    public synchronized void restoreState(java.nio.file.Path file) throws java.io.IOException {
        restoreStateWithExtra(file);
    }

    /** {@link #restoreState}, returning the owner's bytes saved beside the context. */
    synchronized byte[] restoreStateWithExtra(java.nio.file.Path file) throws java.io.IOException {
        SessionStateFile.Restored r = SessionStateFile.read(file, model, inference);
        setContext(r.tokens(), r.tokens().length);
        return r.extra();
    }

    /** Forgets the cached context. */
    public synchronized void reset() {
        inference.truncate(0);
    }

    /**
     * Ends the generation running now (if any) after the current token; safe from any thread.
     * A generation started after this call is not affected.
     */
    public void cancel() {
        cancelRequested = true;
    }

    /** As {@link #generate(String, GenerationParams, TokenListener)} without streaming. */
    public Completion generate(String prompt, GenerationParams params) {
        return generate(prompt, params, TokenListener.NONE);
    }

    /**
     * Generates the reply to a rendered conversation ({@link Model#chatPrompt}): its token ids
     * are the prompt, and its stop strings are added to those of {@code params}. When the
     * prompt's tool choice forces a call, the reply is constrained to one.
     *
     * @throws IllegalArgumentException if a call is forced and {@code params} constrain the reply too (JSON mode or a schema)
     */
    public Completion generate(ChatPrompt prompt, GenerationParams params, TokenListener listener) {
        GenerationParams p = withStops(params, prompt.stopStrings());
        if (prompt.toolCalling() != null && prompt.toolCalling().forcedCall(false) != null) {
            p = p.withGrammar(prompt.toolCalling().forcedCall(dev.jllm.chat.ReasoningStream.opensThinking(prompt.text())));
        }
        return generate(prompt.tokenIds(), p, listener);
    }

    static GenerationParams withStops(GenerationParams params, List<String> more) {
        if (more.isEmpty()) return params;
        List<String> stops = new ArrayList<>(params.stopStrings());
        for (String s : more) if (!stops.contains(s)) stops.add(s);
        return params.toBuilder().stopStrings(stops).build();
    }

    /**
     * Starts generating a continuation of {@code prompt} on a background thread and returns the
     * text as a pull-style {@link TokenStream}; closing it early cancels the generation.
     */
    public TokenStream stream(String prompt, GenerationParams params) {
        return TokenStream.start(listener -> generate(prompt, params, listener));
    }

    /** As {@link #stream(String, GenerationParams)}, from token ids. */
    public TokenStream stream(int[] promptIds, GenerationParams params) {
        int[] ids = promptIds.clone();
        return TokenStream.start(listener -> generate(ids, params, listener));
    }

    /**
     * Generates a continuation of {@code prompt}, streaming text pieces to {@code listener}. The
     * prompt is tokenized with BOS added as the vocabulary asks
     * ({@link GenerationParams#addSpecialTokens()}); special-token texts in it stay plain text
     * unless {@link GenerationParams#parseSpecialTokens()}.
     *
     * @throws ContextOverflowException if the prompt does not fit in the context window
     * @throws IllegalArgumentException if the prompt is empty
     */
    public Completion generate(String prompt, GenerationParams params, TokenListener listener) {
        int[] ids = model.tokenizer().encode(prompt, params.addSpecialTokens(), params.parseSpecialTokens());
        return generate(ids, params, listener);
    }

    /**
     * As {@link #generate(String, GenerationParams, TokenListener)}, from token ids.
     *
     * @throws ContextOverflowException if the prompt does not fit in the context window
     * @throws IllegalArgumentException if the prompt is empty or has an id outside the vocabulary
     */
    public synchronized Completion generate(int[] promptIds, GenerationParams params, TokenListener listener) {
        java.util.Objects.requireNonNull(params, "params");
        java.util.Objects.requireNonNull(listener, "listener (pass TokenListener.NONE to ignore the tokens)");
        cancelRequested = false;
        lastEndToken = -1;
        Tokenizer tokenizer = model.tokenizer();
        int ctx = inference.contextLength();
        int vocab = inference.vocabSize();
        if (promptIds.length == 0) throw new IllegalArgumentException("the prompt is empty (no tokens)");
        if (promptIds.length > ctx) throw new ContextOverflowException(promptIds.length, ctx);
        for (int id : promptIds) {
            if (id < 0 || id >= vocab) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (vocab - 1) + ")");
        }

        // Evaluate the prompt, reusing the cached prefix it shares with the current context.
        long t0 = System.nanoTime();
        List<List<TokenLogit>> promptTop = List.of();
        float[] logits;
        int evaluated;
        List<TokenLogprobs> promptLogprobs = new ArrayList<>();
        if (params.promptTopLogits() > 0 || params.promptLogprobs()) {
            // Every position's logits are needed, and the cache keeps none: evaluate the whole prompt.
            inference.truncate(0);
            List<List<TokenLogit>> top = new ArrayList<>(promptIds.length);
            int chunk = model.options().batchSize();
            logits = inference.feedEach(promptIds, (row, i) -> {
                if (params.promptTopLogits() > 0) top.add(topLogits(row, params.promptTopLogits()));
                if (params.promptLogprobs() && i + 1 < promptIds.length) promptLogprobs.add(logprobs(row, promptIds[i + 1], params.logprobs()));
                if ((i + 1) % chunk == 0 || i + 1 == promptIds.length) listener.onPromptProgress(i + 1, promptIds.length);
            });
            if (params.promptTopLogits() > 0) promptTop = top;
            evaluated = promptIds.length;
        } else {
            int reuse = Math.min(commonPrefix(promptIds), promptIds.length - 1);
            inference.truncate(reuse);
            int[] rest = java.util.Arrays.copyOfRange(promptIds, reuse, promptIds.length);
            logits = inference.feed(rest, () -> cancelRequested, done -> listener.onPromptProgress(done, rest.length));
            if (logits == null) {
                // Cancelled between prompt chunks: keep what was evaluated as reusable context.
                int reached = inference.position();
                setContext(promptIds, reached);
                return new Completion("", new int[0], promptIds, FinishReason.CANCELLED,
                        new Timings(reached - reuse, System.nanoTime() - t0, 0, 0), promptTop);
            }
            evaluated = rest.length;
        }
        setContext(promptIds, promptIds.length);
        long t1 = System.nanoTime();

        // Generate.
        Sampler sampler = new Sampler(params.samplerConfig());
        StreamingDecoder decoder = tokenizer.streamingDecoder();
        StopStringFilter text = new StopStringFilter(params.stopStrings());
        int[] history = java.util.Arrays.copyOf(promptIds, promptIds.length + 64);
        int historyLength = promptIds.length;
        TokenConstraint constraint = params.constrained() ? params.newConstraint(model.jsonTokens()) : null;
        List<Integer> generated = new ArrayList<>();
        List<TokenLogprobs> generatedLogprobs = new ArrayList<>();
        FinishReason finish;
        while (true) {
            if (params.maxTokens() >= 0 && generated.size() >= params.maxTokens()) {
                finish = FinishReason.LENGTH;
                break;
            }
            if (cancelRequested) {
                finish = FinishReason.CANCELLED;
                break;
            }
            float[] raw = null;
            if (params.logprobs() >= 0) {
                // The model's own distribution: before end tokens are banned, constraints mask or the sampler changes anything.
                if (rawLogits == null || rawLogits.length != logits.length) rawLogits = new float[logits.length];
                System.arraycopy(logits, 0, rawLogits, 0, logits.length);
                raw = rawLogits;
            }
            if (params.ignoreEndOfGeneration()) {
                for (int id : tokenizer.vocabulary().endOfGenerationIds()) logits[id] = Float.NEGATIVE_INFINITY;
            }
            if (constraint != null && constraint.mask(logits) == 0) { // nothing the model can say continues the text
                finish = FinishReason.STOP;
                break;
            }
            int next = sampler.sample(logits, history, historyLength);
            if (tokenizer.vocabulary().isEndOfGeneration(next)) {
                lastEndToken = next;
                finish = FinishReason.STOP;
                break;
            }
            if (constraint != null) constraint.accept(next);
            generated.add(next);
            if (raw != null) {
                TokenLogprobs lp = logprobs(raw, next, params.logprobs());
                generatedLogprobs.add(lp);
                listener.onLogprobs(lp);
            }
            if (historyLength == history.length) history = java.util.Arrays.copyOf(history, history.length * 2);
            history[historyLength++] = next;
            String piece = text.push(decoder.push(next));
            if (listener.onToken(piece, next) == TokenListener.Action.STOP) {
                finish = FinishReason.CANCELLED;
                break;
            }
            if (text.stopped()) {
                finish = FinishReason.STOP;
                break;
            }
            if (inference.position() >= ctx) {
                finish = FinishReason.LENGTH;
                break;
            }
            if (params.maxTokens() >= 0 && generated.size() >= params.maxTokens()) {
                finish = FinishReason.LENGTH;
                break;
            }
            logits = inference.feed(new int[]{next});
            appendContext(next);
        }
        String tail = text.push(decoder.flush());
        tail += text.flush();
        if (!tail.isEmpty()) listener.onToken(tail, -1);
        long t2 = System.nanoTime();

        int[] out = generated.stream().mapToInt(Integer::intValue).toArray();
        return new Completion(text.text(), out, promptIds, finish,
                new Timings(evaluated, t1 - t0, out.length, t2 - t1), promptTop, generatedLogprobs, promptLogprobs);
    }

    /** The end-of-generation token that ended the last generation, or -1 if it ended otherwise. */
    int lastEndToken() {
        return lastEndToken;
    }

    private int commonPrefix(int[] ids) {
        int n = Math.min(ids.length, inference.position());
        int i = 0;
        while (i < n && context[i] == ids[i]) i++;
        return i;
    }

    private void setContext(int[] ids, int n) {
        if (context.length < n) context = new int[Math.max(n, context.length * 2)];
        System.arraycopy(ids, 0, context, 0, n);
    }

    private void appendContext(int id) {
        int pos = inference.position() - 1;
        if (context.length <= pos) context = java.util.Arrays.copyOf(context, Math.max(pos + 1, context.length * 2));
        context[pos] = id;
    }

    /** The log-probability of {@code id} under {@code logits} (over the whole vocabulary), with the {@code top} most likely tokens. */
    static TokenLogprobs logprobs(float[] logits, int id, int top) {
        double logZ = dev.jllm.sampling.LogSoftmax.logSumExp(logits, logits.length);
        List<Logprob> best = new ArrayList<>(top);
        if (top > 0) for (TokenLogit t : topLogits(logits, top)) best.add(new Logprob(t.id(), (float) (t.logit() - logZ)));
        return new TokenLogprobs(id, (float) (logits[id] - logZ), best);
    }

    static List<TokenLogit> topLogits(float[] logits, int k) {
        k = Math.min(k, logits.length);
        int[] ids = new int[k];
        float[] vals = new float[k];
        int size = dev.jllm.sampling.Sampler.selectTop(logits, k, ids, vals);
        List<TokenLogit> out = new ArrayList<>(k);
        for (int i = 0; i < size; i++) out.add(new TokenLogit(ids[i], vals[i]));
        return out;
    }
}
