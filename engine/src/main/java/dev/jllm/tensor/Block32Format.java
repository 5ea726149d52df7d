package dev.jllm.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The formats with blocks of 32 values and one scale per block, with Q8_0 activations, or with
 * a minimum per block too and Q8_1 activations (Q4_1, Q5_1), whose scalar twins all compute
 * Σ_b (Σ q·q_x) · (d_w · d_x) [+ m_w · s_x] in block order: they differ only in how a block
 * decodes, and share the batched product ({@link Block32Gemm}).
 */
sealed interface Block32Format extends TensorFormat permits Q8_0Format, Q4_0Format, Q5_0Format, IQ4_NLFormat, Q4_1Format, Q5_1Format {

    /**
     * Blocks [first, first + count) of the row at {@code rowOffset}: value j of block first + k
     * as an integer float into {@code w[at + 32k + j]}, the block's scale d_w into {@code d[dAt + k]}.
     * (Runs of blocks, not one: the call is megamorphic, and a run hides its cost.)
     */
    void decodeBlocks(MemorySegment data, long rowOffset, int first, int count, float[] w, int at, float[] d, int dAt);

    /** Whether blocks have a minimum m_w, added as m_w · s_x (Q8_1 activations). */
    default boolean hasMins() {
        return false;
    }

    /** The minima of blocks [first, first + count) into {@code m[mAt + k]} (formats with {@link #hasMins}). */
    default void decodeMins(MemorySegment data, long rowOffset, int first, int count, float[] m, int mAt) {
        throw new UnsupportedOperationException(type() + " blocks have no minimum");
    }

    @Override
    default void matmul(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x, float[] out, int outStride) {
        Block32Gemm.matmul(this, data, rowBytes, rowStart, rowEnd, x, out, outStride);
    }
}
