package dev.jllm.model;

/** The gating non-linearity of the feed-forward block: ffn_down · (act(gate) ⊙ up). */
public enum Activation {
    /** silu(x) = x · sigmoid(x): Llama, Qwen, Phi-3, Mistral. */
    SILU,
    /** GELU with the tanh approximation: Gemma. */
    GELU_TANH
}
