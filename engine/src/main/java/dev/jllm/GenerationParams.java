package dev.jllm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.jllm.sampling.SamplerConfig;

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

    private GenerationParams(Builder b) {
        this.maxTokens = b.maxTokens;
        this.sampler = new SamplerConfig(b.temperature, b.topK, b.topP, b.minP, b.repeatPenalty, b.repeatLastN,
                b.presencePenalty, b.frequencyPenalty, b.seed, b.logitBias);
        this.stopStrings = List.copyOf(b.stopStrings);
        this.parseSpecialTokens = b.parseSpecialTokens;
        this.addSpecialTokens = b.addSpecialTokens;
        this.promptTopLogits = b.promptTopLogits;
        this.ignoreEndOfGeneration = b.ignoreEndOfGeneration;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static GenerationParams defaults() {
        return builder().build();
    }

    /** Greedy decoding (temperature 0) up to {@code maxTokens} tokens. */
    public static GenerationParams greedy(int maxTokens) {
        return builder().temperature(0).maxTokens(maxTokens).build();
    }

    /** Maximum number of tokens to generate; -1 = until the context is full. */
    public int maxTokens() { return maxTokens; }
    public float temperature() { return sampler.temperature(); }
    public int topK() { return sampler.topK(); }
    public float topP() { return sampler.topP(); }
    public float minP() { return sampler.minP(); }
    public float repeatPenalty() { return sampler.repeatPenalty(); }
    public float presencePenalty() { return sampler.presencePenalty(); }
    public float frequencyPenalty() { return sampler.frequencyPenalty(); }
    public long seed() { return sampler.seed(); }
    public Map<Integer, Float> logitBias() { return sampler.logitBias(); }
    public List<String> stopStrings() { return stopStrings; }
    /** Whether special-token texts in the prompt (e.g. {@code <|im_start|>}) become their single ids. */
    public boolean parseSpecialTokens() { return parseSpecialTokens; }
    /** Whether BOS/EOS are added to the prompt as the vocabulary asks. */
    public boolean addSpecialTokens() { return addSpecialTokens; }
    /** If > 0, the completion reports this many top logits for every prompt position. */
    public int promptTopLogits() { return promptTopLogits; }
    /** Whether end-of-generation tokens are never sampled (generation runs to the token limit), as llama.cpp's --ignore-eos. */
    public boolean ignoreEndOfGeneration() { return ignoreEndOfGeneration; }

    SamplerConfig samplerConfig() { return sampler; }

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

        private Builder() {}

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
        public Builder repeatLastN(int n) { this.repeatLastN = n; return this; }
        public Builder presencePenalty(double p) { this.presencePenalty = (float) p; return this; }
        public Builder frequencyPenalty(double p) { this.frequencyPenalty = (float) p; return this; }
        public Builder seed(long seed) { this.seed = seed; return this; }
        public Builder logitBias(Map<Integer, Float> bias) { this.logitBias = new LinkedHashMap<>(bias); return this; }
        public Builder stopStrings(List<String> stops) { this.stopStrings = List.copyOf(stops); return this; }
        public Builder parseSpecialTokens(boolean parse) { this.parseSpecialTokens = parse; return this; }
        public Builder addSpecialTokens(boolean add) { this.addSpecialTokens = add; return this; }
        public Builder promptTopLogits(int k) { this.promptTopLogits = k; return this; }
        public Builder ignoreEndOfGeneration(boolean ignore) { this.ignoreEndOfGeneration = ignore; return this; }

        /** @throws IllegalArgumentException naming the first invalid value */
        public GenerationParams build() {
            if (maxTokens < -1) throw new IllegalArgumentException("max tokens must be ≥ 0 (or -1 for no limit), got " + maxTokens);
            if (promptTopLogits < 0) throw new IllegalArgumentException("prompt top logits must be ≥ 0, got " + promptTopLogits);
            for (String s : stopStrings) if (s == null || s.isEmpty()) throw new IllegalArgumentException("stop strings must not be empty");
            return new GenerationParams(this);
        }
    }
}
