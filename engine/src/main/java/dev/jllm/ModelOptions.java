package dev.jllm;

/**
 * How to load a model. Build with {@link #builder()}; {@link #defaults()} uses every core and
 * the model's own context length (capped at {@value #DEFAULT_MAX_CONTEXT} to bound the memory
 * each session's KV cache takes).
 */
public final class ModelOptions {
    /** Default cap on the context length when none is given. */
    public static final int DEFAULT_MAX_CONTEXT = 4096;

    private final int threads;
    private final int contextLength;
    private final int batchSize;
    private final boolean preload;
    private final LoadProgressListener progress;
    private final String chatTemplate;
    private final java.util.Map<String, Object> chatTemplateArguments;
    private final java.nio.file.Path convertedModelsFolder;
    private final KvCacheType kvCacheType;

    private ModelOptions(Builder b) {
        this.threads = b.threads;
        this.contextLength = b.contextLength;
        this.batchSize = b.batchSize;
        this.preload = b.preload;
        this.progress = b.progress;
        this.chatTemplate = b.chatTemplate;
        this.chatTemplateArguments = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(b.chatTemplateArguments));
        this.convertedModelsFolder = b.convertedModelsFolder;
        this.kvCacheType = b.kvCacheType;
    }

    /** @return a builder with the defaults */
    public static Builder builder() { return new Builder(); }

    /** @return every core, the model's context length (capped), batches of 32, no preloading */
    public static ModelOptions defaults() { return builder().build(); }

    /** Worker threads for the kernels (default: available processors). */
    public int threads() { return threads; }
    /** Context length of new sessions; 0 = the model's own (capped at {@value #DEFAULT_MAX_CONTEXT}). */
    public int contextLength() { return contextLength; }
    /** Prompt tokens processed together in one forward pass. */
    public int batchSize() { return batchSize; }
    /** Whether to read the whole weight file into the page cache at load time (with progress). */
    public boolean preload() { return preload; }
    /** Receives loading progress. */
    public LoadProgressListener progress() { return progress; }
    /** The chat template to use instead of the file's own (Jinja source), or null for the file's. */
    public String chatTemplate() { return chatTemplate; }
    /** Extra chat-template variables for every chat prompt of the model (a prompt's own arguments win). */
    public java.util.Map<String, Object> chatTemplateArguments() { return chatTemplateArguments; }

    /** Where {@link Model#load} keeps GGUF files converted from Hugging Face checkpoint folders. */
    public java.nio.file.Path convertedModelsFolder() { return convertedModelsFolder; }

    /** How sessions store their keys and values (default {@link KvCacheType#F16}). */
    public KvCacheType kvCacheType() { return kvCacheType; }

    /** Most worker threads per available processor that {@link Builder#build()} accepts. */
    public static final int MAX_THREADS_PER_CORE = 4;

    /** Builder for {@link ModelOptions}; {@link #build()} validates every value. */
    public static final class Builder {
        private int threads = Runtime.getRuntime().availableProcessors();
        private int contextLength = 0;
        private int batchSize = 32;
        private boolean preload = false;
        private LoadProgressListener progress = LoadProgressListener.NONE;
        private String chatTemplate;
        private java.util.Map<String, Object> chatTemplateArguments = java.util.Map.of();
        private java.nio.file.Path convertedModelsFolder = dev.jllm.convert.ConvertedModels.defaultFolder();
        private KvCacheType kvCacheType = KvCacheType.F16;

        private Builder() {}

        /** Kernel worker threads per call (default: available processors; at most {@value #MAX_THREADS_PER_CORE} per processor). */
        public Builder threads(int n) { this.threads = n; return this; }
        /** Context length of sessions; 0 = the model's own, capped at {@value #DEFAULT_MAX_CONTEXT}. */
        public Builder contextLength(int n) { this.contextLength = n; return this; }
        /** Prompt tokens per forward pass (default 32). */
        public Builder batchSize(int n) { this.batchSize = n; return this; }
        /**
         * How sessions store their keys and values (default {@link KvCacheType#F16}); Q8_0 takes
         * 0.53 of the memory. {@link Model#load} refuses Q8_0 for a model whose head size is not
         * a multiple of 32.
         */
        public Builder kvCacheType(KvCacheType type) { this.kvCacheType = java.util.Objects.requireNonNull(type, "type"); return this; }
        /** Read the whole file at load time, reporting progress (default false: pages load on first use). */
        public Builder preload(boolean preload) { this.preload = preload; return this; }
        /** Receives loading progress (null = none). */
        public Builder progress(LoadProgressListener l) { this.progress = l == null ? LoadProgressListener.NONE : l; return this; }

        /** Where checkpoint folders are converted to (default: {@code $JLLM_MODELS/converted}, else {@code ~/.cache/jllm/models/converted}). */
        public Builder convertedModelsFolder(java.nio.file.Path folder) {
            this.convertedModelsFolder = java.util.Objects.requireNonNull(folder, "folder");
            return this;
        }
        /**
         * A chat template (Jinja source) to use instead of the file's own, as llama.cpp's
         * {@code --chat-template-file}: for files whose template is missing, broken or lacks tools
         * (null = the file's).
         */
        public Builder chatTemplate(String jinjaSource) { this.chatTemplate = jinjaSource; return this; }
        /**
         * Extra chat-template variables for every chat prompt (Hugging Face's keyword arguments,
         * llama.cpp's {@code --chat-template-kwargs}), e.g. {@code Map.of("enable_thinking", false)}.
         */
        public Builder chatTemplateArguments(java.util.Map<String, ?> arguments) {
            this.chatTemplateArguments = new java.util.LinkedHashMap<>(arguments);
            return this;
        }

        /** @throws IllegalArgumentException naming the invalid value */
        public ModelOptions build() {
            if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
            int cores = Runtime.getRuntime().availableProcessors();
            if (threads > MAX_THREADS_PER_CORE * cores) {
                // the workers spin between calls: beyond the cores they only take turns, and
                // thousands of them took minutes to start
                throw new IllegalArgumentException("threads " + threads + " is more than " + MAX_THREADS_PER_CORE + " per available processor (" + cores
                        + "); use at most " + MAX_THREADS_PER_CORE * cores + ", or the default of one per processor");
            }
            if (contextLength < 0) throw new IllegalArgumentException("context length must be positive, got " + contextLength);
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
            for (String k : chatTemplateArguments.keySet()) {
                if (ChatFormat.RESERVED.contains(k)) throw new IllegalArgumentException("the chat-template argument '" + k + "' is set by jllm itself");
            }
            if (chatTemplate != null) {
                try {
                    dev.jllm.chat.ChatTemplate.compile(chatTemplate); // an explicit template must not fall back silently
                } catch (dev.jllm.chat.jinja.TemplateException e) {
                    throw new IllegalArgumentException("the chat template does not compile: " + e.getMessage(), e);
                }
            }
            return new ModelOptions(this);
        }
    }
}
