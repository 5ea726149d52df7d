package dev.jllm;

/**
 * How long a generation took.
 *
 * @param promptTokens     tokens evaluated for the prompt (excluding a reused cached prefix)
 * @param promptNanos      time spent evaluating them
 * @param generatedTokens  tokens generated
 * @param generationNanos time spent generating them (each token: one forward pass and a sample)
 */
public record Timings(int promptTokens, long promptNanos, int generatedTokens, long generationNanos) {

    /** @return prompt evaluation speed (0 when nothing was evaluated) */
    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
    }

    /** @return generation speed (0 when nothing was generated) */
    public double generationTokensPerSecond() {
        return generationNanos == 0 ? 0 : generatedTokens * 1e9 / generationNanos;
    }
}
