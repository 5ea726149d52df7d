package dev.jllm.model;

/** Which pairs of a head's dimensions RoPE rotates together. */
public enum RopeLayout {
    /** Adjacent pairs (x[2i], x[2i+1]): llama.cpp's "normal" mode, used by Llama GGUFs. */
    NORMAL,
    /** Halves (x[i], x[i + d/2]): GPT-NeoX style, used by Qwen, Phi-3, Gemma. */
    NEOX
}
