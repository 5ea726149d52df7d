package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.BYTE;
import static dev.jllm.tensor.Simd.B_FOR_F;
import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.LE;
import static dev.jllm.tensor.Simd.f16;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_K: super-blocks of 256 values in 144 bytes ({@code block_q4_K}):
 * <pre>
 *   0  d           F16 super-block scale of the scales
 *   2  dmin        F16 super-block scale of the mins
 *   4  scales[12]  8 scales and 8 mins of 6 bits, one per 32 values (see {@link KScales#scaleK4})
 *  16  qs[128]     4-bit quants
 * </pre>
 * Value v = 64·c + 32·half + l is the low (half 0) or high (half 1) nibble of qs[32c + l]; it
 * lies in sub-block j = v/32 and decodes to d·sc_j·q − dmin·m_j. Activations are Q8_K.
 */
final class Q4_KFormat implements TensorFormat {
    static final int BLOCK = 256, BYTES = 144;
    private static final int D = 0, DMIN = 2, SCALES = 4, QS = 16;

    @Override public GGMLType type() { return GGMLType.Q4_K; }
    @Override public GGMLType activationType() { return GGMLType.Q8_K; }

    private static int quant(MemorySegment data, long off, int v) {
        int b = data.get(BYTE, off + QS + 32 * (v / 64) + (v & 31)) & 0xFF;
        return (v & 32) == 0 ? b & 0xF : b >>> 4;
    }

    @Override
    public void dequantize(MemorySegment data, long first, float[] out, int outOffset, int count) {
        long block0 = first / BLOCK;
        for (int b = 0; b < count / BLOCK; b++) {
            long off = (block0 + b) * BYTES;
            float d = f16(data, off + D), min = f16(data, off + DMIN);
            int o = outOffset + b * BLOCK;
            for (int j = 0; j < 8; j++) {
                float dl = d * KScales.scaleK4(data, off + SCALES, j);
                float ml = min * KScales.minK4(data, off + SCALES, j);
                for (int i = 0; i < 32; i++) out[o + 32 * j + i] = dl * quant(data, off, 32 * j + i) - ml;
            }
        }
    }

    /**
     * isum = Σ_j sc_j · Σ_{v∈j} q_v·x_v and mins = Σ_j m_j · (bsums of the two 16-groups of
     * sub-block j), both integers; then, in the float order of llama.cpp's repacked Q4_K kernel
     * (which it uses on x86 for every Q4_K matrix product), acc += isum·(d·d_x) and
     * accMin += mins·(dmin·d_x) as fused multiply-adds per super-block, and acc − accMin at the
     * end. The order matters more than it seems: a different rounding here re-rounds some 8-bit
     * activations later in the network.
     */
    @Override
    public float dotScalar(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float acc = 0, accMin = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            int isum = 0;
            for (int j = 0; j < 8; j++) {
                int s = 0;
                for (int i = 0; i < 32; i++) s += quant(data, off, 32 * j + i) * x.quants[q8 + 32 * j + i];
                isum += KScales.scaleK4(data, off + SCALES, j) * s;
            }
            float dx = x.scales[xb + b];
            acc = Math.fma((float) isum, f16(data, off + D) * dx, acc);
            accMin = Math.fma((float) minSum(data, off, x, xb + b), f16(data, off + DMIN) * dx, accMin);
        }
        return acc - accMin;
    }

    /** Σ_j m_j · (sum of the 32 activation quants of sub-block j), from the Q8_K 16-sums. */
    static int minSum(MemorySegment data, long off, Activations x, int xBlock) {
        int s = 0;
        for (int j = 0; j < 16; j++) s += x.blockSums16[xBlock * 16 + j] * KScales.minK4(data, off + SCALES, j / 2);
        return s;
    }

    /**
     * Per super-block: the 8 scales and mins decoded at once ({@link KScales#decodeK4}), the
     * min term from the Q8_K 16-sums, then the hot loop {@link #superBlock}.
     */
    @Override
    public float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float[] xq = x.quantsAsFloat;
        float[] sc = new float[8];
        int[] m = new int[8];
        float acc = 0, accMin = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            KScales.decodeK4(data, off + SCALES, sc, m);
            int mins = 0;
            for (int j = 0; j < 16; j++) mins += x.blockSums16[(xb + b) * 16 + j] * m[j / 2];
            float dx = x.scales[xb + b];
            acc = Math.fma((float) superBlock(data, off, sc, xq, (xb + b) * BLOCK), f16(data, off + D) * dx, acc);
            accMin = Math.fma((float) mins, f16(data, off + DMIN) * dx, accMin);
        }
        return acc - accMin;
    }

    /**
     * The hot loop, Σ_j sc_j · Σ_{v∈j} q_v·x_v over one super-block: FLEN packed bytes give FLEN
     * low nibbles (sub-block 2c) and FLEN high nibbles (sub-block 2c+1), widened to float,
     * multiplied by their scale and FMA'd with the activation quants. Lanes stay integers below
     * 2^24 (≤ 32 terms of 15·63·127), so they are exact; the result is reduced here (as an int) so that no
     * vector crosses a method boundary (a call that is not inlined would box it).
     */
    private static int superBlock(MemorySegment data, long off, float[] sc, float[] xq, int q8) {
        FloatVector block = FloatVector.zero(F);
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l += FLEN) {
                ByteVector packed = ByteVector.fromMemorySegment(B_FOR_F, data, off + QS + 32 * c + l, LE);
                FloatVector lo = (FloatVector) packed.and((byte) 0xF).convertShape(VectorOperators.B2F, F, 0);
                FloatVector hi = (FloatVector) packed.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.B2F, F, 0);
                block = lo.mul(sc[2 * c]).fma(FloatVector.fromArray(F, xq, q8 + 64 * c + l), block);
                block = hi.mul(sc[2 * c + 1]).fma(FloatVector.fromArray(F, xq, q8 + 64 * c + 32 + l), block);
            }
        }
        // Lanes are exact integers; the total may pass 2^24, so it is summed as an int.
        return ((jdk.incubator.vector.IntVector) block.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
    }

    /**
     * ggml's quantize_row_q4_K_ref: per 32 values make_qkx2_quants(nmax 15, weights
     * rms(x) + |x|), scales and mins quantized to 6 bits against their maxima, quants recomputed
     * from the F16-rounded scales. Shared with Q5_K through {@link KQuant45Encoder}.
     */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        KQuant45Encoder enc = new KQuant45Encoder(15, -1.f, 0.1f, 20);
        for (int b = 0; b < count / BLOCK; b++) {
            long off = dstOffset + (long) b * BYTES;
            enc.encode(src, srcOffset + b * BLOCK, dst, off + D, off + DMIN, off + SCALES);
            byte[] L = enc.quants;
            for (int c = 0; c < 4; c++) {
                for (int l = 0; l < 32; l++) {
                    dst.set(BYTE, off + QS + 32 * c + l, (byte) (L[64 * c + l] | (L[64 * c + 32 + l] << 4)));
                }
            }
        }
    }
}
