package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.BYTE;
import static dev.jllm.tensor.Simd.B_2F;
import static dev.jllm.tensor.Simd.B_FOR_F;
import static dev.jllm.tensor.Simd.I_FOR_F;
import static dev.jllm.tensor.Simd.INT_PAIR_SWAP;
import static dev.jllm.tensor.Simd.INT_LE;
import static dev.jllm.tensor.Simd.S_2F;
import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.SHORT_LE;
import static dev.jllm.tensor.Simd.LE;
import static dev.jllm.tensor.Simd.f16;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_K: super-blocks of 256 values in 176 bytes ({@code block_q5_K}):
 * <pre>
 *    0  d           F16 super-block scale of the scales
 *    2  dmin        F16 super-block scale of the mins
 *    4  scales[12]  8 scales and 8 mins of 6 bits, as Q4_K
 *   16  qh[32]      fifth bits: bit 2c + half of qh[l] belongs to value 64c + 32·half + l
 *   48  qs[128]     low 4 bits, laid out as Q4_K's nibbles
 * </pre>
 * q = nibble + 16·fifthBit ∈ [0, 31]; value v = d·sc_{v/32}·q − dmin·m_{v/32}. Activations are Q8_K.
 */
final class Q5_KFormat implements TensorFormat {
    static final int BLOCK = 256, BYTES = 176;
    private static final int D = 0, DMIN = 2, SCALES = 4, QH = 16, QS = 48;

    @Override public GGMLType type() { return GGMLType.Q5_K; }
    @Override public GGMLType activationType() { return GGMLType.Q8_K; }

    /**
     * Weight rows per call of the batched kernel: its accumulators (a few vectors per row) stay
     * in L1, and C2 compiles the kernel after enough calls — a call running over a whole
     * 8192-row range stays in slower code meanwhile, and its accumulators spill to L2 or memory.
     */
    private static final int ROWS_PER_CALL = 16;

    private static int quant(MemorySegment data, long off, int v) {
        int l = v & 31;
        int b = data.get(BYTE, off + QS + 32 * (v / 64) + l) & 0xFF;
        int nibble = (v & 32) == 0 ? b & 0xF : b >>> 4;
        int high = ((data.get(BYTE, off + QH + l) & 0xFF) >>> (v / 32)) & 1;
        return nibble | high << 4;
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
     * Float order of llama.cpp's x86 ggml_vec_dot_q5_K_q8_K (AVX2 branch of arch/x86/quants.c;
     * x86 does not repack Q5_K): per super-block the 8 int32 lanes of
     * _mm256_madd_epi16(scale, _mm256_maddubs_epi16(q, x)) — lane m holds, summed over the 8
     * sub-blocks, sc_j · Σ q·x over positions 4m … 4m+3 of the sub-block's 32 values — are
     * folded into an 8-lane float accumulator acc_m = fma(d·d_x, lane_m, acc_m); the min term
     * summs = fma(−dmin·d_x, Σ_j m_j·bsums_j, summs) runs beside it (the C statement
     * summs += dmin * … contracts to an FMA); the result is hsum_float_8(acc) + summs.
     */

    /** Scalar twin: the same lanes and float order, from the per-value definition. */
    @Override
    public float dotScalar(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float[] acc = new float[8];
        int[] lane = new int[8]; // one per call: the twins also serve as the kernels where vectors are narrow
        float summs = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            float dx = x.scales[xb + b];
            java.util.Arrays.fill(lane, 0);
            int mins = 0;
            for (int j = 0; j < 8; j++) {
                int sc = KScales.scaleK4(data, off + SCALES, j);
                for (int i = 0; i < 32; i++) lane[i / 4] += sc * quant(data, off, 32 * j + i) * x.quants[q8 + 32 * j + i];
                mins += KScales.minK4(data, off + SCALES, j) * (x.blockSums16[(xb + b) * 16 + 2 * j] + x.blockSums16[(xb + b) * 16 + 2 * j + 1]);
            }
            float d = dx * f16(data, off + D), dmin = -dx * f16(data, off + DMIN);
            summs = Math.fma(dmin, (float) mins, summs);
            for (int m = 0; m < 8; m++) acc[m] = Math.fma(d, (float) lane[m], acc[m]);
        }
        return QuantMath.hsumFloat8(acc) + summs;
    }

    /**
     * As the scalar twin, in 16-bit lanes like llama.cpp's maddubs/madd: 2·FLEN positions of a
     * sub-block per vector (all 32 with 512 bits, half with 256). For each of the 8 sub-blocks
     * the quants (nibble | fifth bit · 16, from the qs bytes of its pair and the qh bytes, which
     * serve all 8) times x fit in 16 bits (≤ 31·127); (p + (p << 16)) >> 16 adds the two
     * products of each int lane, which is then multiplied by the sub-block scale and summed over
     * the sub-blocks. Scales and mins are taken from the packed bytes inline, and the min term
     * comes from the Q8_K 32-sums ({@link KScales#minSum}: a loop over the 16-sums cost as much
     * as all the vector work). Adding neighbouring int lanes leaves ggml's lane m (positions 4m … 4m+3)
     * in int lane 2m of the vector holding those positions, exact, and acc = fma(lane, d·d_x,
     * acc) runs lane-wise; with 256 bits the second half's lanes go to a second accumulator,
     * stored after the first, so that ggml's lane m always ends at index 2m. The float steps are
     * the scalar twin's.
     */
    @Override
    public float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        if (FLEN == 4) return dot128(data, rowOffset, x, xRow, cols);
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        short[] xs = x.quantsAsShort;
        int[] s32 = x.blockSums32;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0; // positions 0 … 2·FLEN−1, then the rest (256 bits only)
        float summs = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            // the 6-bit scales and mins as bytes of four ints (KScales.decodeK4's arithmetic, inline)
            int u0 = data.get(INT_LE, off + SCALES), u1 = data.get(INT_LE, off + SCALES + 4), u2 = data.get(INT_LE, off + SCALES + 8);
            int sLow = u0 & 0x3f3f3f3f, sHigh = (u2 & 0x0f0f0f0f) | ((u0 >>> 6) & 0x03030303) << 4;
            int mLow = u1 & 0x3f3f3f3f, mHigh = ((u2 >>> 4) & 0x0f0f0f0f) | ((u1 >>> 6) & 0x03030303) << 4;
            int m8 = (xb + b) * 8;
            // Σ_j m_j·bsum32_j: the same integer as the scalar twin's sum over 16-sums
            int mins = KScales.minSum(mLow, mHigh, s32, m8);
            float dx = x.scales[xb + b];
            FloatVector d = FloatVector.broadcast(F, dx * f16(data, off + D));
            summs = Math.fma(-dx * f16(data, off + DMIN), (float) mins, summs);
            for (int l = 0; l < 32; l += 2 * FLEN) {
                // qh bits moved up by 4: bit 2c (2c + 1) of a byte ends on bit 4 after a shift by 2c (2c + 1)
                ShortVector qh = ((ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QH + l, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0)).lanewise(VectorOperators.LSHL, 4);
                ShortVector qs0 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + l, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
                IntVector lo0 = (IntVector) qs0.and((short) 15).or(qh.and((short) 16)).mul(ShortVector.fromArray(S_2F, xs, q8 + l)).reinterpretShape(I_FOR_F, 0);
                IntVector hi0 = (IntVector) qs0.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 1).and((short) 16)).mul(ShortVector.fromArray(S_2F, xs, q8 + 32 + l)).reinterpretShape(I_FOR_F, 0);
                IntVector s0 = lo0.add(lo0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sLow & 0xFF)
                        .add(hi0.add(hi0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul((sLow >>> 8) & 0xFF));
                ShortVector qs1 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 32 + l, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
                IntVector lo1 = (IntVector) qs1.and((short) 15).or(qh.lanewise(VectorOperators.LSHR, 2).and((short) 16)).mul(ShortVector.fromArray(S_2F, xs, q8 + 64 + l)).reinterpretShape(I_FOR_F, 0);
                IntVector hi1 = (IntVector) qs1.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 3).and((short) 16)).mul(ShortVector.fromArray(S_2F, xs, q8 + 96 + l)).reinterpretShape(I_FOR_F, 0);
                IntVector s1 = lo1.add(lo1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul((sLow >>> 16) & 0xFF)
                        .add(hi1.add(hi1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul((sLow >>> 24) & 0xFF));
                ShortVector qs2 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 64 + l, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
                IntVector lo2 = (IntVector) qs2.and((short) 15).or(qh.lanewise(VectorOperators.LSHR, 4).and((short) 16)).mul(ShortVector.fromArray(S_2F, xs, q8 + 128 + l)).reinterpretShape(I_FOR_F, 0);
                IntVector hi2 = (IntVector) qs2.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 5).and((short) 16)).mul(ShortVector.fromArray(S_2F, xs, q8 + 160 + l)).reinterpretShape(I_FOR_F, 0);
                IntVector s2 = lo2.add(lo2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sHigh & 0xFF)
                        .add(hi2.add(hi2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul((sHigh >>> 8) & 0xFF));
                ShortVector qs3 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 96 + l, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
                IntVector lo3 = (IntVector) qs3.and((short) 15).or(qh.lanewise(VectorOperators.LSHR, 6).and((short) 16)).mul(ShortVector.fromArray(S_2F, xs, q8 + 192 + l)).reinterpretShape(I_FOR_F, 0);
                IntVector hi3 = (IntVector) qs3.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 7).and((short) 16)).mul(ShortVector.fromArray(S_2F, xs, q8 + 224 + l)).reinterpretShape(I_FOR_F, 0);
                IntVector s3 = lo3.add(lo3.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul((sHigh >>> 16) & 0xFF)
                        .add(hi3.add(hi3.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul((sHigh >>> 24) & 0xFF));
                IntVector sum = s0.add(s1).add(s2.add(s3));
                sum = sum.add(sum.rearrange(INT_PAIR_SWAP)); // int lane 2m': ggml's lane l/4 + m'
                FloatVector lanes = (FloatVector) sum.convertShape(VectorOperators.I2F, F, 0);
                if (l == 0) acc0 = lanes.fma(d, acc0);
                else acc1 = lanes.fma(d, acc1);
            }
        }
        float[] lanes = KernelScratch.floats(2 * FLEN);
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, FLEN);
        // hsum_float_8 over ggml's lanes 0 … 7, at indices 0, 2, …, 14
        float r0 = lanes[0] + lanes[8], r1 = lanes[2] + lanes[10], r2 = lanes[4] + lanes[12], r3 = lanes[6] + lanes[14];
        return ((r0 + r2) + (r1 + r3)) + summs;
    }

    /**
     * The same integer sums and float order with 128-bit vectors (NEON, SSE): positions l … l+7
     * of every sub-block (l = 0, 8, 16, 24) in 8 short lanes, q·x there, adjacent products
     * added as ints (|Σ| ≤ 2·31·127 fits 16 bits), times the sub-block scale, summed over the
     * 8 sub-blocks — int lane j of sums[l/8] holds positions l+2j, l+2j+1, exact. ggml's lane m
     * (positions 4m … 4m+3) is the sum of two of those lanes; its FMAs, the min term and the
     * final hsum_float_8 are the scalar twin's, in scalar code.
     */
    private static float dot128(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        short[] xs = x.quantsAsShort;
        int[] s32 = x.blockSums32;
        int[] sums = KernelScratch.ints(4 * FLEN);
        float[] acc = KernelScratch.small();
        java.util.Arrays.fill(acc, 0, 8, 0f);
        float summs = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            int u0 = data.get(INT_LE, off + SCALES), u1 = data.get(INT_LE, off + SCALES + 4), u2 = data.get(INT_LE, off + SCALES + 8);
            int sLow = u0 & 0x3f3f3f3f, sHigh = (u2 & 0x0f0f0f0f) | ((u0 >>> 6) & 0x03030303) << 4;
            int mLow = u1 & 0x3f3f3f3f, mHigh = ((u2 >>> 4) & 0x0f0f0f0f) | ((u1 >>> 6) & 0x03030303) << 4;
            for (int l = 0; l < 32; l += 2 * FLEN) {
                // qh bit j (sub-block j) moved up to bit 4 + j
                ShortVector qh = ((ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QH + l, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0)).lanewise(VectorOperators.LSHL, 4);
                IntVector sum = IntVector.zero(I_FOR_F);
                for (int c = 0; c < 4; c++) {
                    int sw = (c < 2 ? sLow : sHigh) >>> 16 * (c & 1); // scales 2c and 2c+1 in its low two bytes
                    ShortVector qs = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 32 * c + l, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
                    IntVector lo = (IntVector) qs.and((short) 15).or(qh.lanewise(VectorOperators.LSHR, 2 * c).and((short) 16))
                            .mul(ShortVector.fromArray(S_2F, xs, q8 + 64 * c + l)).reinterpretShape(I_FOR_F, 0);
                    IntVector hi = (IntVector) qs.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 2 * c + 1).and((short) 16))
                            .mul(ShortVector.fromArray(S_2F, xs, q8 + 64 * c + 32 + l)).reinterpretShape(I_FOR_F, 0);
                    sum = sum.add(lo.add(lo.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sw & 0xFF))
                            .add(hi.add(hi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul((sw >>> 8) & 0xFF));
                }
                sum.intoArray(sums, l / 2);
            }
            float dx = x.scales[xb + b];
            summs = Math.fma(-dx * f16(data, off + DMIN), (float) KScales.minSum(mLow, mHigh, s32, (xb + b) * 8), summs);
            float d = dx * f16(data, off + D);
            for (int m = 0; m < 8; m++) acc[m] = Math.fma(d, (float) (sums[2 * m] + sums[2 * m + 1]), acc[m]);
        }
        return QuantMath.hsumFloat8(acc) + summs;
    }

    /**
     * Batches with lanes = tokens, in the gemv's float order token by token (so bit for bit
     * {@link #dotScalar}; see {@link EightLaneGemm}): per super-block, rows in fours, the 256
     * values sc_j·q of each row decoded into scratch (in int lanes: x86 has no byte shifts)
     * and its min term summs = fma(−dmin·d_x, Σ_j m_j·bsum_j, summs) added lane-wise; then
     * {@link EightLaneGemm#laneSums} for ggml's 8 lanes, and hsum_float_8(acc) + summs at the
     * end, lane-wise too. Super-blocks are the outer loop so that the tiles' activations for one
     * stay close; each row's accumulators wait in scratch meanwhile. (Rows in pairs, byte-lane
     * decoding and activations read in place took 1.4× as long: JMH 2048×8192, 32 tokens.)
     */
    @Override
    public void matmul(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x,
                       float[] out, int outStride) {
        int xAt = ACCS * ROWS_PER_CALL * FLEN + 4 * BLOCK + FLEN;
        float[] scratch = KernelScratch.floats(xAt + 2 * x.cols() * FLEN);
        for (int tile = 0; tile < x.tiles(); tile += 2) {
            int valid = Math.min(FLEN, x.count() - tile * FLEN), valid2 = Math.max(0, Math.min(FLEN, x.count() - (tile + 1) * FLEN));
            EightLaneGemm.toLaneOrder(x.quantsByToken, tile, x.cols(), scratch, xAt);
            for (int r = rowStart; r < rowEnd; r += ROWS_PER_CALL) {
                gemmTilePair(data, rowBytes, r, Math.min(r + ROWS_PER_CALL, rowEnd), x, tile, valid, valid2, scratch, xAt, out, outStride);
            }
        }
    }

    /** Accumulators per row in the batched kernel: per tile, acc_0 … acc_7 and summs. */
    private static final int ACCS = 18;

    private static void gemmTilePair(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x, int tile, int valid, int valid2,
                                     float[] scratch, int xAt, float[] out, int outStride) {
        int cols = x.cols(), nb = cols / BLOCK, rows = rowEnd - rowStart;
        float[] st = x.scalesByToken, bt = x.sums32ByToken;
        // scratch[18·r·FLEN …]: row r's acc_0 … acc_7, summs for the first tile, then for the second
        int wq = ACCS * rows * FLEN; // four rows' decoded super-blocks: scratch[wq … wq + 1024)
        java.util.Arrays.fill(scratch, 0, wq, 0f);
        float[] sc = KernelScratch.small();
        int[] mn = KernelScratch.ints(8);
        for (int b = 0; b < nb; b++) {
            FloatVector dxA = FloatVector.fromArray(F, st, (tile * nb + b) * FLEN), dxB = FloatVector.fromArray(F, st, ((tile + 1) * nb + b) * FLEN);
            int xv = xAt + b * BLOCK * FLEN, xw = xv + cols * FLEN; // scratch, lane-major
            int bsA = (tile * nb + b) * 8 * FLEN, bsB = ((tile + 1) * nb + b) * 8 * FLEN;
            // rows in fours, sharing each activation load between four FMAs (the last rows of
            // a range that is not a multiple of 4 repeat its last row; duplicates are dropped)
            for (int r0 = 0; r0 < rows; r0 += 4) {
                int real = Math.min(4, rows - r0);
                for (int i = 0; i < real; i++) {
                    // row r0 + i decoded to scratch[wq + 256·i …]; the min term needs nothing
                    // but the scales, so it is done here
                    long off = (rowStart + r0 + i) * rowBytes + (long) b * BYTES;
                    KScales.decodeK4(data, off + SCALES, sc, mn);
                    for (int l = 0; l < 32; l += FLEN) {
                        // in int lanes, where x86 shifts natively (byte lanes take several
                        // instructions a shift); qh moved up by 4 as in the gemv
                        IntVector qh = ((IntVector) ByteVector.fromMemorySegment(B_FOR_F, data, off + QH + l, LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I_FOR_F, 0)).lanewise(VectorOperators.LSHL, 4);
                        for (int c = 0; c < 4; c++) {
                            IntVector packed = (IntVector) ByteVector.fromMemorySegment(B_FOR_F, data, off + QS + 32 * c + l, LE)
                                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, I_FOR_F, 0);
                            IntVector q1 = packed.and(15).or(qh.lanewise(VectorOperators.LSHR, 2 * c).and(16));
                            IntVector q2 = packed.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 2 * c + 1).and(16));
                            ((FloatVector) q1.convertShape(VectorOperators.I2F, F, 0)).mul(sc[2 * c]).intoArray(scratch, wq + BLOCK * i + 64 * c + l);
                            ((FloatVector) q2.convertShape(VectorOperators.I2F, F, 0)).mul(sc[2 * c + 1]).intoArray(scratch, wq + BLOCK * i + 64 * c + 32 + l);
                        }
                    }
                    FloatVector minsA = FloatVector.zero(F), minsB = minsA;
                    for (int j = 0; j < 8; j++) {
                        // Σ_j m_j·bsum_j: exact integers in any order
                        minsA = FloatVector.fromArray(F, bt, bsA + j * FLEN).fma(FloatVector.broadcast(F, (float) mn[j]), minsA);
                        minsB = FloatVector.fromArray(F, bt, bsB + j * FLEN).fma(FloatVector.broadcast(F, (float) mn[j]), minsB);
                    }
                    float dmin = -Float.float16ToFloat(data.get(SHORT_LE, off + DMIN));
                    int s = (ACCS * (r0 + i) + 8) * FLEN;
                    dxA.mul(dmin).fma(minsA, FloatVector.fromArray(F, scratch, s)).intoArray(scratch, s);
                    s += 9 * FLEN;
                    dxB.mul(dmin).fma(minsB, FloatVector.fromArray(F, scratch, s)).intoArray(scratch, s);
                }
                int r1 = Math.min(r0 + 1, rows - 1), r2 = Math.min(r0 + 2, rows - 1), r3 = Math.min(r0 + 3, rows - 1);
                long sb = (long) b * BYTES + D;
                EightLaneGemm.laneSums(scratch, wq, xv, xw, st, (tile * nb + b) * FLEN, ((tile + 1) * nb + b) * FLEN,
                        f16(data, (rowStart + r0) * rowBytes + sb), f16(data, (rowStart + r1) * rowBytes + sb),
                        f16(data, (rowStart + r2) * rowBytes + sb), f16(data, (rowStart + r3) * rowBytes + sb),
                        ACCS * r0 * FLEN, ACCS * r1 * FLEN, ACCS * r2 * FLEN, ACCS * r3 * FLEN, 9 * FLEN, real);
            }
        }
        int res = wq + 4 * BLOCK;
        for (int r = 0; r < rows; r++) {
            for (int half = 0; half < 2; half++) {
                int ar = (ACCS * r + 9 * half) * FLEN;
                FloatVector a0 = FloatVector.fromArray(F, scratch, ar), a1 = FloatVector.fromArray(F, scratch, ar + FLEN);
                FloatVector a2 = FloatVector.fromArray(F, scratch, ar + 2 * FLEN), a3 = FloatVector.fromArray(F, scratch, ar + 3 * FLEN);
                FloatVector a4 = FloatVector.fromArray(F, scratch, ar + 4 * FLEN), a5 = FloatVector.fromArray(F, scratch, ar + 5 * FLEN);
                FloatVector a6 = FloatVector.fromArray(F, scratch, ar + 6 * FLEN), a7 = FloatVector.fromArray(F, scratch, ar + 7 * FLEN);
                // hsum_float_8(acc) + summs
                a0.add(a4).add(a2.add(a6)).add(a1.add(a5).add(a3.add(a7))).add(FloatVector.fromArray(F, scratch, ar + 8 * FLEN)).intoArray(scratch, res);
                int n = half == 0 ? valid : valid2, t0 = (tile + half) * FLEN;
                for (int lane = 0; lane < n; lane++) out[(t0 + lane) * outStride + rowStart + r] = scratch[res + lane];
            }
        }
    }

    /**
     * ggml's quantize_row_q5_K_ref: as Q4_K with nmax 31 and the search parameters rmin −0.5,
     * nstep 15 ({@link KQuant45Encoder}); quants above 15 put their fifth bit in qh.
     */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        KQuant45Encoder enc = new KQuant45Encoder(31, -0.5f, 0.1f, 15);
        for (int b = 0; b < count / BLOCK; b++) {
            long off = dstOffset + (long) b * BYTES;
            enc.encode(src, srcOffset + b * BLOCK, dst, off + D, off + DMIN, off + SCALES);
            byte[] L = enc.quants;
            for (int l = 0; l < 32; l++) {
                int qh = 0;
                for (int c = 0; c < 4; c++) {
                    int l1 = L[64 * c + l], l2 = L[64 * c + 32 + l];
                    qh |= (l1 >>> 4) << (2 * c) | (l2 >>> 4) << (2 * c + 1);
                    dst.set(BYTE, off + QS + 32 * c + l, (byte) ((l1 & 0xF) | (l2 & 0xF) << 4));
                }
                dst.set(BYTE, off + QH + l, (byte) qh);
            }
        }
    }
}
