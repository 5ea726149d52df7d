package dev.jllm.convert;

import java.util.Arrays;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a Hugging Face {@code config.json} says about a decoder-only transformer, checked: the
 * architecture and the hyper-parameters a GGUF file records. A missing required field, a value
 * of the wrong kind or an architecture the converter does not know is a
 * {@link ConversionException} naming the field.
 *
 * @param headDim           {@code head_dim} when given (Qwen3 sets it apart from hidden / heads), else hidden / heads
 * @param explicitHeadDim   whether config.json gave {@code head_dim}: then the GGUF records key and value lengths
 * @param ropeScaling       the {@code rope_parameters} (transformers 5) or {@code rope_scaling} object, or null
 * @param originalContextLength top-level {@code original_max_position_embeddings}, or 0
 * @param tieWordEmbeddings {@code tie_word_embeddings} (false when absent)
 */
public record HfModelConfig(
        HfArchitecture architecture,
        int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads, int headDim, boolean explicitHeadDim,
        float rmsNormEps, float ropeTheta, int contextLength, int vocabSize,
        boolean tieWordEmbeddings, JsonNode ropeScaling, int originalContextLength) {

    /**
     * config.json with a multimodal model's {@code text_config} merged over the top level (as
     * llama.cpp does) and, for Gemma 3, the values transformers leaves out when they are its
     * defaults.
     */
    public static JsonNode textConfig(JsonNode config) {
        if (!config.isObject()) throw new ConversionException("config.json is not a JSON object");
        com.fasterxml.jackson.databind.node.ObjectNode merged = ((com.fasterxml.jackson.databind.node.ObjectNode) config).deepCopy();
        JsonNode text = config.get("text_config");
        if (text != null && text.isObject()) {
            text.fields().forEachRemaining(e -> {
                if (!e.getKey().equals("architectures")) merged.set(e.getKey(), e.getValue());
            });
        }
        JsonNode archs = config.get("architectures");
        if (archs != null && archs.isArray() && archs.size() > 0 && archs.get(0).asText().startsWith("Gemma3")) {
            // Gemma3TextConfig's defaults, which llama.cpp's converter also assumes
            if (!merged.hasNonNull("max_position_embeddings")) merged.put("max_position_embeddings", 131072);
            if (!merged.hasNonNull("num_attention_heads")) merged.put("num_attention_heads", 8);
            if (!merged.hasNonNull("num_key_value_heads")) merged.put("num_key_value_heads", 4);
            if (!merged.hasNonNull("head_dim")) merged.put("head_dim", 256);
            if (!merged.hasNonNull("rms_norm_eps")) merged.put("rms_norm_eps", 1e-6);
            if (!merged.hasNonNull("rope_theta")) merged.put("rope_theta", 1_000_000.0);
        }
        return merged;
    }

    /** Reads {@code config} (config.json after {@link #textConfig}). */
    public static HfModelConfig of(JsonNode config) {
        JsonNode archs = config.get("architectures");
        if (archs == null || !archs.isArray() || archs.isEmpty() || !archs.get(0).isTextual()) {
            throw new ConversionException("config.json has no \"architectures\" entry: is this a Hugging Face transformers checkpoint?");
        }
        String name = archs.get(0).asText();
        HfArchitecture arch = Arrays.stream(HfArchitecture.values()).filter(a -> a.hfName.equals(name)).findFirst()
                .orElseThrow(() -> new ConversionException("config.json architecture " + name + " is not supported by jllm convert (supported: "
                        + Arrays.stream(HfArchitecture.values()).map(a -> a.hfName).collect(Collectors.joining(", ")) + ")"));
        int hidden = positiveInt(config, "hidden_size");
        int heads = positiveInt(config, "num_attention_heads");
        int kvHeads = config.hasNonNull("num_key_value_heads") ? positiveInt(config, "num_key_value_heads") : heads;
        if (heads % kvHeads != 0) throw new ConversionException("config.json: num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        boolean explicitHeadDim = config.hasNonNull("head_dim");
        int headDim;
        if (explicitHeadDim) {
            headDim = positiveInt(config, "head_dim");
        } else {
            if (hidden % heads != 0) throw new ConversionException("config.json: hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads + " and there is no head_dim");
            headDim = hidden / heads;
        }
        if (headDim % 2 != 0) throw new ConversionException("config.json: the head size " + headDim + " is odd; RoPE needs pairs");
        JsonNode scaling = config.hasNonNull("rope_parameters") ? config.get("rope_parameters") : config.get("rope_scaling");
        if (scaling != null && !scaling.isNull() && !scaling.isObject()) throw new ConversionException("config.json: rope_scaling is not an object");
        if (scaling != null && scaling.isNull()) scaling = null;
        float theta = config.hasNonNull("rope_theta") || scaling == null ? positiveFloat(config, "rope_theta", 10000f) : positiveFloat(scaling, "rope_theta", 10000f);
        int originalContext = config.hasNonNull("original_max_position_embeddings") ? positiveInt(config, "original_max_position_embeddings") : 0;
        return new HfModelConfig(arch, hidden, positiveInt(config, "intermediate_size"), positiveInt(config, "num_hidden_layers"), heads, kvHeads,
                headDim, explicitHeadDim, positiveFloat(config, "rms_norm_eps", null), theta,
                positiveInt(config, "max_position_embeddings"), positiveInt(config, "vocab_size"),
                config.path("tie_word_embeddings").asBoolean(false), scaling, originalContext);
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    private static int positiveInt(JsonNode config, String field) {
        JsonNode n = config.get(field);
        if (n == null || n.isNull()) throw new ConversionException("config.json has no " + field);
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() <= 0) throw new ConversionException("config.json: " + field + " is " + n + ", not a positive integer");
        return n.asInt();
    }

    private static float positiveFloat(JsonNode config, String field, Float fallback) {
        JsonNode n = config.get(field);
        if (n == null || n.isNull()) {
            if (fallback == null) throw new ConversionException("config.json has no " + field);
            return fallback;
        }
        if (!n.isNumber() || !(n.asDouble() > 0)) throw new ConversionException("config.json: " + field + " is " + n + ", not a positive number");
        return (float) n.asDouble();
    }
}
