package dev.jllm.convert;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jllm.gguf.GGUFMetadata;

/**
 * config.json's {@code rope_scaling} as GGUF records it: linear and YaRN scaling as
 * {@code <arch>.rope.scaling.*} keys; Llama 3's frequency-dependent scaling as a
 * {@code rope_freqs} tensor of per-frequency divisors (computed as llama.cpp's converter
 * computes them, in float32); Phi-3's LongRoPE as {@code rope_factors_long} and
 * {@code rope_factors_short} tensors plus an attention factor; no scaling, or
 * {@code "default"}, as nothing.
 */
final class RopeScaling {
    private RopeScaling() {}

    static String type(HfModelConfig c) {
        JsonNode s = c.ropeScaling();
        if (s == null) return "";
        return s.path("rope_type").asText(s.path("type").asText("")).toLowerCase(java.util.Locale.ROOT);
    }

    static void addTo(GGUFMetadata md, String arch, HfModelConfig c) {
        JsonNode s = c.ropeScaling();
        String prefix = arch + ".rope.scaling.";
        switch (type(c)) {
            case "", "default", "llama3" -> { }
            case "linear" -> {
                md.putString(prefix + "type", "linear");
                md.putFloat32(prefix + "factor", factor(s));
            }
            case "yarn" -> {
                md.putString(prefix + "type", "yarn");
                md.putFloat32(prefix + "factor", factor(s));
                JsonNode orig = s.get("original_max_position_embeddings");
                if (orig == null || !orig.canConvertToInt()) throw new ConversionException("config.json: YaRN rope_scaling has no original_max_position_embeddings");
                md.putUInt32(prefix + "original_context_length", orig.asInt());
                if (s.path("extrapolation_factor").isNumber()) md.putFloat32(prefix + "yarn_ext_factor", (float) s.path("extrapolation_factor").asDouble());
                JsonNode attn = s.has("attention_factor") ? s.get("attention_factor") : s.get("attn_factor");
                if (attn != null && attn.isNumber()) md.putFloat32(prefix + "yarn_attn_factor", (float) attn.asDouble());
                if (s.path("beta_fast").isNumber()) md.putFloat32(prefix + "yarn_beta_fast", (float) s.path("beta_fast").asDouble());
                if (s.path("beta_slow").isNumber()) md.putFloat32(prefix + "yarn_beta_slow", (float) s.path("beta_slow").asDouble());
            }
            default -> throw new ConversionException("config.json: rope_scaling type " + type(c) + " is not supported by jllm convert (linear, yarn, llama3)");
        }
    }

    private static float factor(JsonNode s) {
        JsonNode f = s.get("factor");
        if (f == null || !f.isNumber() || !(f.asDouble() > 0)) throw new ConversionException("config.json: rope_scaling has no positive factor");
        return (float) f.asDouble();
    }

    /**
     * Llama 3.1's divisors of the rotation frequencies, one per pair of the head: 1 for
     * wavelengths below {@code original context / high_freq_factor}, {@code factor} above
     * {@code original context / low_freq_factor}, a smooth blend between. The original context
     * is config.json's top-level {@code original_max_position_embeddings}, else 8192 — where
     * llama.cpp reads it (Llama 3.x configs keep theirs, also 8192, inside rope_scaling).
     * Null when the model has no Llama 3 scaling.
     */
    static float[] llama3Factors(HfModelConfig c) {
        if (!type(c).equals("llama3")) return null;
        JsonNode s = c.ropeScaling();
        float factor = (float) s.path("factor").asDouble(8.0);
        float low = (float) s.path("low_freq_factor").asDouble(1.0), high = (float) s.path("high_freq_factor").asDouble(4.0);
        if (!(high > low)) throw new ConversionException("config.json: llama3 rope_scaling needs high_freq_factor > low_freq_factor");
        float oldContext = c.originalContextLength() > 0 ? c.originalContextLength() : 8192f;
        float lowWavelen = oldContext / low, highWavelen = oldContext / high;
        int dim = c.headDim();
        float[] out = new float[dim / 2];
        for (int i = 0; i < out.length; i++) {
            float freq = 1f / (float) Math.pow(c.ropeTheta(), (float) (2 * i) / dim);
            float wavelen = (float) (2 * Math.PI) / freq;
            if (wavelen < highWavelen) out[i] = 1f;
            else if (wavelen > lowWavelen) out[i] = factor;
            else {
                float smooth = (oldContext / wavelen - low) / (high - low);
                out[i] = 1f / ((1 - smooth) / factor + smooth);
            }
        }
        return out;
    }

    /**
     * Phi-3's attention factor for its LongRoPE (or YaRN) scaling, from the ratio of the context
     * to the original context, as llama.cpp's converter computes it: √(1 + ln s / ln original)
     * for LongRoPE, 0.1·ln s + 1 for YaRN, 1 when s ≤ 1. Nothing without rope_scaling.
     */
    static void addLongRopeAttnFactor(GGUFMetadata md, String arch, HfModelConfig c, int originalContext) {
        if (c.ropeScaling() == null) return;
        double scale = (double) c.contextLength() / originalContext;
        double factor = switch (type(c)) {
            case "su", "longrope" -> scale > 1 ? Math.sqrt(1 + Math.log(scale) / Math.log(originalContext)) : 1;
            case "yarn" -> scale > 1 ? 0.1 * Math.log(scale) + 1 : 1;
            case "" -> throw new ConversionException("config.json: rope_scaling has no type");
            default -> throw new ConversionException("config.json: Phi-3 rope_scaling type " + type(c) + " is not supported by jllm convert (longrope, su, yarn)");
        };
        md.putFloat32(arch + ".rope.scaling.attn_factor", (float) factor);
    }

    /** Phi-3's {@code long_factor} and {@code short_factor} lists, {@code ropeDim / 2} each; null without rope_scaling. */
    static float[][] longRopeFactors(HfModelConfig c, int ropeDim) {
        if (c.ropeScaling() == null) return null;
        float[] longF = floats(c.ropeScaling().get("long_factor"), "long_factor"), shortF = floats(c.ropeScaling().get("short_factor"), "short_factor");
        if (longF.length != ropeDim / 2 || shortF.length != ropeDim / 2) {
            throw new ConversionException("config.json: rope_scaling long_factor and short_factor have " + longF.length + " and " + shortF.length
                    + " values; the RoPE dimension " + ropeDim + " needs " + ropeDim / 2 + " each");
        }
        return new float[][]{longF, shortF};
    }

    private static float[] floats(JsonNode list, String field) {
        if (list == null || !list.isArray()) throw new ConversionException("config.json: rope_scaling has no " + field + " list");
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!list.get(i).isNumber()) throw new ConversionException("config.json: rope_scaling " + field + "[" + i + "] is not a number");
            out[i] = (float) list.get(i).asDouble();
        }
        return out;
    }
}
