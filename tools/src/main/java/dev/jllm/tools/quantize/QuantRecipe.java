package dev.jllm.tools.quantize;

import java.util.Locale;

import dev.jllm.tensor.GGMLType;
import dev.jllm.tensor.TensorFormats;

/**
 * Which type each tensor gets when a model is quantized to a named target: either one type for
 * every matrix ("pure", e.g. {@code Q4_0}), or one of llama.cpp's mixed recipes ({@code Q4_K_M},
 * {@code Q5_K_M}) following its {@code llama_tensor_get_type} rules: the output matrix (or the
 * tied embedding standing in for it) in Q6_K, {@code attn_v} and {@code ffn_down} in Q6_K on the
 * layers where llama.cpp spends more bits, the rest in the base K type. Rows whose length is not
 * a multiple of a type's block size fall back as llama.cpp does (Q4_K → Q5_0, Q6_K → Q8_0, …).
 * 1-D tensors (norms, biases) always stay F32.
 */
public final class QuantRecipe {
    private final String name;
    private final GGMLType base;
    private final boolean mixed;

    private QuantRecipe(String name, GGMLType base, boolean mixed) {
        this.name = name;
        this.base = base;
        this.mixed = mixed;
    }

    /** @throws IllegalArgumentException naming the accepted targets */
    public static QuantRecipe parse(String target) {
        String t = target.toUpperCase(Locale.ROOT);
        switch (t) {
            case "Q4_K_M": return new QuantRecipe(t, GGMLType.Q4_K, true);
            case "Q5_K_M": return new QuantRecipe(t, GGMLType.Q5_K, true);
            default:
                GGMLType type;
                try {
                    type = GGMLType.valueOf(t);
                } catch (IllegalArgumentException e) {
                    type = null;
                }
                if (type == null || !TensorFormats.isSupported(type) || type == GGMLType.F64 || type.name().startsWith("I") && !type.name().startsWith("IQ")) {
                    throw new IllegalArgumentException("unknown quantization target '" + target + "' (use one of: "
                            + TensorFormats.supportedList() + ", Q4_K_M, Q5_K_M)");
                }
                return new QuantRecipe(t, type, false);
        }
    }

    public String name() {
        return name;
    }

    /** llama.cpp's {@code general.file_type} value for this target. */
    public int fileType() {
        return switch (name) {
            case "F32" -> 0;
            case "F16" -> 1;
            case "Q4_0" -> 2;
            case "Q4_1" -> 3;
            case "Q8_0" -> 7;
            case "Q5_0" -> 8;
            case "Q5_1" -> 9;
            case "Q2_K" -> 10;
            case "Q3_K" -> 11; // MOSTLY_Q3_K_S
            case "Q4_K" -> 14; // MOSTLY_Q4_K_S
            case "Q4_K_M" -> 15;
            case "Q5_K" -> 16; // MOSTLY_Q5_K_S
            case "Q5_K_M" -> 17;
            case "Q6_K" -> 18;
            case "IQ4_NL" -> 25;
            case "IQ4_XS" -> 30;
            case "BF16" -> 32;
            default -> throw new IllegalStateException(name);
        };
    }

    /**
     * The type for a tensor.
     *
     * @param name     llama.cpp tensor name, e.g. {@code blk.3.ffn_down.weight}
     * @param cols     row length (GGUF ne[0])
     * @param dims     number of dimensions
     * @param layers   number of transformer layers (for the "more bits" layer pattern)
     * @param hasOutput whether the model has its own {@code output.weight} (else the embedding is tied)
     */
    public GGMLType typeFor(String name, long cols, int dims, int layers, boolean hasOutput) {
        // the router of a mixture-of-experts layer stays F32, as llama.cpp's quantizer keeps it
        if (dims < 2 || name.endsWith("ffn_gate_inp.weight")) return GGMLType.F32;
        GGMLType t = base;
        if (mixed) {
            boolean isOutput = name.equals("output.weight") || (!hasOutput && name.equals("token_embd.weight"));
            int layer = layerOf(name);
            if (isOutput) {
                t = GGMLType.Q6_K;
            } else if ((name.endsWith("attn_v.weight") || name.endsWith("ffn_down.weight") || name.endsWith("ffn_down_exps.weight"))
                    && layer >= 0 && useMoreBits(layer, layers)) {
                t = GGMLType.Q6_K;
            }
        }
        return fallback(t, cols);
    }

    /** llama.cpp's use_more_bits: the first and last eighth of the layers, and every third in between. */
    static boolean useMoreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    static int layerOf(String name) {
        if (!name.startsWith("blk.")) return -1;
        int dot = name.indexOf('.', 4);
        try {
            return Integer.parseInt(name.substring(4, dot));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** A type whose block does not divide the row length is replaced as llama.cpp does. */
    static GGMLType fallback(GGMLType t, long cols) {
        if (cols % t.blockSize == 0) return t;
        GGMLType f = switch (t) {
            case Q2_K, Q3_K, IQ4_XS -> GGMLType.IQ4_NL;
            case Q4_K -> GGMLType.Q5_0;
            case Q5_K -> GGMLType.Q5_1;
            case Q6_K -> GGMLType.Q8_0;
            default -> GGMLType.F16;
        };
        return cols % f.blockSize == 0 ? f : GGMLType.F16;
    }
}
