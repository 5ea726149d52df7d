package dev.jllm.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The formats with super-blocks of 256 values and Q8_K activations whose scalar twins sum
 * exact integer products and only then scale them in float — Q2_K, Q3_K, IQ4_XS. Per
 * super-block and token their twins compute
 * <pre>
 *   for each group g of 256/groups values:  sum += ((d·d_x)·s_g)·Σ_{v∈g} w_v·q_x,v
 *                                            (the last group also − (d_x·dmin)·Σ_j m_j·bsum16_j)
 * </pre>
 * with integer weights w_v (sub-block scale times quant for the K-quants, the codebook level
 * for IQ4_XS). They differ only in how a super-block decodes and share the batched product
 * ({@link SuperBlockGemm}).
 *
 * <p>A decoded super-block is {@link #DECODED} floats of an array, from index {@code at}:
 * {@code at + SCALE_AT} the scale d, {@code at + MIN_SCALE_AT} the min scale (formats with {@link #hasMins}),
 * {@code at + MINS_AT + j} the min of 16-value sub-block j (those formats only),
 * {@code at + GROUP_SCALES_AT + g} the factor s_g of group g, {@code at + VALUES_AT + v} the integer
 * weight of value v.
 */
sealed interface SuperBlockFormat extends TensorFormat permits Q2_KFormat, Q3_KFormat, IQ4_XSFormat {
    int SCALE_AT = 0, MIN_SCALE_AT = 1, MINS_AT = 2, GROUP_SCALES_AT = 18, VALUES_AT = 32, DECODED = VALUES_AT + 256;

    /** Number of groups the 256 values are scaled in: 1, or 8 (IQ4_XS's sub-blocks of 32). */
    int groups();

    /** Whether the last group subtracts a min term (Q2_K). */
    default boolean hasMins() {
        return false;
    }

    /** Decodes super-block {@code b} of the row at {@code rowOffset} into {@code f[at …]} (layout above). */
    void decodeSuperBlock(MemorySegment data, long rowOffset, int b, float[] f, int at);

    @Override
    default void matmul(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x, float[] out, int outStride) {
        SuperBlockGemm.matmul(this, data, rowBytes, rowStart, rowEnd, x, out, outStride);
    }
}
