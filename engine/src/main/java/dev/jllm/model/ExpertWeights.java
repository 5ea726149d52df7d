package dev.jllm.model;

import dev.jllm.tensor.Tensor;

/**
 * The feed-forward of a mixture-of-experts layer: the router ({@code ffn_gate_inp}, one row per
 * expert) and each expert's gate, up and down matrices. The file stores each kind as one 3-D
 * tensor ({@code ffn_gate_exps} [dim, ffn, experts], ...) whose experts are consecutive row
 * blocks; these are views of those blocks, nothing is copied.
 */
public record ExpertWeights(Tensor router, Tensor[] gate, Tensor[] up, Tensor[] down) {
}
