package dev.jllm;

/**
 * A token and its log-probability under the model (natural log of its softmax probability over
 * the whole vocabulary, from the raw logits: before temperature, penalties, biases or constraints).
 */
public record Logprob(int tokenId, float logprob) {
}
