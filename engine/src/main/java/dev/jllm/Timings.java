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

    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
    }

    public double generationTokensPerSecond() {
        return generationNanos == 0 ? 0 : generatedTokens * 1e9 / generationNanos;
    }
}
