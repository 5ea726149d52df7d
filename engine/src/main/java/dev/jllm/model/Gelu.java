package dev.jllm.model;

/**
 * GELU with the tanh approximation, computed as llama.cpp's CPU backend computes it: through a
 * table indexed by the F16 rounding of the input, holding F16-rounded results (inputs ≤ −10 give
 * 0, inputs ≥ 10 give the input). Reproducing the rounding keeps Gemma's logits next to the
 * reference; the table also makes GELU cheap.
 */
final class Gelu {
    private Gelu() {}

    private static final float[] TABLE = new float[1 << 16];

    static {
        for (int h = 0; h < TABLE.length; h++) {
            float x = Float.float16ToFloat((short) h);
            TABLE[h] = Float.float16ToFloat(Float.floatToFloat16(exact(x)));
        }
    }

    static float exact(float x) {
        final float sqrt2OverPi = 0.79788456080286535587989211986876f;
        final float coefA = 0.044715f;
        return 0.5f * x * (1.0f + (float) Math.tanh(sqrt2OverPi * x * (1.0f + coefA * x * x)));
    }

    static float apply(float x) {
        if (x <= -10f) return 0f;
        if (x >= 10f) return x;
        return TABLE[Float.floatToFloat16(x) & 0xFFFF];
    }

    /** gate[i] = gelu(gate[i]) · up[i]. */
    static void geglu(float[] gate, int gOff, float[] up, int uOff, int n) {
        for (int i = 0; i < n; i++) gate[gOff + i] = apply(gate[gOff + i]) * up[uOff + i];
    }
}
