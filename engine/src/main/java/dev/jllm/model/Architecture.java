package dev.jllm.model;

import java.util.Arrays;
import java.util.stream.Collectors;

import dev.jllm.ModelLoadException;

/**
 * The model families jllm runs with its one forward pass. Each constant is the value of
 * {@code general.architecture}; how a family differs (RoPE layout, activation, norms, soft-caps,
 * sliding windows…) is read into a {@link ModelConfig} by {@link ModelConfig#from}, and optional
 * tensors (biases, Q/K norms, post-norms) are used when the file has them.
 */
public enum Architecture {
    LLAMA("llama"),
    QWEN2("qwen2"),
    QWEN3("qwen3"),
    /** Qwen3's layers with a mixture-of-experts feed-forward (Qwen3-30B-A3B and kin). */
    QWEN3MOE("qwen3moe"),
    PHI3("phi3"),
    GEMMA2("gemma2"),
    GEMMA3("gemma3");

    /** The name used in GGUF metadata, and as the prefix of the family's metadata keys. */
    public final String ggufName;

    Architecture(String ggufName) {
        this.ggufName = ggufName;
    }

    public static Architecture fromGguf(String name) {
        for (Architecture a : values()) {
            if (a.ggufName.equals(name)) return a;
        }
        throw new ModelLoadException("unsupported model architecture '" + name + "' (jllm runs: "
                + Arrays.stream(values()).map(a -> a.ggufName).collect(Collectors.joining(", ")) + ")");
    }
}
