package dev.jllm.sampling;

import java.util.Map;

/**
 * How the next token is chosen from the logits. Steps run in llama.cpp's order: logit bias,
 * penalties, top-k, top-p, min-p, temperature, then a seeded random draw; temperature 0 means
 * greedy (the most likely token after bias and penalties).
 *
 * @param temperature     0 = greedy; otherwise logits are divided by it before the draw
 * @param topK            keep the k most likely tokens (0 = off)
 * @param topP            keep the smallest set of most likely tokens whose probability reaches p (1 = off)
 * @param minP            drop tokens less likely than minP × the most likely one (0 = off)
 * @param repeatPenalty   divide positive / multiply negative logits of recent tokens (1 = off)
 * @param repeatLastN     how many recent tokens the penalties look at
 * @param presencePenalty subtracted once from the logit of every recent token (0 = off)
 * @param frequencyPenalty subtracted per occurrence of a recent token (0 = off)
 * @param seed            seed of the random draw: same seed, same text
 * @param logitBias       added to the logits of the given token ids before anything else
 */
public record SamplerConfig(float temperature, int topK, float topP, float minP, float repeatPenalty, int repeatLastN,
                            float presencePenalty, float frequencyPenalty, long seed, Map<Integer, Float> logitBias) {

    public static final SamplerConfig GREEDY = new SamplerConfig(0f, 0, 1f, 0f, 1f, 64, 0f, 0f, 0L, Map.of());

    public SamplerConfig {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be ≥ 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be ≥ 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("min-p must be in [0, 1], got " + minP);
        if (!(repeatPenalty > 0) || Float.isInfinite(repeatPenalty)) throw new IllegalArgumentException("repeat penalty must be > 0, got " + repeatPenalty);
        if (repeatLastN < 0) throw new IllegalArgumentException("repeat-last-n must be ≥ 0, got " + repeatLastN);
        if (Float.isNaN(presencePenalty) || Float.isNaN(frequencyPenalty)) throw new IllegalArgumentException("penalties must be numbers");
        logitBias = Map.copyOf(logitBias);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }
}
