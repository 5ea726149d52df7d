package dev.jllm;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import dev.jllm.gguf.GGUFFile;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.TensorInfo;
import dev.jllm.model.ModelConfig;
import dev.jllm.model.ModelWeights;
import dev.jllm.model.Transformer;
import dev.jllm.tensor.Kernels;
import dev.jllm.tensor.WorkerPool;
import dev.jllm.tokenizer.Tokenizer;

/**
 * A language model loaded from a GGUF file: the file is memory-mapped (weights are never copied
 * onto the Java heap), its tokenizer and configuration are read, and a worker pool is started.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("model.gguf"))) {
 *     Session session = model.newSession();
 *     Completion c = session.generate("Once upon a time", GenerationParams.greedy(50),
 *             (piece, id) -> { System.out.print(piece); return TokenListener.Action.CONTINUE; });
 * }
 * }</pre>
 *
 * <p><b>Thread safety:</b> a {@code Model} may be shared by any number of threads, each with its
 * own {@link Session}; sessions do not affect each other's results. Kernel calls from concurrent
 * sessions take turns on the model's worker pool. Closing the model unmaps the file; sessions
 * must not be used afterwards.
 */
public final class Model implements AutoCloseable {
    private final GGUFFile file;
    private final ModelConfig config;
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final WorkerPool pool;
    private final ModelOptions options;
    private final ModelInfo info;
    private volatile ChatFormat chatFormat;
    private final java.util.Optional<Pooling> pooling;

    private Model(GGUFFile file, ModelConfig config, Transformer transformer, Tokenizer tokenizer, WorkerPool pool,
                  ModelOptions options, ModelInfo info, java.util.Optional<Pooling> pooling) {
        this.pooling = pooling;
        this.file = file;
        this.config = config;
        this.transformer = transformer;
        this.tokenizer = tokenizer;
        this.pool = pool;
        this.options = options;
        this.info = info;
    }

    /** Loads a model with default options. */
    public static Model load(Path path) {
        return load(path, ModelOptions.defaults());
    }

    /**
     * Loads a model: a GGUF file, or a Hugging Face checkpoint folder (config.json, safetensors,
     * tokenizer files of a family {@link dev.jllm.convert.HfConverter} converts), which is
     * converted to GGUF once into {@link ModelOptions#convertedModelsFolder()} — progress stage
     * "converting checkpoint" — and that file is loaded, now and on later loads while the folder
     * is unchanged.
     *
     * @throws ModelLoadException if the file is missing, corrupt, or uses an architecture, tensor
     *                            type or tokenizer jllm does not support (the message says which)
     */
    public static Model load(Path path, ModelOptions options) {
        LoadProgressListener progress = options.progress();
        if (dev.jllm.convert.ConvertedModels.isCheckpoint(path)) path = convertCheckpoint(path, options);
        progress.onProgress("reading metadata", 0.0);
        GGUFFile file = GGUFFile.open(path);
        WorkerPool pool = null;
        try {
            GGUFMetadata md = file.metadata();
            ModelConfig config = ModelConfig.from(md);
            java.util.Optional<Pooling> pooling = Pooling.declaredBy(md, config.architecture().ggufName);
            progress.onProgress("loading tokenizer", 0.1);
            Tokenizer tokenizer = Tokenizer.fromMetadata(md);
            progress.onProgress("mapping weights", 0.3);
            ModelWeights weights = ModelWeights.load(file, config);
            if (tokenizer.vocabulary().size() > weights.vocabSize()) {
                throw new ModelLoadException("the tokenizer has " + tokenizer.vocabulary().size()
                        + " tokens but the embedding only " + weights.vocabSize() + " rows");
            }
            if (options.kvCacheType() == KvCacheType.Q8_0 && config.headDim() % dev.jllm.tensor.Q8AttentionKernel.BLOCK != 0) {
                throw new ModelLoadException("a Q8_0 KV cache needs a head size that is a multiple of "
                        + dev.jllm.tensor.Q8AttentionKernel.BLOCK + ", and this model's is " + config.headDim() + ": use the F16 cache");
            }
            if (options.preload()) preload(file, progress);
            pool = new WorkerPool(options.threads());
            Transformer transformer = new Transformer(config, weights, pool, options.kvCacheType());
            int ctx = options.contextLength() > 0 ? options.contextLength() : Math.min(config.contextLength(), ModelOptions.DEFAULT_MAX_CONTEXT);
            ModelInfo info = describe(file, config, weights, ctx, md);
            progress.onProgress("ready", 1.0);
            return new Model(file, config, transformer, tokenizer, pool, options, info, pooling);
        } catch (RuntimeException e) {
            if (pool != null) pool.close();
            file.close();
            if (e instanceof JllmException) throw e;
            throw new ModelLoadException(path.getFileName() + ": " + e.getMessage(), e);
        }
    }

    /** Reads the mapped file once so that the first tokens do not wait on the disk. */
    /** The GGUF file of checkpoint folder {@code dir}; conversion failures are load failures. */
    private static Path convertCheckpoint(Path dir, ModelOptions options) {
        try {
            // the output size is planned only when a conversion starts: a reused file needs no look at the shards
            long[] total = {1}, done = {0};
            return dev.jllm.convert.ConvertedModels.converted(dir, options.convertedModelsFolder(), options.threads(),
                    target -> {
                        total[0] = Math.max(1, outputBytes(dir));
                        options.progress().onProgress("converting checkpoint", 0.0);
                    },
                    n -> options.progress().onProgress("converting checkpoint", (double) (done[0] += n) / total[0]));
        } catch (dev.jllm.convert.ConversionException e) {
            throw new ModelLoadException(dir + ": " + e.getMessage(), e);
        } catch (java.io.UncheckedIOException e) {
            throw new ModelLoadException(dir + ": cannot convert the checkpoint: " + e.getMessage(), e);
        }
    }

    private static long outputBytes(Path dir) {
        try {
            return dev.jllm.convert.HfConverter.outputBytes(dir, dev.jllm.convert.HfConverter.OutputType.AUTO);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void preload(GGUFFile file, LoadProgressListener progress) {
        MemorySegment all = file.mapping();
        long size = all.byteSize(), step = 64L << 20;
        for (long off = 0; off < size; off += step) {
            all.asSlice(off, Math.min(step, size - off)).load();
            progress.onProgress("reading weights", 0.3 + 0.7 * Math.min(1.0, (double) (off + step) / size));
        }
    }

    private static ModelInfo describe(GGUFFile file, ModelConfig c, ModelWeights w, int ctx, GGUFMetadata md) {
        long params = 0;
        for (TensorInfo t : file.tensors().values()) params += t.elementCount();
        return new ModelInfo(file.path(), md.getString("general.name", file.path().getFileName().toString()),
                c.architecture().ggufName, params, file.fileSize(), w.vocabSize(), c.contextLength(), ctx,
                c.dim(), c.layerCount(), c.heads(), c.kvHeads(), c.headDim(), c.ffnDim(),
                md.getString("tokenizer.ggml.model", "?"), md.getString("tokenizer.chat_template", null));
    }

    /** What the model is: name, architecture, sizes, context length, chat template. */
    public ModelInfo info() {
        return info;
    }

    /** A new session with its own KV cache of the model's context length. */
    public Session newSession() {
        return newSession(info.contextLength());
    }

    /** A new session with its own KV cache of {@code contextLength} positions. */
    public Session newSession(int contextLength) {
        if (contextLength < 1) throw new IllegalArgumentException("context length must be positive, got " + contextLength);
        return new Session(this, contextLength);
    }

    /** A new conversation using the model's chat template, with its own session. */
    public ChatSession newChatSession(String systemPrompt) {
        return new ChatSession(this, newSession(), systemPrompt);
    }

    /** A new conversation without a system prompt. */
    public ChatSession newChatSession() {
        return newChatSession(null);
    }

    /**
     * Renders a conversation with the model's chat template (the GGUF's own, or a built-in one
     * when the file has none) for the assistant's next turn, and tokenizes it. Stateless; use
     * with {@link Session#generate(ChatPrompt, GenerationParams, TokenListener)}. A session that
     * generated the reply to a conversation reuses its cached tokens when the next request
     * repeats that conversation and adds to it.
     *
     * @param messages the conversation (roles {@code system}, {@code user}, {@code assistant}, ...)
     * @throws JllmException if the template fails on these messages (e.g. it raises an error
     *                       for an unsupported role order)
     */
    public ChatPrompt chatPrompt(java.util.List<ChatMessage> messages) {
        return chatFormat().prompt(messages);
    }

    /**
     * As {@link #chatPrompt(java.util.List)}, with tools the model may call shown to it by the
     * chat template. Read the reply with {@link ChatPrompt#parseReply}; with
     * {@link ToolChoice#required()} or {@link ToolChoice#function(String)} the reply generated
     * from this prompt is constrained to one call in the model's syntax, its arguments valid
     * against the tool's schema. An empty list of tools is the same as none.
     *
     * <pre>{@code
     * Tool weather = new Tool("get_weather", "Current weather", "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}");
     * ChatPrompt p = model.chatPrompt(messages, List.of(weather), ToolChoice.auto());
     * AssistantReply reply = p.parseReply(session.generate(p, params, TokenListener.NONE).text());
     * for (ToolCall call : reply.toolCalls()) { ... } // then add reply.toMessage() and ChatMessage.tool(call.id(), result)
     * }</pre>
     *
     * @throws ToolsNotSupportedException if the chat template has no tool-call syntax jllm reads
     *                                  (Hermes, Llama 3.1 JSON, Mistral, Qwen 3.5 XML, GLM)
     * @throws JllmException            if the chat template fails
     * @throws IllegalArgumentException if the choice names an unknown tool, or forces a call whose
     *                                  parameter schema uses what cannot be enforced, or in a syntax
     *                                  where calls cannot be forced (the XML ones)
     */
    public ChatPrompt chatPrompt(java.util.List<ChatMessage> messages, java.util.List<Tool> tools, ToolChoice choice) {
        return chatPrompt(messages, tools, choice, java.util.Map.of());
    }

    /**
     * As {@link #chatPrompt(java.util.List, java.util.List, ToolChoice)}, with extra variables for
     * the chat template: what Hugging Face's {@code apply_chat_template} takes as keyword
     * arguments and llama.cpp's server as {@code chat_template_kwargs}, e.g.
     * {@code Map.of("enable_thinking", false)} for Qwen 3 and SmolLM 3. Values are String,
     * Boolean, Integer/Long, Double, List, Map or null.
     *
     * @throws IllegalArgumentException also if an argument would replace a variable jllm sets
     *                                  ({@code messages}, {@code tools}, {@code add_generation_prompt},
     *                                  {@code bos_token}, {@code eos_token})
     */
    public ChatPrompt chatPrompt(java.util.List<ChatMessage> messages, java.util.List<Tool> tools, ToolChoice choice,
                                 java.util.Map<String, ?> templateArguments) {
        return chatFormat().prompt(messages, tools, choice, templateArguments);
    }

    /**
     * The bytes token {@code id} stands for in text (UTF-8, possibly part of a character; empty
     * for control tokens), e.g. to show the tokens of {@link Completion#logprobs()}.
     *
     * @throws IllegalArgumentException if the id is outside the vocabulary
     */
    public byte[] tokenBytes(int id) {
        var table = jsonTokens();
        if (id < 0 || id >= table.size()) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (table.size() - 1) + ")");
        return table.bytes(id).clone();
    }

    /** The model's chat format, built on first use. */
    ChatFormat chatFormat() {
        ChatFormat f = chatFormat;
        if (f == null) {
            synchronized (this) {
                f = chatFormat;
                if (f == null) {
                    String template = options.chatTemplate() != null ? options.chatTemplate() : info.chatTemplate();
                    chatFormat = f = new ChatFormat(tokenizer, template, options.chatTemplateArguments());
                }
            }
        }
        return f;
    }

    /**
     * Runs a dummy prompt of one batch ({@link ModelOptions#batchSize()} tokens) and a few
     * decoding steps through the network on a throwaway session, so that the JIT compiles the
     * kernels before the first real request. Until C2 compiles them the kernels run without
     * vector intrinsics, and the first prompt after loading takes seconds longer than the next
     * ones (about 4 s more for a 1B model on 2 cores, whatever its length); after a warm-up it
     * runs at steady speed. The warm-up takes about that long itself, so it pays when it runs
     * while nothing else would: interactive programs call it on a background thread right
     * after loading, while the user types. It is just another session (token ids 0, 1, …), so
     * it may overlap with real ones and changes none of their results.
     *
     * <p>It starts with each weight type's matrix-vector product on its own, until the JIT has
     * compiled it: the large K-quant decoding kernels compiled after a prompt had run sometimes
     * came out 2-4× slower for the life of the process (see {@code GemvWarmUp}). A program
     * that decodes much should therefore warm up before its first prompt. Then decoding-shaped
     * attention runs on its own until compiled: the prompt and three tokens below call its
     * softmax helpers too few times for the JIT, which then compiled them during the first
     * decoded tokens — or, in one benchmark run in five, not before the run ended.
     *
     * <p>Where vectors are too narrow for the batched kernels ({@link Kernels#simd()} false:
     * 128 bits) only the matrix-vector step runs: prompts go through those kernels there, and
     * a warm-up prompt would take seconds of the cores a first real prompt needs.
     *
     * @return how long the warm-up took
     */
    public java.time.Duration warmUp() {
        long t0 = System.nanoTime();
        transformer.warmUpKernels();
        if (!Kernels.simd()) return java.time.Duration.ofNanos(System.nanoTime() - t0);
        int tokens = Math.max(1, Math.min(options.batchSize(), info.contextLength() - 4));
        int vocab = info.vocabularySize();
        int[] ids = new int[tokens];
        for (int i = 0; i < tokens; i++) ids[i] = i % vocab;
        Session session = newSession(tokens + 4);
        session.generate(ids, GenerationParams.builder().temperature(0).maxTokens(3).ignoreEndOfGeneration(true).build(), TokenListener.NONE);
        return java.time.Duration.ofNanos(System.nanoTime() - t0);
    }

    /** The pooling the file declares for embeddings ({@code <arch>.pooling_type}), if any. */
    public java.util.Optional<Pooling> pooling() {
        return pooling;
    }

    /**
     * The embedding of a text with the pooling the file declares, normalized to unit length
     * (as llama.cpp's server and {@code llama-embedding} give them). Embedding models declare
     * their pooling; for a chat model pass one with {@link #embed(String, Pooling, boolean)}.
     *
     * @throws JllmException            if the file declares no pooling
     * @throws ContextOverflowException if the text has more tokens than the context holds
     */
    public Embedding embed(String text) {
        return embed(text, pooling.orElseThrow(() -> new JllmException(info.name() + " declares no pooling for embeddings ("
                + info.architecture() + ".pooling_type); choose one: mean, cls or last")), true);
    }

    /**
     * The embedding of a text: tokenized as llama.cpp's server does for embeddings (the
     * vocabulary's BOS/EOS added, special tokens in the text recognised), run through the model
     * in a throwaway session, and its tokens' hidden states after the final norm pooled.
     * Thread-safe; independent of every session.
     *
     * @param normalize scale the vector to unit (Euclidean) length
     * @throws ContextOverflowException if the text has more tokens than the context holds
     */
    public Embedding embed(String text, Pooling pooling, boolean normalize) {
        return embed(tokenizer.encode(text, true, true), pooling, normalize);
    }

    /** As {@link #embed(String, Pooling, boolean)} for token ids. */
    public Embedding embed(int[] tokenIds, Pooling pooling, boolean normalize) {
        java.util.Objects.requireNonNull(pooling, "pooling");
        if (tokenIds.length == 0) throw new IllegalArgumentException("nothing to embed: no tokens");
        int ctx = info.contextLength();
        if (tokenIds.length > ctx) {
            throw new ContextOverflowException("the text has " + tokenIds.length + " tokens but the context holds " + ctx
                    + "; shorten it or raise the context length (--ctx)", tokenIds.length, ctx);
        }
        var session = new dev.jllm.model.InferenceSession(transformer, tokenIds.length, options.batchSize());
        float[] hidden = session.hiddenStates(tokenIds);
        return new Embedding(EmbeddingPooler.pool(hidden, tokenIds.length, config.dim(), pooling, normalize), tokenIds.length);
    }

    /** Text to token ids, adding BOS/EOS as the vocabulary asks when {@code addSpecial}. */
    public int[] tokenize(String text, boolean addSpecial, boolean parseSpecial) {
        return tokenizer.encode(text, addSpecial, parseSpecial);
    }

    /** Token ids to text (special tokens are left out). */
    public String detokenize(int[] ids) {
        return tokenizer.decode(ids);
    }

    private volatile dev.jllm.sampling.JsonConstraint.TokenTable jsonTokens;

    /** Every token's bytes and traits for constrained sampling, worked out on first use and shared by all sessions. */
    dev.jllm.sampling.JsonConstraint.TokenTable jsonTokens() {
        var t = jsonTokens;
        if (t == null) {
            synchronized (this) {
                t = jsonTokens;
                if (t == null) {
                    byte[][] bytes = new byte[tokenizer.vocabulary().size()][];
                    for (int id = 0; id < bytes.length; id++) bytes[id] = tokenizer.tokenBytes(id, false);
                    jsonTokens = t = new dev.jllm.sampling.JsonConstraint.TokenTable(bytes, tokenizer.vocabulary().endOfGenerationIds());
                }
            }
        }
        return t;
    }

    Transformer transformer() { return transformer; }

    /**
     * What identifies this model's weights for a saved session state: a CRC-32 of the file's
     * size, tensor count and first and last 64 KiB (reading the whole file would take seconds;
     * two different files that agree in all of that are not a realistic mix-up).
     */
    long fingerprint() {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        java.lang.foreign.MemorySegment m = file.mapping();
        long size = m.byteSize(), edge = Math.min(size, 64 * 1024);
        crc.update(java.nio.ByteBuffer.allocate(16).putLong(size).putLong(file.tensors().size()).flip());
        crc.update(m.asSlice(0, edge).asByteBuffer());
        crc.update(m.asSlice(size - edge, edge).asByteBuffer());
        return crc.getValue();
    }
    Tokenizer tokenizer() { return tokenizer; }
    ModelOptions options() { return options; }
    ModelConfig config() { return config; }

    /** Stops the worker threads and unmaps the file. Sessions must not be used afterwards. */
    @Override
    public void close() {
        pool.close();
        file.close();
    }
}
