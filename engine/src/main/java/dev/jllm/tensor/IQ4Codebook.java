package dev.jllm.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 16-value non-linear codebook of IQ4_NL and IQ4_XS ({@code kvalues_iq4nl}): a 4-bit index
 * selects one of these int8 levels, denser near zero where most weights are; the block scale
 * multiplies the level. Also ggml's search for a block's scale ({@code quantize_row_iq4_nl_impl},
 * the part shared by both types).
 */
final class IQ4Codebook {
    private IQ4Codebook() {}

    static final byte[] VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    /** 16 byte lanes: exactly one table, and the 16 indices of one row of nibbles. */
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    /** The codebook as a vector: {@code indices.selectFrom(TABLE)} decodes 16 nibbles at once. */
    static final ByteVector TABLE = ByteVector.fromArray(B16, VALUES, 0);

    static int value(int index) {
        return VALUES[index];
    }

    /**
     * ggml's {@code best_index_int8}: the index of the level nearest to x; a value exactly
     * half-way between two levels takes the upper one. Decided by comparing 2x with the sum of
     * neighbouring levels, exact in float (2x is exact, the sums are small integers).
     */
    static int bestIndex(float x) {
        float x2 = x + x;
        int idx = 0;
        for (int step = 8; step > 0; step >>= 1) {
            int j = idx + step;
            if (x2 >= (float) (VALUES[j - 1] + VALUES[j])) idx = j;
        }
        return idx;
    }

    /**
     * The scale search of {@code quantize_row_iq4_nl_impl} for one block of 32 values, as
     * llama-quantize runs it without an importance matrix (weights x², ntry = 7): start from
     * d = max/127 (max = value of largest magnitude), fit the least-squares scale for those
     * indices, then try the 15 inverse scales (itry − 127)/max and keep the best fit. Returns the
     * scale, 0 for a block whose magnitudes are all below GROUP_MAX_EPS.
     */
    static float searchScale(float[] x, int xo) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++) {
            float ax = Math.abs(x[xo + j]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + j];
            }
        }
        if (amax < KQuantSearch.GROUP_MAX_EPS) return 0;
        final int ntry = 7;
        float d = -max / VALUES[0];
        float id = 1 / d;
        float sumqx = 0, sumq2 = 0;
        for (int j = 0; j < 32; j++) {
            float xj = x[xo + j];
            float q = VALUES[bestIndex(id * xj)];
            float w = xj * xj;
            sumqx += w * q * xj;
            sumq2 += w * q * q;
        }
        d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
        float best = d * sumqx;
        for (int itry = -ntry; itry <= ntry; itry++) {
            id = (itry + VALUES[0]) / max;
            sumqx = sumq2 = 0;
            for (int j = 0; j < 32; j++) {
                float xj = x[xo + j];
                float q = VALUES[bestIndex(id * xj)];
                float w = xj * xj;
                sumqx += w * q * xj;
                sumq2 += w * q * q;
            }
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                d = sumqx / sumq2;
                best = d * sumqx;
            }
        }
        return d;
    }
}
