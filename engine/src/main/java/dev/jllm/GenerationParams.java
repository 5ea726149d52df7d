package dev.jllm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.jllm.sampling.Gbnf;
import dev.jllm.sampling.Grammar;
import dev.jllm.sampling.GrammarConstraint;
import dev.jllm.sampling.JsonConstraint;
import dev.jllm.sampling.JsonSchemaGrammar;
import dev.jllm.sampling.SamplerConfig;
import dev.jllm.sampling.TokenConstraint;

/**
 * How to generate: limits, sampling and stop conditions. Immutable; build with
 * {@link #builder()}. Defaults follow llama.cpp's: temperature 0.8, top-k 40, top-p 0.95,
 * min-p 0.05, no penalties, a random seed.
 *
 * <pre>{@code
 * GenerationParams p = GenerationParams.builder().maxTokens(100).temperature(0).build(); // greedy
 * }</pre>
 */
public final class GenerationParams {
    private final int maxTokens;
    private final SamplerConfig sampler;
    private final List<String> stopStrings;
    private final boolean parseSpecialTokens;
    private final boolean addSpecialTokens;
    private final int promptTopLogits;
    private final boolean ignoreEndOfGeneration;
    private final boolean jsonObject;
    private final String jsonSchema;
    private final String gbnf;
    private final Grammar grammar;
    private final int logprobs;
    private final boolean promptLogprobs;

    private GenerationParams(Builder b) {
        this.maxTokens = b.maxTokens;
        this.sampler = new SamplerConfig(b.temperature, b.topK, b.topP, b.minP, b.repeatPenalty, b.repeatLastN,
                b.presencePenalty, b.frequencyPenalty, b.seed, b.logitBias);
        this.stopStrings = List.copyOf(b.stopStrings);
        this.parseSpecialTokens = b.parseSpecialTokens;
        this.addSpecialTokens = b.addSpecialTokens;
        this.promptTopLogits = b.promptTopLogits;
        this.ignoreEndOfGeneration = b.ignoreEndOfGeneration;
        this.jsonObject = b.jsonObject;
        this.jsonSchema = b.jsonSchema;
        this.gbnf = b.gbnf;
        this.grammar = b.grammar;
        this.logprobs = b.logprobs;
        this.promptLogprobs = b.promptLogprobs;
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the defaults (llama.cpp's sampling, 256 tokens, a random seed) */
    public static GenerationParams defaults() {
        return builder().build();
    }

    /** Greedy decoding (temperature 0) up to {@code maxTokens} tokens. */
    public static GenerationParams greedy(int maxTokens) {
        return builder().temperature(0).maxTokens(maxTokens).build();
    }

    /** Maximum number of tokens to generate; -1 = until the context is full. */
    public int maxTokens() { return maxTokens; }
    /** Softmax temperature; 0 = greedy (always the most likely token). */
    public float temperature() { return sampler.temperature(); }
    /** Keep only the K most likely tokens; 0 = off. */
    public int topK() { return sampler.topK(); }
    /** Keep the most likely tokens up to this cumulative probability; 1 = off. */
    public float topP() { return sampler.topP(); }
    /** Drop tokens less likely than this fraction of the most likely one; 0 = off. */
    public float minP() { return sampler.minP(); }
    /** Divides (or multiplies, when negative) the logits of recently seen tokens; 1 = off. */
    public float repeatPenalty() { return sampler.repeatPenalty(); }
    /** Subtracted from the logit of every token already generated or in the prompt window; 0 = off. */
    public float presencePenalty() { return sampler.presencePenalty(); }
    /** Subtracted from a token's logit once per earlier occurrence; 0 = off. */
    public float frequencyPenalty() { return sampler.frequencyPenalty(); }
    /** Seed of the random draw: the same seed, prompt and parameters give the same text. */
    public long seed() { return sampler.seed(); }
    /** Added to the logits of the given token ids before sampling (-100 bans, +100 forces in practice). */
    public Map<Integer, Float> logitBias() { return sampler.logitBias(); }
    /** Generation ends before any of these strings; the text returned does not contain it. */
    public List<String> stopStrings() { return stopStrings; }
    /** Whether special-token texts in the prompt (e.g. {@code <|im_start|>}) become their single ids. */
    public boolean parseSpecialTokens() { return parseSpecialTokens; }
    /** Whether BOS/EOS are added to the prompt as the vocabulary asks. */
    public boolean addSpecialTokens() { return addSpecialTokens; }
    /** If > 0, the completion reports this many top logits for every prompt position. */
    public int promptTopLogits() { return promptTopLogits; }
    /** Whether end-of-generation tokens are never sampled (generation runs to the token limit), as llama.cpp's --ignore-eos. */
    public boolean ignoreEndOfGeneration() { return ignoreEndOfGeneration; }
    /**
     * Whether the reply is constrained to one JSON object (OpenAI's {@code response_format}
     * {@code json_object}): only tokens that keep the text a valid beginning of a JSON object
     * are sampled, and generation stops when the object is complete. A reply cut short by the
     * token limit or a stop string is a valid beginning, not a whole object.
     */
    public boolean jsonObject() { return jsonObject; }
    /**
     * The JSON schema the reply must follow, or null: only tokens that keep the text a valid
     * beginning of a JSON value the schema accepts are sampled, and generation stops when the
     * value is complete (OpenAI's {@code response_format} {@code json_schema}). The subset
     * supported is llama.cpp's and OpenAI's structured outputs': types, {@code enum},
     * {@code const}, {@code anyOf}, {@code $ref} (recursive too), object {@code properties} in
     * the order declared with {@code required} and {@code additionalProperties}, array
     * {@code items}, {@code prefixItems}, {@code minItems}/{@code maxItems}, string
     * {@code minLength}/{@code maxLength}. Other validation keywords are refused when the
     * parameters are built, never silently ignored.
     */
    public String jsonSchema() { return jsonSchema; }
    /**
     * The GBNF grammar (llama.cpp's notation, start rule {@code root}) the reply must follow, or
     * null: only tokens that keep the text a beginning of a sentence of the grammar are sampled,
     * end-of-generation tokens only where the text is a whole sentence, and generation stops
     * when nothing may follow.
     */
    public String grammar() { return gbnf; }
    /**
     * Log-probabilities of the generated tokens: -1 = none (the default); 0 = each token's own;
     * 1–{@value #MAX_LOGPROBS} = also that many most likely tokens at each position
     * ({@link Completion#logprobs()}). From the raw logits, over the whole vocabulary.
     */
    public int logprobs() { return logprobs; }
    /**
     * Whether the completion also has the log-probabilities of the prompt's tokens (with
     * {@link #logprobs()} alternatives each; {@link Completion#promptLogprobs()}), as evaluation
     * harnesses ask for to score a text. The whole prompt is evaluated again (no cached prefix):
     * the cache keeps no logits.
     */
    public boolean promptLogprobs() { return promptLogprobs; }

    /** Most alternatives {@link #logprobs()} reports per position (OpenAI's limit). */
    public static final int MAX_LOGPROBS = 20;

    /** The constraint on the reply's tokens for one generation, or null when the reply is free. */
    TokenConstraint newConstraint(JsonConstraint.TokenTable tokens) {
        if (jsonObject) return new JsonConstraint(tokens);
        if (grammar != null) return new GrammarConstraint(grammar, tokens);
        return null;
    }

    /** These parameters with the reply constrained to a grammar (a forced tool call) instead of a schema. */
    GenerationParams withGrammar(Grammar forced) {
        if (constrained()) throw new IllegalArgumentException("a required tool call and a JSON response format or grammar exclude each other");
        Builder b = toBuilder();
        b.grammar = forced;
        return b.build();
    }

    /** Whether the reply is constrained (JSON mode, a schema or a grammar). */
    boolean constrained() { return jsonObject || grammar != null; }

    SamplerConfig samplerConfig() { return sampler; }

    /** @return a builder holding these values, to derive changed parameters */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxTokens = maxTokens;
        b.temperature = sampler.temperature();
        b.topK = sampler.topK();
        b.topP = sampler.topP();
        b.minP = sampler.minP();
        b.repeatPenalty = sampler.repeatPenalty();
        b.repeatLastN = sampler.repeatLastN();
        b.presencePenalty = sampler.presencePenalty();
        b.frequencyPenalty = sampler.frequencyPenalty();
        b.seed = sampler.seed();
        b.logitBias = new LinkedHashMap<>(sampler.logitBias());
        b.stopStrings = List.copyOf(stopStrings);
        b.parseSpecialTokens = parseSpecialTokens;
        b.addSpecialTokens = addSpecialTokens;
        b.promptTopLogits = promptTopLogits;
        b.ignoreEndOfGeneration = ignoreEndOfGeneration;
        b.jsonObject = jsonObject;
        b.jsonSchema = jsonSchema;
        b.gbnf = gbnf;
        b.grammar = grammar;
        b.logprobs = logprobs;
        b.promptLogprobs = promptLogprobs;
        return b;
    }

    /** Builder for {@link GenerationParams}; {@link #build()} validates every value. */
    public static final class Builder {
        private int maxTokens = 256;
        private float temperature = 0.8f;
        private int topK = 40;
        private float topP = 0.95f;
        private float minP = 0.05f;
        private float repeatPenalty = 1.0f;
        private int repeatLastN = 64;
        private float presencePenalty = 0f;
        private float frequencyPenalty = 0f;
        private long seed = System.nanoTime();
        private Map<Integer, Float> logitBias = new LinkedHashMap<>();
        private List<String> stopStrings = List.of();
        private boolean parseSpecialTokens = false;
        private boolean addSpecialTokens = true;
        private int promptTopLogits = 0;
        private boolean ignoreEndOfGeneration = false;
        private boolean jsonObject = false;
        private String jsonSchema;
        private String gbnf;
        private Grammar grammar;
        private int logprobs = -1;
        private boolean promptLogprobs;

        private Builder() {}

        /** Tokens to generate at most; -1 = until the context is full (default 256). */
        public Builder maxTokens(int n) { this.maxTokens = n; return this; }
        /** 0 = greedy. */
        public Builder temperature(double t) { this.temperature = (float) t; return this; }
        /** 0 = off. */
        public Builder topK(int k) { this.topK = k; return this; }
        /** 1 = off. */
        public Builder topP(double p) { this.topP = (float) p; return this; }
        /** 0 = off. */
        public Builder minP(double p) { this.minP = (float) p; return this; }
        /** 1 = off. */
        public Builder repeatPenalty(double p) { this.repeatPenalty = (float) p; return this; }
        /** How many recent tokens the penalties look at (default 64). */
        public Builder repeatLastN(int n) { this.repeatLastN = n; return this; }
        /** 0 = off; OpenAI's range is -2..2. */
        public Builder presencePenalty(double p) { this.presencePenalty = (float) p; return this; }
        /** 0 = off; OpenAI's range is -2..2. */
        public Builder frequencyPenalty(double p) { this.frequencyPenalty = (float) p; return this; }
        /** Fixes the random draw (default: a different seed for every builder). */
        public Builder seed(long seed) { this.seed = seed; return this; }
        /** Token id → value added to its logit. */
        public Builder logitBias(Map<Integer, Float> bias) { this.logitBias = new LinkedHashMap<>(bias); return this; }
        /** Strings that end generation (not included in the text). */
        public Builder stopStrings(List<String> stops) { this.stopStrings = List.copyOf(stops); return this; }
        /** Parse special-token texts in a text prompt as their single ids (default false). */
        public Builder parseSpecialTokens(boolean parse) { this.parseSpecialTokens = parse; return this; }
        /** Add BOS/EOS to a text prompt as the vocabulary asks (default true). */
        public Builder addSpecialTokens(boolean add) { this.addSpecialTokens = add; return this; }
        /** Report the K highest logits after every prompt position (default 0: none). */
        public Builder promptTopLogits(int k) { this.promptTopLogits = k; return this; }
        public Builder ignoreEndOfGeneration(boolean ignore) { this.ignoreEndOfGeneration = ignore; return this; }
        /** Constrain the reply to one JSON object (default false); see {@link GenerationParams#jsonObject()}. */
        public Builder jsonObject(boolean json) { this.jsonObject = json; return this; }

        /**
         * Constrain the reply to JSON valid against this schema (JSON text), or null for none;
         * see {@link GenerationParams#jsonSchema()}.
         *
         * @throws IllegalArgumentException if the text is not JSON or the schema uses a keyword
         *                                  that is not supported (the message names it)
         */
        public Builder jsonSchema(String schema) {
            if (schema != null && gbnf != null) throw new IllegalArgumentException("a JSON schema and a grammar exclude each other");
            this.grammar = schema == null ? (gbnf == null ? null : grammar) : JsonSchemaGrammar.compile(schema);
            this.jsonSchema = schema;
            return this;
        }

        /**
         * Constrain the reply to a GBNF grammar (llama.cpp's notation), or null for none; see
         * {@link GenerationParams#grammar()}.
         *
         * @throws IllegalArgumentException naming the line and column of what is wrong in the grammar
         */
        public Builder grammar(String gbnf) {
            if (gbnf != null && jsonSchema != null) throw new IllegalArgumentException("a JSON schema and a grammar exclude each other");
            this.grammar = gbnf == null ? (jsonSchema == null ? null : grammar) : Gbnf.parse(gbnf);
            this.gbnf = gbnf;
            return this;
        }

        /** Log-probabilities of the generated tokens with this many alternatives (-1 = none, default); see {@link GenerationParams#logprobs()}. */
        public Builder logprobs(int top) { this.logprobs = top; return this; }
        /** Log-probabilities of the prompt's tokens too; see {@link GenerationParams#promptLogprobs()}. */
        public Builder promptLogprobs(boolean prompt) { this.promptLogprobs = prompt; return this; }

        /** @throws IllegalArgumentException naming the first invalid value */
        public GenerationParams build() {
            if (maxTokens < -1) throw new IllegalArgumentException("max tokens must be ≥ 0 (or -1 for no limit), got " + maxTokens);
            if (logprobs < -1 || logprobs > MAX_LOGPROBS) throw new IllegalArgumentException("logprobs must be -1 (none) to " + MAX_LOGPROBS + ", got " + logprobs);
            if (promptLogprobs && logprobs < 0) throw new IllegalArgumentException("prompt logprobs need logprobs ≥ 0 (the number of alternatives)");
            if (promptTopLogits < 0) throw new IllegalArgumentException("prompt top logits must be ≥ 0, got " + promptTopLogits);
            for (String s : stopStrings) if (s == null || s.isEmpty()) throw new IllegalArgumentException("stop strings must not be empty");
            if (jsonObject && jsonSchema != null) throw new IllegalArgumentException("JSON mode and a JSON schema exclude each other: the schema already asks for JSON");
            if (jsonObject && gbnf != null) throw new IllegalArgumentException("JSON mode and a grammar exclude each other");
            return new GenerationParams(this);
        }
    }
}
