package dev.jllm.model;

import java.util.ArrayList;
import java.util.List;

import dev.jllm.ModelLoadException;
import dev.jllm.gguf.GGUFArray;
import dev.jllm.gguf.GGUFMetadata;

/**
 * Hyper-parameters and family traits of a model, read from {@code general.architecture} and the
 * {@code <arch>.*} metadata keys with llama.cpp's defaults for absent keys. This record is the
 * whole "architecture description": the forward pass reads it (and which optional tensors the
 * file has) and has no per-family code paths.
 *
 * @param headDim          size of one query/key head ({@code attention.key_length})
 * @param valueDim         size of one value head ({@code attention.value_length})
 * @param ropeDim          number of dimensions of each head that RoPE rotates
 * @param ropeAttnFactor   RoPE's cos and sin are multiplied by this ({@code rope.scaling.attn_factor},
 *                         Phi-3's LongRoPE magnitude correction; 1 = none)
 * @param ropeOriginalContext the context length the model was first trained at
 *                         ({@code rope.scaling.original_context_length}, else {@code context_length}):
 *                         sessions longer than this use Phi-3's long RoPE factors
 * @param embeddingScale   the token embedding is multiplied by this (Gemma: √dim)
 * @param attentionScale   attention scores are multiplied by this (usually 1/√headDim)
 * @param attnSoftcap      if > 0, scores become cap·tanh(score/cap) before the mask (Gemma 2)
 * @param finalSoftcap     if > 0, logits become cap·tanh(logit/cap) (Gemma 2)
 * @param layers           per-layer sliding window and RoPE parameters
 * @param experts          the mixture-of-experts feed-forward, or null for a dense one
 */
public record ModelConfig(
        Architecture architecture,
        int dim,
        int layerCount,
        int heads,
        int kvHeads,
        int headDim,
        int valueDim,
        int ffnDim,
        int contextLength,
        float rmsEps,
        int ropeDim,
        float ropeAttnFactor,
        int ropeOriginalContext,
        RopeLayout ropeLayout,
        Activation activation,
        float embeddingScale,
        float attentionScale,
        float attnSoftcap,
        float finalSoftcap,
        List<LayerSpec> layers,
        Experts experts) {

    /**
     * A mixture-of-experts feed-forward as llama.cpp runs Mixtral ({@code llama} with
     * {@code expert_count}) and {@code qwen3moe}: per token, softmax over the router's
     * {@code count} logits, the {@code used} most probable experts, their probabilities
     * renormalized to sum to 1 as weights, and the weighted sum of those experts' SwiGLU
     * outputs (each of inner size {@code ffnDim}), the weights then times {@code weightsScale}
     * ({@code expert_weights_scale}; 1 when absent).
     */
    public record Experts(int count, int used, int ffnDim, float weightsScale) {}

    public ModelConfig {
        layers = List.copyOf(layers);
    }

    public LayerSpec layer(int i) {
        return layers.get(i);
    }

    public int qDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    public int vDim() {
        return kvHeads * valueDim;
    }

    /** Reads the configuration of a model file, failing with a clear message on anything missing or unsupported. */
    /**
     * Writes the hyper-parameters every architecture has, under its {@code <arch>.} keys: what
     * {@link #from} reads back (for files jllm writes: conversions, synthetic models).
     */
    public static void putShape(GGUFMetadata md, String arch, int contextLength, int embeddingLength, int blocks, int feedForwardLength,
                                int heads, int kvHeads, float rmsEpsilon) {
        md.putUInt32(arch + ".context_length", contextLength);
        md.putUInt32(arch + ".embedding_length", embeddingLength);
        md.putUInt32(arch + ".block_count", blocks);
        md.putUInt32(arch + ".feed_forward_length", feedForwardLength);
        md.putUInt32(arch + ".attention.head_count", heads);
        md.putUInt32(arch + ".attention.head_count_kv", kvHeads);
        md.putFloat32(arch + ".attention.layer_norm_rms_epsilon", rmsEpsilon);
    }

    public static ModelConfig from(GGUFMetadata md) {
        Architecture arch = Architecture.fromGguf(md.getString("general.architecture", "(missing)"));
        Keys k = new Keys(md, arch.ggufName);

        int dim = k.requiredInt("embedding_length");
        int layerCount = k.requiredInt("block_count");
        int heads = k.requiredInt("attention.head_count");
        int kvHeads = k.optionalInt("attention.head_count_kv", heads);
        int experts = k.optionalInt("expert_count", 0);
        // qwen3moe's feed_forward_length describes no tensor: its experts have their own length
        int ffn = experts > 0 ? k.optionalInt("feed_forward_length", 0) : k.requiredInt("feed_forward_length");
        int ctx = k.requiredInt("context_length");
        float eps = k.optionalFloat("attention.layer_norm_rms_epsilon", 1e-5f);
        int headDim = k.optionalInt("attention.key_length", dim / heads);
        int valueDim = k.optionalInt("attention.value_length", dim / heads);
        int ropeDim = k.optionalInt("rope.dimension_count", headDim);
        float ropeBase = k.optionalFloat("rope.freq_base", 10000f);
        float ropeScale = ropeScale(k);
        Yarn yarn = yarn(k, arch, ctx);
        float ropeAttnFactor = k.optionalFloat("rope.scaling.attn_factor", 1f);
        int ropeOriginalContext = k.optionalInt("rope.scaling.original_context_length", ctx);

        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new ModelLoadException(arch.ggufName + ": " + heads + " attention heads cannot be grouped over " + kvHeads + " KV heads");
        }
        Experts moe = experts > 0 ? experts(k, arch, experts, ffn) : null;
        if (arch == Architecture.QWEN3MOE && moe == null) throw new ModelLoadException("qwen3moe: model metadata lacks qwen3moe.expert_count");
        if (!(ropeAttnFactor > 0) || ropeOriginalContext < 1) {
            throw new ModelLoadException(arch.ggufName + ": invalid RoPE scaling (attn_factor " + ropeAttnFactor
                    + ", original context " + ropeOriginalContext + ")");
        }
        if (headDim != valueDim) throw new ModelLoadException(arch.ggufName + ": key length " + headDim + " ≠ value length " + valueDim + " is not supported");
        if (ropeDim > headDim || ropeDim % 2 != 0) throw new ModelLoadException(arch.ggufName + ": rope.dimension_count " + ropeDim + " is invalid for head size " + headDim);

        RopeLayout rope = arch == Architecture.LLAMA ? RopeLayout.NORMAL : RopeLayout.NEOX;
        Activation act = Activation.SILU;
        float embScale = 1f;
        float attnScale = (float) (1.0 / Math.sqrt(headDim));
        float attnCap = 0, finalCap = 0;
        List<LayerSpec> layers = new ArrayList<>(layerCount);

        switch (arch) {
            case LLAMA, QWEN2, QWEN3, QWEN3MOE, PHI3 -> {
                // phi3 files carry attention.sliding_window, but llama.cpp does not apply it to phi3.
                for (int i = 0; i < layerCount; i++) layers.add(new LayerSpec(0, ropeBase, ropeScale, yarn));
            }
            case GEMMA2 -> {
                act = Activation.GELU_TANH;
                embScale = (float) Math.sqrt(dim);
                attnCap = k.optionalFloat("attn_logit_softcapping", 50f);
                finalCap = k.optionalFloat("final_logit_softcapping", 30f);
                int window = k.optionalInt("attention.sliding_window", 4096);
                int pattern = k.optionalInt("attention.sliding_window_pattern", 2);
                for (int i = 0; i < layerCount; i++) {
                    boolean global = i % pattern == pattern - 1;
                    layers.add(new LayerSpec(global ? 0 : window, ropeBase, ropeScale, yarn));
                }
            }
            case GEMMA3 -> {
                act = Activation.GELU_TANH;
                embScale = (float) Math.sqrt(dim);
                finalCap = k.optionalFloat("final_logit_softcapping", 0f);
                int window = k.optionalInt("attention.sliding_window", 4096);
                int pattern = k.optionalInt("attention.sliding_window_pattern", 6);
                float baseLocal = k.optionalFloat("rope.freq_base_swa", 10000f);
                for (int i = 0; i < layerCount; i++) {
                    boolean global = i % pattern == pattern - 1;
                    // RoPE scaling applies to the global layers only; local layers use their own base, unscaled.
                    layers.add(global ? new LayerSpec(0, ropeBase, ropeScale, yarn) : new LayerSpec(window, baseLocal, 1f));
                }
            }
        }
        return new ModelConfig(arch, dim, layerCount, heads, kvHeads, headDim, valueDim, ffn, ctx, eps, ropeDim,
                ropeAttnFactor, ropeOriginalContext, rope, act, embScale, attnScale, attnCap, finalCap, layers, moe);
    }

    /** The experts' configuration, refusing the variants llama.cpp runs differently (shared experts, sigmoid gating). */
    private static Experts experts(Keys k, Architecture arch, int count, int ffn) {
        String a = arch.ggufName;
        if (arch != Architecture.LLAMA && arch != Architecture.QWEN3MOE) {
            throw new ModelLoadException(a + ": mixture-of-experts layers are supported for llama (Mixtral) and qwen3moe only");
        }
        int used = k.requiredInt("expert_used_count");
        if (used < 1 || used > count) throw new ModelLoadException(a + ".expert_used_count " + used + " is not between 1 and expert_count " + count);
        int shared = k.optionalInt("expert_shared_count", 0);
        if (shared > 0) throw new ModelLoadException(a + ": shared experts (" + shared + ") are not supported");
        int gating = k.optionalInt("expert_gating_func", 1);
        if (gating != 1) throw new ModelLoadException(a + ".expert_gating_func " + gating + " is not supported (only 1, softmax)");
        int expertFfn = k.optionalInt("expert_feed_forward_length", ffn);
        if (expertFfn <= 0) throw new ModelLoadException("model metadata lacks " + k.key("expert_feed_forward_length"));
        float scale = k.optionalFloat("expert_weights_scale", 0f);
        return new Experts(count, used, expertFfn, scale == 0f ? 1f : scale); // llama.cpp: 0 (the default) means no scaling
    }

    /**
     * Linear and YaRN RoPE scaling divide positions by the factor (YaRN only for some pairs, see
     * {@link Yarn}); LongRoPE is Phi-3's factor tensors, not a position scale.
     */
    private static float ropeScale(Keys k) {
        String type = k.optionalString("rope.scaling.type", "none");
        float factor = k.optionalFloat("rope.scaling.factor", 1f);
        return switch (type) {
            case "none" -> 1f;
            case "linear", "yarn" -> factor > 0 ? 1f / factor : 1f;
            case "longrope" -> {
                if (factor == 1f) yield 1f;
                throw new ModelLoadException("RoPE scaling type '" + type + "' (factor " + factor + ") is not supported yet");
            }
            default -> throw new ModelLoadException("unknown RoPE scaling type '" + type + "'");
        };
    }

    /**
     * YaRN's parameters when {@code rope.scaling.type} is yarn, as llama.cpp takes them: ext_factor
     * 1, beta_fast and beta_slow from their keys (32 and 1 when absent), the original context from
     * {@code rope.scaling.original_context_length}. DeepSeek's log-multiplier variant is refused.
     */
    private static Yarn yarn(Keys k, Architecture arch, int ctx) {
        if (!k.optionalString("rope.scaling.type", "none").equals("yarn")) return null;
        if (k.optionalFloat("rope.scaling.yarn_log_multiplier", 0f) != 0f) {
            throw new ModelLoadException(arch.ggufName + ": YaRN with rope.scaling.yarn_log_multiplier (DeepSeek's attention correction) is not supported");
        }
        float factor = k.optionalFloat("rope.scaling.factor", 1f);
        if (!(factor > 0)) throw new ModelLoadException(arch.ggufName + ": rope.scaling.factor " + factor + " is not positive");
        Yarn y = new Yarn(1f, k.optionalFloat("rope.scaling.yarn_beta_fast", 32f), k.optionalFloat("rope.scaling.yarn_beta_slow", 1f),
                k.optionalInt("rope.scaling.original_context_length", ctx));
        if (!(y.betaFast() > y.betaSlow()) || !(y.betaSlow() > 0)) {
            throw new ModelLoadException(arch.ggufName + ": YaRN beta_fast " + y.betaFast() + " and beta_slow " + y.betaSlow() + " must satisfy beta_fast > beta_slow > 0");
        }
        return y;
    }

    /** Metadata access with the architecture prefix and clear errors. */
    private record Keys(GGUFMetadata md, String prefix) {
        String key(String name) {
            return prefix + "." + name;
        }

        int requiredInt(String name) {
            String key = key(name);
            if (!md.contains(key)) throw new ModelLoadException("model metadata lacks " + key);
            if (md.get(key) instanceof GGUFArray) throw new ModelLoadException(key + " varies per layer, which is not supported");
            return md.getInt(key);
        }

        int optionalInt(String name, int fallback) {
            return md.contains(key(name)) ? requiredInt(name) : fallback;
        }

        float optionalFloat(String name, float fallback) {
            return md.getFloat(key(name), fallback);
        }

        String optionalString(String name, String fallback) {
            return md.getString(key(name), fallback);
        }
    }
}
