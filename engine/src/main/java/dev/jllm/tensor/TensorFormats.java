package dev.jllm.tensor;

import dev.jllm.ModelLoadException;

/** The registry of tensor types jllm computes with. */
public final class TensorFormats {
    private TensorFormats() {}

    private static final TensorFormat F32 = new F32Format();
    private static final TensorFormat F16 = new F16Format();
    private static final TensorFormat BF16 = new BF16Format();
    private static final TensorFormat Q8_0 = new Q8_0Format();
    private static final TensorFormat Q4_0 = new Q4_0Format();
    private static final TensorFormat Q4_1 = new Q4_1Format();
    private static final TensorFormat Q5_0 = new Q5_0Format();
    private static final TensorFormat Q5_1 = new Q5_1Format();
    private static final TensorFormat Q2_K = new Q2_KFormat();
    private static final TensorFormat Q3_K = new Q3_KFormat();
    private static final TensorFormat Q4_K = new Q4_KFormat();
    private static final TensorFormat Q5_K = new Q5_KFormat();
    private static final TensorFormat Q6_K = new Q6_KFormat();
    private static final TensorFormat IQ4_NL = new IQ4_NLFormat();
    private static final TensorFormat IQ4_XS = new IQ4_XSFormat();

    /** The format for a type, or null if jllm has no kernels for it. */
    public static TensorFormat ofOrNull(GGMLType type) {
        return switch (type) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            case Q8_0 -> Q8_0;
            case Q4_0 -> Q4_0;
            case Q4_1 -> Q4_1;
            case Q5_0 -> Q5_0;
            case Q5_1 -> Q5_1;
            case Q2_K -> Q2_K;
            case Q3_K -> Q3_K;
            case Q4_K -> Q4_K;
            case Q5_K -> Q5_K;
            case Q6_K -> Q6_K;
            case IQ4_NL -> IQ4_NL;
            case IQ4_XS -> IQ4_XS;
            default -> null;
        };
    }

    /** The format for a type; a clear error naming the tensor if jllm cannot compute with it. */
    public static TensorFormat of(GGMLType type, String tensorName) {
        TensorFormat f = ofOrNull(type);
        if (f == null) {
            throw new ModelLoadException("tensor " + tensorName + " has type " + type
                    + ", which jllm does not support (supported: " + supportedList() + ")");
        }
        return f;
    }

    public static boolean isSupported(GGMLType type) {
        return ofOrNull(type) != null;
    }

    public static String supportedList() {
        StringBuilder sb = new StringBuilder();
        for (GGMLType t : GGMLType.values()) {
            if (isSupported(t)) sb.append(sb.isEmpty() ? "" : ", ").append(t);
        }
        return sb.toString();
    }
}
