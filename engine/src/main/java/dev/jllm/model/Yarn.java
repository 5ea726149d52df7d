package dev.jllm.model;

/**
 * YaRN RoPE scaling (Peng et al. 2023) as ggml computes it ({@code rope_yarn}): each pair's angle
 * blends the interpolated angle (position / factor) and the original one, fully original for
 * the fast-rotating pairs below the correction range, fully interpolated above it, linearly
 * between; and cos and sin are multiplied by 1 + 0.1·ln(factor), the attention temperature
 * correction, applied through queries and keys.
 *
 * <p>The correction range is where a pair turns {@code betaFast} (32) to {@code betaSlow} (1)
 * times over the original context: pair dimension d(n) = ropeDim · ln(origCtx / (2πn)) /
 * (2 ln base), floor(d(betaFast)) to ceil(d(betaSlow)), clamped to [0, ropeDim − 1].
 *
 * @param extFactor       how much of the original angle to mix in (llama.cpp's ext_factor: 1 for YaRN models)
 * @param betaFast        rotations at the range's start ({@code rope.scaling.yarn_beta_fast}, default 32)
 * @param betaSlow        rotations at its end ({@code rope.scaling.yarn_beta_slow}, default 1)
 * @param originalContext the context length before scaling ({@code rope.scaling.original_context_length})
 */
public record Yarn(float extFactor, float betaFast, float betaSlow, int originalContext) {

    /** The first and last pair dimension of the blend for rotary dimension {@code ropeDim} and {@code base}. */
    float[] correctionDims(int ropeDim, float base) {
        float start = (float) Math.floor(correctionDim(ropeDim, betaFast, base));
        float end = (float) Math.ceil(correctionDim(ropeDim, betaSlow, base));
        return new float[]{Math.max(0, start), Math.min(ropeDim - 1, end)};
    }

    private float correctionDim(int ropeDim, float rotations, float base) {
        return (float) (ropeDim * Math.log(originalContext / (rotations * 2 * Math.PI)) / (2 * Math.log(base)));
    }

    /** How much of pair {@code i}'s original angle is kept: 1 below the range, 0 above, linear between (ggml's rope_yarn_ramp · ext_factor). */
    float originalShare(float[] dims, int i) {
        float y = (i - dims[0]) / Math.max(0.001f, dims[1] - dims[0]);
        return (1 - Math.min(1, Math.max(0, y))) * extFactor;
    }
}
