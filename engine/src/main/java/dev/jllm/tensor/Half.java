package dev.jllm.tensor;

/** Conversions between float and the two 16-bit float formats, rounding to nearest even as ggml does. */
public final class Half {
    private Half() {}

    public static float f16ToFloat(short h) {
        return Float.float16ToFloat(h);
    }

    public static short floatToF16(float f) {
        return Float.floatToFloat16(f);
    }

    /** Rounds a float to the nearest F16 value (result as float). */
    public static float roundToF16(float f) {
        return Float.float16ToFloat(Float.floatToFloat16(f));
    }

    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /** Round-to-nearest-even truncation of the low 16 bits; NaNs stay (quiet) NaNs, like ggml_compute_fp32_to_bf16. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 64);
        return (short) ((bits + (0x7fff + ((bits >>> 16) & 1))) >>> 16);
    }

    public static float roundToBf16(float f) {
        return bf16ToFloat(floatToBf16(f));
    }
}
