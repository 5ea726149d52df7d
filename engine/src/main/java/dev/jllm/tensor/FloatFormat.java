package dev.jllm.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The float formats — F32, F16, BF16 — whose activations are floats too (rounded to the
 * weight's precision): they differ only in how a run of values decodes, and share the batched
 * product ({@link FloatGemm}).
 */
sealed interface FloatFormat extends TensorFormat permits F32Format, F16Format, BF16Format {

    /** Values [first, first + count) of the row at {@code rowOffset} as floats into {@code w[at …]}. */
    void decodeValues(MemorySegment data, long rowOffset, int first, int count, float[] w, int at);

    @Override
    default void matmul(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x, float[] out, int outStride) {
        FloatGemm.matmul(this, data, rowBytes, rowStart, rowEnd, x, out, outStride);
    }
}
