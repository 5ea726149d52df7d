package dev.jllm.model;

/**
 * Rotary position embedding. For pair i of a head (i < ropeDim/2) and position p the rotation
 * angle is {@code p · scale · base^(−2i/ropeDim) / freqFactor[i]}; which two dimensions form
 * pair i depends on the {@link RopeLayout}. Dimensions past ropeDim are left as they are.
 * The rotation is multiplied by {@code magnitude} (ggml's mscale: Phi-3's LongRoPE attention
 * factor, which thereby scales queries and keys, and so the attention scores by its square).
 * With {@link Yarn} scaling each angle blends the scaled and the unscaled one instead.
 */
final class Rope {
    private Rope() {}

    /** cos/sin tables for positions pos0 … pos0+count−1: table[t * half + i]; {@code yarn} null unless the layer uses YaRN. */
    static void tables(int pos0, int count, int ropeDim, float base, float scale, float[] freqFactors, float magnitude, Yarn yarn,
                       float[] cos, float[] sin) {
        int half = ropeDim / 2;
        float[] dims = yarn == null ? null : yarn.correctionDims(ropeDim, base);
        if (yarn != null && yarn.extFactor() != 0) magnitude *= (float) (1 + 0.1 * Math.log(1 / scale));
        for (int i = 0; i < half; i++) {
            double freq = Math.pow(base, -2.0 * i / ropeDim);
            if (freqFactors != null) freq /= freqFactors[i];
            double original = yarn == null ? 0 : yarn.originalShare(dims, i);
            double rate = scale * freq * (1 - original) + freq * original; // angle per position
            for (int t = 0; t < count; t++) {
                double theta = (double) (pos0 + t) * rate;
                cos[t * half + i] = (float) Math.cos(theta) * magnitude;
                sin[t * half + i] = (float) Math.sin(theta) * magnitude;
            }
        }
    }

    /** Rotates every head of one token's vector {@code x[off …]} ({@code heads × headDim} values). */
    static void apply(float[] x, int off, int heads, int headDim, int ropeDim, RopeLayout layout, float[] cos, float[] sin, int tableOff) {
        int half = ropeDim / 2;
        for (int h = 0; h < heads; h++) {
            int base = off + h * headDim;
            for (int i = 0; i < half; i++) {
                int a = layout == RopeLayout.NORMAL ? base + 2 * i : base + i;
                int b = layout == RopeLayout.NORMAL ? a + 1 : a + half;
                float c = cos[tableOff + i], s = sin[tableOff + i];
                float x0 = x[a], x1 = x[b];
                x[a] = x0 * c - x1 * s;
                x[b] = x0 * s + x1 * c;
            }
        }
    }
}
