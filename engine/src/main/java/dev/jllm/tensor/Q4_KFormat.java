package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.BYTE;
import static dev.jllm.tensor.Simd.B_FOR_F;
import static dev.jllm.tensor.Simd.B_2F;
import static dev.jllm.tensor.Simd.S_2F;
import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.LE;
import static dev.jllm.tensor.Simd.f16;
import static dev.jllm.tensor.Simd.I_FOR_F;
import static dev.jllm.tensor.Simd.INT_LE;
import static dev.jllm.tensor.Simd.SHORT_LE;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
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

    /**
     * Weight rows per call of the batched kernel: its accumulators (a few vectors per row) stay
     * in L1, and C2 compiles the kernel after enough calls — a call running over a whole
     * 8192-row range stays in slower code meanwhile, and its accumulators spill to L2 or memory.
     */
    private static final int ROWS_PER_CALL = 16;

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

    /** The gemm order for the rows the batched kernel gives to the gemm, as {@link #matmul} splits a batch. */
    @Override
    public float dotScalarInBatch(MemorySegment data, long rowOffset, Activations x, int t, int cols) {
        return dotScalar(data, rowOffset, x, t, cols, t < x.count() - x.count() % 4);
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
        return dot(data, rowOffset, x, xRow, cols, KernelScratch.ints(2 * (cols / BLOCK)));
    }

    @Override
    public void matvec(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x, int xRow,
                       float[] out, int outOffset) {
        int[] isums = KernelScratch.ints(2 * (x.cols() / BLOCK));
        for (int r = rowStart; r < rowEnd; r++) out[outOffset + r - rowStart] = dot(data, r * rowBytes, x, xRow, x.cols(), isums);
    }

    /**
     * A batch as llama.cpp's repacked kernels take it: activation rows below
     * count − count mod 4 in the gemm order ({@link #gemmTilePair}, two tiles of FLEN activation
     * rows at a time), the rest in the gemv order.
     */
    @Override
    public void matmul(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x,
                       float[] out, int outStride) {
        int cols = x.cols();
        int gemmRows = x.count() - x.count() % 4;
        if (gemmRows > 0) {
            float[] scratch = KernelScratch.floats(4 * ROWS_PER_CALL * FLEN + 4 * BLOCK + FLEN);
            for (int tile = 0; tile * FLEN < gemmRows; tile += 2) {
                int valid = Math.min(FLEN, gemmRows - tile * FLEN), valid2 = Math.max(0, Math.min(FLEN, gemmRows - (tile + 1) * FLEN));
                for (int r = rowStart; r < rowEnd; r += ROWS_PER_CALL) {
                    gemmTilePair(data, rowBytes, r, Math.min(r + ROWS_PER_CALL, rowEnd), x, tile, valid, valid2, scratch, out, outStride);
                }
            }
        }
        int[] isums = KernelScratch.ints(2 * (cols / BLOCK));
        for (int t = gemmRows; t < x.count(); t++) {
            for (int r = rowStart; r < rowEnd; r++) out[t * outStride + r] = dot(data, r * rowBytes, x, t, cols, isums);
        }
    }

    /*
     * The kernels call nothing but the Vector API, segment accessors and Math (all inlined by
     * C2): a helper of our own may be left out of line once C2's node budget for the method is
     * spent, and a call inside these loops would box vectors or spill every vector register.
     * So the 6-bit scales are unpacked inline, as {@link KScales#decodeK4} does: with the 12
     * scale bytes read as little-endian ints u0, u1, u2, for j < 4 scale j = (u0 >>> 8j) & 63
     * and min j = (u1 >>> 8j) & 63; for j ≥ 4, with k = j − 4, scale j =
     * ((u2 >>> 8k) & 15) | ((u0 >>> 8k + 6) & 3) << 4 and min j =
     * ((u2 >>> 8k + 4) & 15) | ((u1 >>> 8k + 6) & 3) << 4.
     */

    /**
     * One weight row against activation row {@code xRow} in the gemv order (one FMA per
     * super-block for the quants, one for the mins). 512-bit vectors ({@link Simd#FLEN} = 16)
     * take {@link #dotWide}, 256-bit ones {@link #dotAvx2}, 128-bit ones {@link #dotNarrow}
     * ({@code isums}: 2 · cols / 256 ints of scratch for the two-pass forms).
     */
    static float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols, int[] isums) {
        return FLEN == 16 ? dotWide(data, rowOffset, x, xRow, cols) : FLEN == 8 ? dotAvx2(data, rowOffset, x, xRow, cols, isums) : dotNarrow(data, rowOffset, x, xRow, cols, isums);
    }

    /**
     * The gemv order with 32-lane short vectors: one pass per super-block, its 128 quant bytes
     * in four 32-byte loads, no loop inside (a one-trip loop over positions cost 15%, and a
     * helper method for the repeated steps boxes the vectors when C2 leaves it out of line).
     * For each sub-block j, the 32 nibbles times the activation quants in 16-bit lanes
     * (|q·x| ≤ 15·127), then (p + (p << 16)) >> 16 adds the two products of each int lane
     * (their sum fits in 16 bits, so the carry out of the low half cannot corrupt it), times the
     * sub-block's scale, summed in int lanes: exact, as ggml's integer sums. The min sum
     * Σ_j m_j · (sum of sub-block j's activation quants) is eight scalar products from the
     * 32-sums ({@link KScales#minSum}; not 4-lane vectors, see there). All of it interleaves across super-blocks; the two float FMAs
     * per super-block keep the order of the scalar twin. 1.7× the speed of the two-pass form
     * on an 8192×2048 matrix (single thread, 10.2 vs 6.0 GB/s).
     */
    private static float dotWide(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        short[] xs = x.quantsAsShort;
        int[] s32 = x.blockSums32;
        float acc = 0, accMin = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int u0 = data.get(INT_LE, off + SCALES), u1 = data.get(INT_LE, off + SCALES + 4), u2 = data.get(INT_LE, off + SCALES + 8);
            int sLow = u0 & 0x3f3f3f3f, sHigh = (u2 & 0x0f0f0f0f) | ((u0 >>> 6) & 0x03030303) << 4;
            int mLow = u1 & 0x3f3f3f3f, mHigh = ((u2 >>> 4) & 0x0f0f0f0f) | ((u1 >>> 6) & 0x03030303) << 4;
            int q8 = (xb + b) * BLOCK;
            ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector q2 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 64, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector q3 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 96, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            IntVector p0 = (IntVector) q0.and((short) 15).mul(ShortVector.fromArray(S_2F, xs, q8)).reinterpretShape(I_FOR_F, 0);
            IntVector p1 = (IntVector) q0.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 32)).reinterpretShape(I_FOR_F, 0);
            IntVector p2 = (IntVector) q1.and((short) 15).mul(ShortVector.fromArray(S_2F, xs, q8 + 64)).reinterpretShape(I_FOR_F, 0);
            IntVector p3 = (IntVector) q1.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 96)).reinterpretShape(I_FOR_F, 0);
            IntVector p4 = (IntVector) q2.and((short) 15).mul(ShortVector.fromArray(S_2F, xs, q8 + 128)).reinterpretShape(I_FOR_F, 0);
            IntVector p5 = (IntVector) q2.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 160)).reinterpretShape(I_FOR_F, 0);
            IntVector p6 = (IntVector) q3.and((short) 15).mul(ShortVector.fromArray(S_2F, xs, q8 + 192)).reinterpretShape(I_FOR_F, 0);
            IntVector p7 = (IntVector) q3.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 224)).reinterpretShape(I_FOR_F, 0);
            p0 = p0.add(p0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            p1 = p1.add(p1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            p2 = p2.add(p2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            p3 = p3.add(p3.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            p4 = p4.add(p4.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            p5 = p5.add(p5.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            p6 = p6.add(p6.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            p7 = p7.add(p7.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            IntVector sums = p0.mul(sLow & 0xFF).add(p1.mul((sLow >>> 8) & 0xFF)).add(p2.mul((sLow >>> 16) & 0xFF).add(p3.mul(sLow >>> 24)))
                    .add(p4.mul(sHigh & 0xFF).add(p5.mul((sHigh >>> 8) & 0xFF)).add(p6.mul((sHigh >>> 16) & 0xFF).add(p7.mul(sHigh >>> 24))));
            int m8 = (xb + b) * 8;
            // KScales.minSum written out: this method spends C2's inlining budget, and the call stayed a call in every super-block
            int mins = (mLow & 0xFF) * s32[m8] + ((mLow >>> 8) & 0xFF) * s32[m8 + 1] + ((mLow >>> 16) & 0xFF) * s32[m8 + 2] + (mLow >>> 24) * s32[m8 + 3]
                    + (mHigh & 0xFF) * s32[m8 + 4] + ((mHigh >>> 8) & 0xFF) * s32[m8 + 5] + ((mHigh >>> 16) & 0xFF) * s32[m8 + 6] + (mHigh >>> 24) * s32[m8 + 7];
            int isum = sums.reduceLanes(VectorOperators.ADD);
            float dx = x.scales[xb + b];
            float dd = Float.float16ToFloat(data.get(SHORT_LE, off + D)) * dx, dm = Float.float16ToFloat(data.get(SHORT_LE, off + DMIN)) * dx;
            acc = Math.fma((float) isum, dd, acc);
            accMin = Math.fma((float) mins, dm, accMin);
        }
        return acc - accMin;
    }

    /**
     * The gemv order with 256-bit vectors (AVX2), in two passes as {@link #dotNarrow} but with
     * no loop inside a super-block: its 128 quant bytes in eight 16-byte loads widened to 16
     * short lanes, each sub-block's two halves added there, the eight int folds multiplied by
     * their scales and summed, one lane reduction per super-block into {@code isums[b]}, and
     * its min sum ({@link KScales#minSum}) into {@code isums[nb + b]} in the same pass, where
     * the scalar work overlaps the vector work; pass 2 is only the two FMAs per super-block.
     * JMH -XX:UseAVX=2, 3 interleaved rounds, against the looped form: 8192×2048 600 → 729,
     * 2048×8192 616 → 943 ops/s (the unrolling gave the first +11% / +22%, moving the min sums
     * the rest; one pass with the FMAs was slower again, 671 / 786).
     */
    private static float dotAvx2(MemorySegment data, long rowOffset, Activations x, int xRow, int cols, int[] isums) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        short[] xs = x.quantsAsShort;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int u0 = data.get(INT_LE, off + SCALES), u1 = data.get(INT_LE, off + SCALES + 4), u2 = data.get(INT_LE, off + SCALES + 8);
            int sLow = u0 & 0x3f3f3f3f, sHigh = (u2 & 0x0f0f0f0f) | ((u0 >>> 6) & 0x03030303) << 4;
            int mLow = u1 & 0x3f3f3f3f, mHigh = ((u2 >>> 4) & 0x0f0f0f0f) | ((u1 >>> 6) & 0x03030303) << 4;
            isums[nb + b] = KScales.minSum(mLow, mHigh, x.blockSums32, (xb + b) * 8);
            int q8 = (xb + b) * BLOCK;
            ShortVector w0 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector w1 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector w2 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector w3 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 48, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector w4 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 64, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector w5 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 80, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector w6 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 96, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector w7 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 112, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            IntVector p0 = (IntVector) w0.and((short) 15).mul(ShortVector.fromArray(S_2F, xs, q8)).add(w1.and((short) 15).mul(ShortVector.fromArray(S_2F, xs, q8 + 16))).reinterpretShape(I_FOR_F, 0);
            IntVector p1 = (IntVector) w0.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 32)).add(w1.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 48))).reinterpretShape(I_FOR_F, 0);
            IntVector p2 = (IntVector) w2.and((short) 15).mul(ShortVector.fromArray(S_2F, xs, q8 + 64)).add(w3.and((short) 15).mul(ShortVector.fromArray(S_2F, xs, q8 + 80))).reinterpretShape(I_FOR_F, 0);
            IntVector p3 = (IntVector) w2.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 96)).add(w3.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 112))).reinterpretShape(I_FOR_F, 0);
            IntVector p4 = (IntVector) w4.and((short) 15).mul(ShortVector.fromArray(S_2F, xs, q8 + 128)).add(w5.and((short) 15).mul(ShortVector.fromArray(S_2F, xs, q8 + 144))).reinterpretShape(I_FOR_F, 0);
            IntVector p5 = (IntVector) w4.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 160)).add(w5.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 176))).reinterpretShape(I_FOR_F, 0);
            IntVector p6 = (IntVector) w6.and((short) 15).mul(ShortVector.fromArray(S_2F, xs, q8 + 192)).add(w7.and((short) 15).mul(ShortVector.fromArray(S_2F, xs, q8 + 208))).reinterpretShape(I_FOR_F, 0);
            IntVector p7 = (IntVector) w6.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 224)).add(w7.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 240))).reinterpretShape(I_FOR_F, 0);
            p0 = p0.add(p0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            p1 = p1.add(p1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            p2 = p2.add(p2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            p3 = p3.add(p3.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            p4 = p4.add(p4.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            p5 = p5.add(p5.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            p6 = p6.add(p6.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            p7 = p7.add(p7.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            IntVector sums = p0.mul(sLow & 0xFF).add(p1.mul((sLow >>> 8) & 0xFF)).add(p2.mul((sLow >>> 16) & 0xFF).add(p3.mul(sLow >>> 24)))
                    .add(p4.mul(sHigh & 0xFF).add(p5.mul((sHigh >>> 8) & 0xFF)).add(p6.mul((sHigh >>> 16) & 0xFF).add(p7.mul(sHigh >>> 24))));
            isums[b] = sums.reduceLanes(VectorOperators.ADD);
        }
        return scaleSums(data, rowOffset, x, xb, nb, isums);
    }

    /**
     * The gemv order for vectors narrower than 512 bits, in two passes so that the integer sums of all super-blocks are independent
     * work (a single pass chained every super-block's lane reduction to the next one's FMA and
     * ran at 2/3 of the speed). Pass 1, integer lanes: 2·FLEN quant bytes of pair c at a time
     * are widened to shorts, their low nibbles (sub-block 2c) and high nibbles (2c+1) multiplied
     * with the activation quants in 16-bit lanes and the sub-block's two halves added there
     * (|Σ| ≤ 2·15·127 fits), then once per sub-block adjacent lanes added as ints (the 16-bit
     * halves of each int lane), multiplied by the sub-block's scale and summed into int lanes,
     * added up into {@code isums[b]} — exact, as ggml's integer sums. (20% faster than the same
     * in float lanes, which needs int→float conversions; adding the halves as shorts, before
     * widening, another 9%: JMH 8192×2048 with -XX:UseAVX=2, 2026-11-29.) The min sums from
     * the activations' 32-sums ({@link KScales#minSum}) go to {@code isums[nb + b]} in the same
     * pass. Pass 2, the two FMAs per super-block. AVX2 now takes the unrolled {@link #dotAvx2};
     * this form serves 128-bit vectors.
     */
    private static float dotNarrow(MemorySegment data, long rowOffset, Activations x, int xRow, int cols, int[] isums) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        short[] xs = x.quantsAsShort;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int u0 = data.get(INT_LE, off + SCALES), u1 = data.get(INT_LE, off + SCALES + 4), u2 = data.get(INT_LE, off + SCALES + 8);
            int sLow = u0 & 0x3f3f3f3f, sHigh = (u2 & 0x0f0f0f0f) | ((u0 >>> 6) & 0x03030303) << 4;
            int mLow = u1 & 0x3f3f3f3f, mHigh = ((u2 >>> 4) & 0x0f0f0f0f) | ((u1 >>> 6) & 0x03030303) << 4;
            isums[nb + b] = KScales.minSum(mLow, mHigh, x.blockSums32, (xb + b) * 8);
            int q8 = (xb + b) * BLOCK;
            IntVector acc = IntVector.zero(I_FOR_F);
            for (int c = 0; c < 4; c++) {
                int sw = (c < 2 ? sLow : sHigh) >>> 16 * (c & 1); // scales 2c and 2c+1 in its low two bytes
                // the sub-blocks' 32 products in 2·FLEN short lanes (each lane ≤ 32/(2·FLEN)·15·127:
                // 3810 with 256 bits, 7620 with 128), then widened to ints once per sub-block
                ShortVector lo = ShortVector.zero(S_2F), hi = lo;
                for (int l = 0; l < 32; l += 2 * FLEN) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 32 * c + l, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
                    lo = lo.add(q.and((short) 15).mul(ShortVector.fromArray(S_2F, xs, q8 + 64 * c + l)));
                    hi = hi.add(q.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 64 * c + 32 + l)));
                }
                IntVector l32 = (IntVector) lo.reinterpretShape(I_FOR_F, 0), h32 = (IntVector) hi.reinterpretShape(I_FOR_F, 0);
                l32 = l32.add(l32.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16); // see dotWide
                h32 = h32.add(h32.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                acc = acc.add(l32.mul(sw & 0xFF)).add(h32.mul((sw >>> 8) & 0xFF));
            }
            isums[b] = acc.reduceLanes(VectorOperators.ADD);
        }
        return scaleSums(data, rowOffset, x, xb, nb, isums);
    }

    /**
     * Pass 2 of the two-pass gemv forms: per super-block, acc = fma(isum, d·d_x, acc) and
     * accMin = fma(mins, dmin·d_x, accMin), from the integer sums pass 1 left in
     * {@code isums[b]} and {@code isums[nb + b]}. Scalar, so a call here boxes nothing.
     */
    private static float scaleSums(MemorySegment data, long rowOffset, Activations x, int xb, int nb, int[] isums) {
        float acc = 0, accMin = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            float dx = x.scales[xb + b];
            float dd = Float.float16ToFloat(data.get(SHORT_LE, off + D)) * dx, dm = Float.float16ToFloat(data.get(SHORT_LE, off + DMIN)) * dx;
            acc = Math.fma((float) isums[b], dd, acc);
            accMin = Math.fma((float) isums[nb + b], dm, accMin);
        }
        return acc - accMin;
    }

    /**
     * The gemm order for weight rows [rowStart, rowEnd) and token tiles {@code tile} and
     * {@code tile + 1} ({@code valid} and {@code valid2} of whose activation rows are wanted),
     * with lanes = tokens ({@link Activations#quantsByToken}): per super-block and group of four
     * rows, the 4×64 values sc_j·q of each pair of sub-blocks are decoded with SIMD into
     * {@code scratch}, then each pair's sums for the two tiles' tokens are Σ_v broadcast(sc·q_v)·x_v
     * (each broadcast feeding an FMA per tile) — exact integers below 2^24 in any order — and
     * acc = fma(pairSum, d·d_x, acc), accMin = fma(pairMin, dmin·d_x, accMin) run lane-wise
     * exactly as the scalar twin runs them per token. Super-blocks are the outer loop so that
     * the tiles' activations for one (32 KB with 16 lanes) stay in L1; each row's four
     * accumulators (acc and accMin per tile) wait in {@code scratch} meanwhile. Two tiles per
     * broadcast rather than one: 0.75 loads per FMA instead of 1.25, which were the limit.
     */
    private static void gemmTilePair(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x, int tile, int valid, int valid2,
                                     float[] scratch, float[] out, int outStride) {
        int cols = x.cols(), nb = cols / BLOCK, rows = rowEnd - rowStart;
        float[] xt = x.quantsByToken, st = x.scalesByToken, bt = x.sums32ByToken;
        // scratch[4·r·FLEN …]: row r's acc and accMin for the first tile, then for the second
        int wq = 4 * rows * FLEN; // the four rows' decoded sub-block pair: scratch[wq + 256·i …]
        java.util.Arrays.fill(scratch, 0, wq, 0f);
        for (int b = 0; b < nb; b++) {
            FloatVector dxA = FloatVector.fromArray(F, st, (tile * nb + b) * FLEN), dxB = FloatVector.fromArray(F, st, ((tile + 1) * nb + b) * FLEN);
            int xvA = (tile * cols + b * BLOCK) * FLEN, xvB = xvA + cols * FLEN;
            int xsA = (tile * nb + b) * 8 * FLEN, xsB = ((tile + 1) * nb + b) * 8 * FLEN;
            // rows in fours, sharing each activation load between four FMAs (the last rows of
            // a range that is not a multiple of 4 repeat its last row; duplicates are dropped)
            for (int r0 = 0; r0 < rows; r0 += 4) {
                int r1 = Math.min(r0 + 1, rows - 1);
                int r2 = Math.min(r0 + 2, rows - 1);
                int r3 = Math.min(r0 + 3, rows - 1);
                long off0 = (rowStart + r0) * rowBytes + (long) b * BYTES;
                float d0 = Float.float16ToFloat(data.get(SHORT_LE, off0 + D)), dm0 = Float.float16ToFloat(data.get(SHORT_LE, off0 + DMIN));
                int u00 = data.get(INT_LE, off0 + SCALES), u10 = data.get(INT_LE, off0 + SCALES + 4), u20 = data.get(INT_LE, off0 + SCALES + 8);
                long off1 = (rowStart + r1) * rowBytes + (long) b * BYTES;
                float d1 = Float.float16ToFloat(data.get(SHORT_LE, off1 + D)), dm1 = Float.float16ToFloat(data.get(SHORT_LE, off1 + DMIN));
                int u01 = data.get(INT_LE, off1 + SCALES), u11 = data.get(INT_LE, off1 + SCALES + 4), u21 = data.get(INT_LE, off1 + SCALES + 8);
                long off2 = (rowStart + r2) * rowBytes + (long) b * BYTES;
                float d2 = Float.float16ToFloat(data.get(SHORT_LE, off2 + D)), dm2 = Float.float16ToFloat(data.get(SHORT_LE, off2 + DMIN));
                int u02 = data.get(INT_LE, off2 + SCALES), u12 = data.get(INT_LE, off2 + SCALES + 4), u22 = data.get(INT_LE, off2 + SCALES + 8);
                long off3 = (rowStart + r3) * rowBytes + (long) b * BYTES;
                float d3 = Float.float16ToFloat(data.get(SHORT_LE, off3 + D)), dm3 = Float.float16ToFloat(data.get(SHORT_LE, off3 + DMIN));
                int u03 = data.get(INT_LE, off3 + SCALES), u13 = data.get(INT_LE, off3 + SCALES + 4), u23 = data.get(INT_LE, off3 + SCALES + 8);
                // sub-block j's scale in byte j of sc*, its min in byte j of mn* (j < 4: *Lo, else *Hi)
                int scLo0 = u00 & 0x3f3f3f3f, scHi0 = (u20 & 0x0f0f0f0f) | ((u00 >>> 6) & 0x03030303) << 4;
                int mnLo0 = u10 & 0x3f3f3f3f, mnHi0 = ((u20 >>> 4) & 0x0f0f0f0f) | ((u10 >>> 6) & 0x03030303) << 4;
                int scLo1 = u01 & 0x3f3f3f3f, scHi1 = (u21 & 0x0f0f0f0f) | ((u01 >>> 6) & 0x03030303) << 4;
                int mnLo1 = u11 & 0x3f3f3f3f, mnHi1 = ((u21 >>> 4) & 0x0f0f0f0f) | ((u11 >>> 6) & 0x03030303) << 4;
                int scLo2 = u02 & 0x3f3f3f3f, scHi2 = (u22 & 0x0f0f0f0f) | ((u02 >>> 6) & 0x03030303) << 4;
                int mnLo2 = u12 & 0x3f3f3f3f, mnHi2 = ((u22 >>> 4) & 0x0f0f0f0f) | ((u12 >>> 6) & 0x03030303) << 4;
                int scLo3 = u03 & 0x3f3f3f3f, scHi3 = (u23 & 0x0f0f0f0f) | ((u03 >>> 6) & 0x03030303) << 4;
                int mnLo3 = u13 & 0x3f3f3f3f, mnHi3 = ((u23 >>> 4) & 0x0f0f0f0f) | ((u13 >>> 6) & 0x03030303) << 4;
                for (int c = 0; c < 4; c++) {
                    int shift = 16 * (c & 1);
                    int sw0 = (c < 2 ? scLo0 : scHi0) >>> shift, mw0 = (c < 2 ? mnLo0 : mnHi0) >>> shift;
                    int sw1 = (c < 2 ? scLo1 : scHi1) >>> shift, mw1 = (c < 2 ? mnLo1 : mnHi1) >>> shift;
                    int sw2 = (c < 2 ? scLo2 : scHi2) >>> shift, mw2 = (c < 2 ? mnLo2 : mnHi2) >>> shift;
                    int sw3 = (c < 2 ? scLo3 : scHi3) >>> shift, mw3 = (c < 2 ? mnLo3 : mnHi3) >>> shift;
                    for (int l = 0; l < 32; l += FLEN) {
                        IntVector p;
                        p = (IntVector) ByteVector.fromMemorySegment(B_FOR_F, data, off0 + QS + 32 * c + l, LE).convertShape(VectorOperators.B2I, I_FOR_F, 0);
                        ((FloatVector) p.and(15).convertShape(VectorOperators.I2F, F, 0)).mul(FloatVector.broadcast(F, (float) (sw0 & 0xFF))).intoArray(scratch, wq + 0 * BLOCK + l);
                        ((FloatVector) p.lanewise(VectorOperators.ASHR, 4).and(15).convertShape(VectorOperators.I2F, F, 0)).mul(FloatVector.broadcast(F, (float) ((sw0 >>> 8) & 0xFF))).intoArray(scratch, wq + 0 * BLOCK + 32 + l);
                        p = (IntVector) ByteVector.fromMemorySegment(B_FOR_F, data, off1 + QS + 32 * c + l, LE).convertShape(VectorOperators.B2I, I_FOR_F, 0);
                        ((FloatVector) p.and(15).convertShape(VectorOperators.I2F, F, 0)).mul(FloatVector.broadcast(F, (float) (sw1 & 0xFF))).intoArray(scratch, wq + 1 * BLOCK + l);
                        ((FloatVector) p.lanewise(VectorOperators.ASHR, 4).and(15).convertShape(VectorOperators.I2F, F, 0)).mul(FloatVector.broadcast(F, (float) ((sw1 >>> 8) & 0xFF))).intoArray(scratch, wq + 1 * BLOCK + 32 + l);
                        p = (IntVector) ByteVector.fromMemorySegment(B_FOR_F, data, off2 + QS + 32 * c + l, LE).convertShape(VectorOperators.B2I, I_FOR_F, 0);
                        ((FloatVector) p.and(15).convertShape(VectorOperators.I2F, F, 0)).mul(FloatVector.broadcast(F, (float) (sw2 & 0xFF))).intoArray(scratch, wq + 2 * BLOCK + l);
                        ((FloatVector) p.lanewise(VectorOperators.ASHR, 4).and(15).convertShape(VectorOperators.I2F, F, 0)).mul(FloatVector.broadcast(F, (float) ((sw2 >>> 8) & 0xFF))).intoArray(scratch, wq + 2 * BLOCK + 32 + l);
                        p = (IntVector) ByteVector.fromMemorySegment(B_FOR_F, data, off3 + QS + 32 * c + l, LE).convertShape(VectorOperators.B2I, I_FOR_F, 0);
                        ((FloatVector) p.and(15).convertShape(VectorOperators.I2F, F, 0)).mul(FloatVector.broadcast(F, (float) (sw3 & 0xFF))).intoArray(scratch, wq + 3 * BLOCK + l);
                        ((FloatVector) p.lanewise(VectorOperators.ASHR, 4).and(15).convertShape(VectorOperators.I2F, F, 0)).mul(FloatVector.broadcast(F, (float) ((sw3 >>> 8) & 0xFF))).intoArray(scratch, wq + 3 * BLOCK + 32 + l);
                    }
                    // one chain per row and tile (8 in all); every partial sum is an exact integer below 2^24
                    FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, u0 = s0, u1 = s0, u2 = s0, u3 = s0;
                    int xa0 = xvA + 64 * c * FLEN, xb0 = xvB + 64 * c * FLEN;
                    for (int v = 0; v < 64; v++) {
                        FloatVector xa = FloatVector.fromArray(F, xt, xa0 + v * FLEN), xb = FloatVector.fromArray(F, xt, xb0 + v * FLEN);
                        FloatVector w0 = FloatVector.broadcast(F, scratch[wq + v]), w1 = FloatVector.broadcast(F, scratch[wq + BLOCK + v]);
                        FloatVector w2 = FloatVector.broadcast(F, scratch[wq + 2 * BLOCK + v]), w3 = FloatVector.broadcast(F, scratch[wq + 3 * BLOCK + v]);
                        s0 = w0.fma(xa, s0);
                        u0 = w0.fma(xb, u0);
                        s1 = w1.fma(xa, s1);
                        u1 = w1.fma(xb, u1);
                        s2 = w2.fma(xa, s2);
                        u2 = w2.fma(xb, u2);
                        s3 = w3.fma(xa, s3);
                        u3 = w3.fma(xb, u3);
                    }
                    // the four rows' accumulators (a repeated last row is added once)
                    FloatVector bsAA = FloatVector.fromArray(F, bt, xsA + 2 * c * FLEN), bsBA = FloatVector.fromArray(F, bt, xsA + (2 * c + 1) * FLEN);
                    FloatVector bsAB = FloatVector.fromArray(F, bt, xsB + 2 * c * FLEN), bsBB = FloatVector.fromArray(F, bt, xsB + (2 * c + 1) * FLEN);
                    int a;
                    if (r0 + 3 < rows) {
                        a = 4 * r3 * FLEN;
                        s3.fma(dxA.mul(d3), FloatVector.fromArray(F, scratch, a)).intoArray(scratch, a);
                        bsAA.mul((float) (mw3 & 0xFF)).add(bsBA.mul((float) ((mw3 >>> 8) & 0xFF))).fma(dxA.mul(dm3), FloatVector.fromArray(F, scratch, a + FLEN)).intoArray(scratch, a + FLEN);
                        u3.fma(dxB.mul(d3), FloatVector.fromArray(F, scratch, a + 2 * FLEN)).intoArray(scratch, a + 2 * FLEN);
                        bsAB.mul((float) (mw3 & 0xFF)).add(bsBB.mul((float) ((mw3 >>> 8) & 0xFF))).fma(dxB.mul(dm3), FloatVector.fromArray(F, scratch, a + 3 * FLEN)).intoArray(scratch, a + 3 * FLEN);
                    }
                    if (r0 + 2 < rows) {
                        a = 4 * r2 * FLEN;
                        s2.fma(dxA.mul(d2), FloatVector.fromArray(F, scratch, a)).intoArray(scratch, a);
                        bsAA.mul((float) (mw2 & 0xFF)).add(bsBA.mul((float) ((mw2 >>> 8) & 0xFF))).fma(dxA.mul(dm2), FloatVector.fromArray(F, scratch, a + FLEN)).intoArray(scratch, a + FLEN);
                        u2.fma(dxB.mul(d2), FloatVector.fromArray(F, scratch, a + 2 * FLEN)).intoArray(scratch, a + 2 * FLEN);
                        bsAB.mul((float) (mw2 & 0xFF)).add(bsBB.mul((float) ((mw2 >>> 8) & 0xFF))).fma(dxB.mul(dm2), FloatVector.fromArray(F, scratch, a + 3 * FLEN)).intoArray(scratch, a + 3 * FLEN);
                    }
                    if (r0 + 1 < rows) {
                        a = 4 * r1 * FLEN;
                        s1.fma(dxA.mul(d1), FloatVector.fromArray(F, scratch, a)).intoArray(scratch, a);
                        bsAA.mul((float) (mw1 & 0xFF)).add(bsBA.mul((float) ((mw1 >>> 8) & 0xFF))).fma(dxA.mul(dm1), FloatVector.fromArray(F, scratch, a + FLEN)).intoArray(scratch, a + FLEN);
                        u1.fma(dxB.mul(d1), FloatVector.fromArray(F, scratch, a + 2 * FLEN)).intoArray(scratch, a + 2 * FLEN);
                        bsAB.mul((float) (mw1 & 0xFF)).add(bsBB.mul((float) ((mw1 >>> 8) & 0xFF))).fma(dxB.mul(dm1), FloatVector.fromArray(F, scratch, a + 3 * FLEN)).intoArray(scratch, a + 3 * FLEN);
                    }
                    a = 4 * r0 * FLEN;
                    s0.fma(dxA.mul(d0), FloatVector.fromArray(F, scratch, a)).intoArray(scratch, a);
                    bsAA.mul((float) (mw0 & 0xFF)).add(bsBA.mul((float) ((mw0 >>> 8) & 0xFF))).fma(dxA.mul(dm0), FloatVector.fromArray(F, scratch, a + FLEN)).intoArray(scratch, a + FLEN);
                    u0.fma(dxB.mul(d0), FloatVector.fromArray(F, scratch, a + 2 * FLEN)).intoArray(scratch, a + 2 * FLEN);
                    bsAB.mul((float) (mw0 & 0xFF)).add(bsBB.mul((float) ((mw0 >>> 8) & 0xFF))).fma(dxB.mul(dm0), FloatVector.fromArray(F, scratch, a + 3 * FLEN)).intoArray(scratch, a + 3 * FLEN);
                }
            }
        }
        int res = wq + 4 * BLOCK;
        for (int r = 0; r < rows; r++) {
            int a = 4 * r * FLEN;
            FloatVector.fromArray(F, scratch, a).sub(FloatVector.fromArray(F, scratch, a + FLEN)).intoArray(scratch, res);
            for (int lane = 0; lane < valid; lane++) out[(tile * FLEN + lane) * outStride + rowStart + r] = scratch[res + lane];
            FloatVector.fromArray(F, scratch, a + 2 * FLEN).sub(FloatVector.fromArray(F, scratch, a + 3 * FLEN)).intoArray(scratch, res);
            for (int lane = 0; lane < valid2; lane++) out[((tile + 1) * FLEN + lane) * outStride + rowStart + r] = scratch[res + lane];
        }
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
