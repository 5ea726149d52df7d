package dev.jllm.tools.quantize;

import java.util.Locale;

/**
 * The hyper-parameters of a model, for writing synthetic models of well-known shapes.
 *
 * @param architecture GGUF architecture name (llama, qwen2)
 * @param tied         whether the output projection reuses the token embedding
 * @param qkvBias      whether Q/K/V projections have biases (Qwen2)
 * @param experts      mixture-of-experts feed-forward: experts per layer (0: dense), each of inner size {@code ffn}
 * @param expertsUsed  experts each token uses
 */
public record ModelShape(String name, String architecture, int dim, int layers, int heads, int kvHeads, int ffn,
                         int vocab, int contextLength, float ropeBase, boolean tied, boolean qkvBias, int experts, int expertsUsed) {

    public int headDim() {
        return dim / heads;
    }

    public static ModelShape named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "llama3.2-1b" -> new ModelShape("llama3.2-1b", "llama", 2048, 16, 32, 8, 8192, 128256, 131072, 500000f, true, false, 0, 0);
            case "llama3.2-3b" -> new ModelShape("llama3.2-3b", "llama", 3072, 28, 24, 8, 8192, 128256, 131072, 500000f, true, false, 0, 0);
            case "tinyllama-1.1b" -> new ModelShape("tinyllama-1.1b", "llama", 2048, 22, 32, 4, 5632, 32000, 2048, 10000f, false, false, 0, 0);
            // Qwen3-30B-A3B's experts (128 of inner size 768 a layer, 8 used) and width, on 12 of its 48
            // layers; its attention heads here are 64 wide (the real model's are 128, with Q/K norms)
            case "qwen3-30b-a3b-12l" -> new ModelShape("qwen3-30b-a3b-12l", "qwen3moe", 2048, 12, 32, 4, 768, 151936, 40960, 1000000f, false, false, 128, 8);
            case "qwen2.5-0.5b" -> new ModelShape("qwen2.5-0.5b", "qwen2", 896, 24, 14, 2, 4864, 151936, 32768, 1000000f, true, true, 0, 0);
            default -> throw new IllegalArgumentException("unknown shape '" + name + "' (known: llama3.2-1b, llama3.2-3b, tinyllama-1.1b, qwen2.5-0.5b, qwen3-30b-a3b-12l)");
        };
    }

    /** A copy with a different vocabulary size (e.g. the size of the vocabulary copied in). */
    public ModelShape withVocab(int v) {
        return new ModelShape(name, architecture, dim, layers, heads, kvHeads, ffn, v, contextLength, ropeBase, tied, qkvBias, experts, expertsUsed);
    }
}
