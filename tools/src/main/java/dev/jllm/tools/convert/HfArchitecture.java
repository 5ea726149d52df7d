package dev.jllm.tools.convert;

import java.util.List;

/**
 * The Hugging Face model classes {@code jllm convert --hf} turns into GGUF, with the
 * GGUF architecture llama.cpp's {@code convert_hf_to_gguf.py} writes for each and what sets them
 * apart. They share one tensor layout (LLaMA's); the differences are data, not code.
 *
 * <p>{@code permuteQK}: Hugging Face's LLaMA implementation rotates the two halves of each head
 * (NeoX style), while GGUF's {@code llama} architecture rotates adjacent pairs, so the rows of
 * Q and K are reordered on the way ({@link QkPermutation}). Qwen's GGUF architectures use the
 * NeoX layout themselves and keep the rows as they are.
 */
public enum HfArchitecture {
    LLAMA("LlamaForCausalLM", "llama", true, List.of()),
    MISTRAL("MistralForCausalLM", "llama", true, List.of()),
    QWEN2("Qwen2ForCausalLM", "qwen2", false, List.of("attn_q.bias", "attn_k.bias", "attn_v.bias")),
    QWEN3("Qwen3ForCausalLM", "qwen3", false, List.of("attn_q_norm.weight", "attn_k_norm.weight"));

    final String hfName;
    final String ggufName;
    final boolean permuteQK;
    /** Per-layer tensors (GGUF names after {@code blk.N.}) this family has beyond LLaMA's. */
    final List<String> extraLayerTensors;

    HfArchitecture(String hfName, String ggufName, boolean permuteQK, List<String> extraLayerTensors) {
        this.hfName = hfName;
        this.ggufName = ggufName;
        this.permuteQK = permuteQK;
        this.extraLayerTensors = extraLayerTensors;
    }

    /** Per-layer tensors every family has (GGUF names after {@code blk.N.}). */
    static final List<String> LAYER_TENSORS = List.of("attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight",
            "ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight");
}
