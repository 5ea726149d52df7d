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

    /*
     * Float order. On x86 llama.cpp repacks every Q4_K matrix whose row count is a multiple of 8
     * (ggml_repack_get_optimal_repack_type → q4_K_8x8_q8_K) and multiplies it with two kernels
     * of different rounding (ggml/src/ggml-cpu/arch/x86/repack.cpp):
     *  - ggml_gemv_q4_K_8x8_q8_K, for a single activation row: per super-block the integer sums
     *    isum = Σ_j sc_j·Σ q·x and mins = Σ_j m_j·(sum of the x quants of sub-block j), then
     *    acc = fma(isum, d·d_x, acc) and accMin = fma(mins, dmin·d_x, accMin); acc − accMin at the end.
     *  - ggml_gemm_q4_K_8x8_q8_K, for groups of 4 activation rows: the same, but the two FMAs
     *    are taken per pair of sub-blocks (64 values), four times per super-block.
     * forward_mul_mat_one_chunk (ggml/src/ggml-cpu/repack.cpp) sends the first
     * rows − rows mod 4 rows of a batch through the gemm and the last rows mod 4 through the
     * gemv (their activations quantized by ggml_quantize_mat_q8_K_4x8 and quantize_row_q8_K,
     * which give the same Q8_K blocks). The order matters more than it seems: a different
     * rounding here re-rounds some 8-bit activations later in the network.
     * Not modelled: a Q4_K matrix whose row count is not a multiple of 8 is not repacked and
     * takes ggml_vec_dot_q4_K_q8_K (8 float lanes) instead; these kernels do not see the row
     * count and always follow the repacked kernels.
     */

    /** The gemv order ({@link #dot}); the test oracle. */
    @Override
    public float dotScalar(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        return dotScalar(data, rowOffset, x, xRow, cols, false);
    }

    /**
     * Scalar twin of both orders: pairSum(c) = Σ_{j∈{2c,2c+1}} sc_j·Σ_{v∈j} q_v·x_v and
     * pairMin(c) = Σ_{j∈{2c,2c+1}} m_j·(bsums of sub-block j), integers, folded into the float
     * accumulators per super-block (gemv) or per pair (gemm).
     */
    static float dotScalar(MemorySegment data, long rowOffset, Activations x, int xRow, int cols, boolean gemm) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float acc = 0, accMin = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            float dd = f16(data, off + D) * x.scales[xb + b];
            float dm = f16(data, off + DMIN) * x.scales[xb + b];
            int isum = 0, mins = 0;
            for (int c = 0; c < 4; c++) {
                int pairSum = 0, pairMin = 0;
                for (int j = 2 * c; j < 2 * c + 2; j++) {
                    int s = 0;
                    for (int i = 0; i < 32; i++) s += quant(data, off, 32 * j + i) * x.quants[q8 + 32 * j + i];
                    pairSum += KScales.scaleK4(data, off + SCALES, j) * s;
                    pairMin += KScales.minK4(data, off + SCALES, j) * (x.blockSums16[(xb + b) * 16 + 2 * j] + x.blockSums16[(xb + b) * 16 + 2 * j + 1]);
                }
                if (gemm) {
                    acc = Math.fma((float) pairSum, dd, acc);
                    accMin = Math.fma((float) pairMin, dm, accMin);
                } else {
                    isum += pairSum;
                    mins += pairMin;
                }
            }
            if (!gemm) {
                acc = Math.fma((float) isum, dd, acc);
                accMin = Math.fma((float) mins, dm, accMin);
            }
        }
        return acc - accMin;
    }

    /** The gemv order (a single activation row). */
    @Override
    public float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        return dot(data, rowOffset, x, xRow, cols, false);
    }

    /**
     * A batch as llama.cpp's repacked kernels take it: activation rows below
     * count − count mod 4 in the gemm order, the rest in the gemv order.
     */
    @Override
    public void matmul(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x,
                       float[] out, int outStride) {
        int cols = x.cols();
        int gemmRows = x.count() - x.count() % 4;
        for (int r = rowStart; r < rowEnd; r++) {
            for (int t = 0; t < x.count(); t++) {
                out[t * outStride + r] = dot(data, r * rowBytes, x, t, cols, t < gemmRows);
            }
        }
    }

    /**
     * Per super-block: the 8 scales and mins decoded at once ({@link KScales#decodeK4}), the
     * min terms from the Q8_K 16-sums, then the hot loop {@link #pairSum} per pair of
     * sub-blocks, folded in the gemv or gemm order.
     */
    static float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols, boolean gemm) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float[] xq = x.quantsAsFloat;
        short[] bs = x.blockSums16;
        float[] sc = new float[8];
        int[] m = new int[8];
        float acc = 0, accMin = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            KScales.decodeK4(data, off + SCALES, sc, m);
            float dx = x.scales[xb + b];
            float dd = f16(data, off + D) * dx, dm = f16(data, off + DMIN) * dx;
            int q8 = (xb + b) * BLOCK, s16 = (xb + b) * 16;
            int isum = 0, mins = 0;
            for (int c = 0; c < 4; c++) {
                int ps = pairSum(data, off, sc, xq, q8, c);
                int pm = m[2 * c] * (bs[s16 + 4 * c] + bs[s16 + 4 * c + 1]) + m[2 * c + 1] * (bs[s16 + 4 * c + 2] + bs[s16 + 4 * c + 3]);
                if (gemm) {
                    acc = Math.fma((float) ps, dd, acc);
                    accMin = Math.fma((float) pm, dm, accMin);
                } else {
                    isum += ps;
                    mins += pm;
                }
            }
            if (!gemm) {
                acc = Math.fma((float) isum, dd, acc);
                accMin = Math.fma((float) mins, dm, accMin);
            }
        }
        return acc - accMin;
    }

    /**
     * The hot loop, sc_{2c}·Σ q·x + sc_{2c+1}·Σ q·x over sub-blocks 2c and 2c+1: FLEN packed
     * bytes give FLEN low nibbles (sub-block 2c) and FLEN high nibbles (sub-block 2c+1), widened
     * to float, multiplied by their scale and FMA'd with the activation quants. Lanes stay
     * integers below 2^24 (≤ 8 terms of 15·63·127), so they are exact; the result is reduced here
     * (as an int) so that no vector crosses a method boundary (a call that is not inlined would
     * box it).
     */
    private static int pairSum(MemorySegment data, long off, float[] sc, float[] xq, int q8, int c) {
        FloatVector block = FloatVector.zero(F);
        for (int l = 0; l < 32; l += FLEN) {
            ByteVector packed = ByteVector.fromMemorySegment(B_FOR_F, data, off + QS + 32 * c + l, LE);
            FloatVector lo = (FloatVector) packed.and((byte) 0xF).convertShape(VectorOperators.B2F, F, 0);
            FloatVector hi = (FloatVector) packed.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.B2F, F, 0);
            block = lo.mul(sc[2 * c]).fma(FloatVector.fromArray(F, xq, q8 + 64 * c + l), block);
            block = hi.mul(sc[2 * c + 1]).fma(FloatVector.fromArray(F, xq, q8 + 64 * c + 32 + l), block);
        }
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
