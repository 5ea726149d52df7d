package dev.jllm.model;

import dev.jllm.tensor.Tensor;

/**
 * The tensors of one transformer layer. Matrices are views into the mapped file; the small 1-D
 * tensors (norm weights, biases) are decoded to float arrays once at load time.
 * Optional parts are null when the family does not have them: a mixture-of-experts layer has
 * {@code experts} instead of {@code ffnGate}, {@code ffnUp} and {@code ffnDown}.
 */
public record LayerWeights(
        float[] attnNorm,
        Tensor wq, Tensor wk, Tensor wv,
        float[] bq, float[] bk, float[] bv,
        float[] qNorm, float[] kNorm,
        Tensor wo,
        float[] postAttnNorm,
        float[] ffnNorm,
        Tensor ffnGate, Tensor ffnUp, Tensor ffnDown,
        float[] postFfnNorm,
        ExpertWeights experts) {
}
