package dev.jllm.convert;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.model.ModelConfig;

/**
 * The {@code general.*} and {@code <arch>.*} keys of a converted model, family by family as
 * llama.cpp's converter writes them (its {@code set_gguf_parameters}): the shared
 * hyper-parameters, then what each family adds — Llama's vocabulary size and RoPE dimension,
 * Gemma 2's soft-caps and sliding window, Gemma 3's local RoPE base and window, Phi-3's partial
 * RoPE and original context. Keys it leaves out take llama.cpp's loader defaults, which jllm's
 * loader shares.
 */
final class HfMetadata {
    private HfMetadata() {}

    static GGUFMetadata of(HfModelConfig c, JsonNode config, int fileType, String name) {
        HfArchitecture arch = c.architecture();
        String a = arch.ggufName;
        GGUFMetadata md = new GGUFMetadata();
        md.putString("general.architecture", a);
        md.putString("general.name", name);
        md.putUInt32("general.file_type", fileType);
        md.putUInt32("general.quantization_version", 2);
        if (a.equals("llama")) md.putUInt32(a + ".vocab_size", c.vocabSize());
        ModelConfig.putShape(md, a, c.contextLength(), c.hiddenSize(), c.layers(), c.intermediateSize(), c.heads(), c.kvHeads(), c.rmsNormEps());
        switch (arch) {
            case LLAMA, MISTRAL, QWEN2, QWEN3 -> {
                md.putFloat32(a + ".rope.freq_base", c.ropeTheta());
                if (a.equals("llama")) md.putUInt32(a + ".rope.dimension_count", c.headDim());
                if (c.explicitHeadDim()) headLengths(md, a, c);
                RopeScaling.addTo(md, a, c);
            }
            case GEMMA2 -> {
                headLengths(md, a, c);
                md.putFloat32(a + ".attn_logit_softcapping", positive(config, "attn_logit_softcapping"));
                md.putFloat32(a + ".final_logit_softcapping", positive(config, "final_logit_softcapping"));
                md.putUInt32(a + ".attention.sliding_window", (int) positive(config, "sliding_window"));
            }
            case GEMMA3, GEMMA3_MULTIMODAL -> {
                md.putFloat32(a + ".rope.freq_base", c.ropeTheta());
                if (config.path("rope_local_base_freq").isNumber()) md.putFloat32(a + ".rope.freq_base_swa", (float) config.path("rope_local_base_freq").asDouble());
                headLengths(md, a, c);
                if (config.path("final_logit_softcapping").asDouble(0) > 0) md.putFloat32(a + ".final_logit_softcapping", positive(config, "final_logit_softcapping"));
                if (config.path("sliding_window_pattern").asInt(0) != 1) md.putUInt32(a + ".attention.sliding_window", (int) positive(config, "sliding_window"));
                RopeScaling.addTo(md, a, c);
            }
            case PHI3 -> {
                JsonNode orig = config.get("original_max_position_embeddings");
                if (orig == null || !orig.canConvertToInt() || orig.asInt() <= 0) throw new ConversionException("config.json has no original_max_position_embeddings (Phi-3 records it)");
                md.putUInt32(a + ".rope.scaling.original_context_length", orig.asInt());
                double partial = config.path("partial_rotary_factor").asDouble(1.0);
                md.putUInt32(a + ".rope.dimension_count", (int) (partial * c.hiddenSize()) / c.heads());
                md.putFloat32(a + ".rope.freq_base", c.ropeTheta());
                md.putUInt32(a + ".attention.sliding_window", config.path("sliding_window").asInt(0));
                RopeScaling.addLongRopeAttnFactor(md, a, c, orig.asInt());
            }
        }
        return md;
    }

    private static void headLengths(GGUFMetadata md, String a, HfModelConfig c) {
        md.putUInt32(a + ".attention.key_length", c.headDim());
        md.putUInt32(a + ".attention.value_length", c.headDim());
    }

    private static float positive(JsonNode config, String field) {
        JsonNode n = config.get(field);
        if (n == null || !n.isNumber() || !(n.asDouble() > 0)) throw new ConversionException("config.json: " + field + " is " + n + ", not a positive number");
        return (float) n.asDouble();
    }
}
