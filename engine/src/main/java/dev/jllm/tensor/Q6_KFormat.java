package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.BYTE;
import static dev.jllm.tensor.Simd.B_FOR_F;
import static dev.jllm.tensor.Simd.B_2F;
import static dev.jllm.tensor.Simd.S_2F;
import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.LE;
import static dev.jllm.tensor.Simd.LONG_LE;
import static dev.jllm.tensor.Simd.SHORT_LE;
import static dev.jllm.tensor.Simd.f16;
import static dev.jllm.tensor.Simd.I_FOR_F;
import static dev.jllm.tensor.Simd.INT_PAIR_SWAP;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorOperators;

/**
 * Q6_K: super-blocks of 256 values in 210 bytes ({@code block_q6_K}):
 * <pre>
 *    0  ql[128]     low 4 bits
 *  128  qh[64]      high 2 bits
 *  192  scales[16]  int8 scale per 16 values
 *  208  d           F16 super-block scale
 * </pre>
 * Value v = 128·h + 32·k + l (h ∈ {0,1}, k ∈ 0..3, l ∈ 0..31): its low 4 bits are the low
 * (k ∈ {0,1}) or high (k ∈ {2,3}) nibble of ql[64h + 32·(k mod 2) + l], its high 2 bits are bits
 * 2k..2k+1 of qh[32h + l]; q = (low | high·16) − 32 ∈ [−32, 31] and v decodes to
 * d·scales[v/16]·q. Activations are Q8_K.
 */
final class Q6_KFormat implements TensorFormat {
    static final int BLOCK = 256, BYTES = 210;
    private static final int QL = 0, QH = 128, SCALES = 192, D = 208;

    @Override public GGMLType type() { return GGMLType.Q6_K; }
    @Override public GGMLType activationType() { return GGMLType.Q8_K; }

    /**
     * Weight rows per call of the batched kernel: its accumulators (a few vectors per row) stay
     * in L1, and C2 compiles the kernel after enough calls — a call running over a whole
     * 8192-row range stays in slower code meanwhile, and its accumulators spill to L2 or memory.
     */
    private static final int ROWS_PER_CALL = 16;

    private static int quant(MemorySegment data, long off, int v) {
        int h = v / 128, k = (v / 32) & 3, l = v & 31;
        int lowByte = data.get(BYTE, off + QL + 64 * h + 32 * (k & 1) + l) & 0xFF;
        int low = k < 2 ? lowByte & 0xF : lowByte >>> 4;
        int high = ((data.get(BYTE, off + QH + 32 * h + l) & 0xFF) >>> (2 * k)) & 3;
        return (low | high << 4) - 32;
    }

    private static int scale(MemorySegment data, long off, int j) {
        return data.get(BYTE, off + SCALES + j);
    }

    @Override
    public void dequantize(MemorySegment data, long first, float[] out, int outOffset, int count) {
        long block0 = first / BLOCK;
        for (int b = 0; b < count / BLOCK; b++) {
            long off = (block0 + b) * BYTES;
            float d = f16(data, off + D);
            int o = outOffset + b * BLOCK;
            for (int v = 0; v < BLOCK; v++) out[o + v] = d * scale(data, off, v / 16) * quant(data, off, v);
        }
    }

    /*
     * Float order of llama.cpp's x86 ggml_vec_dot_q6_K_q8_K (AVX2 branch of arch/x86/quants.c;
     * x86 does not repack Q6_K): per super-block the 8 int32 lanes of
     * _mm256_madd_epi16(scales, maddubs(q, x) − maddubs(32, x)) — lane m holds, summed over the
     * 8 groups of 32 values, scales_{v/16} · Σ (q−32)·x over positions 4m … 4m+3 of the group —
     * are folded into an 8-lane float accumulator acc_m = fma(d·d_x, lane_m, acc_m), and the
     * result is hsum_float_8(acc).
     */

    /** Scalar twin: the same lanes and float order, from the per-value definition. */
    @Override
    public float dotScalar(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float[] acc = new float[8];
        int[] lane = new int[8]; // one per call: the twins also serve as the kernels where vectors are narrow
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            java.util.Arrays.fill(lane, 0);
            for (int v = 0; v < BLOCK; v++) lane[(v & 31) / 4] += scale(data, off, v / 16) * quant(data, off, v) * x.quants[q8 + v];
            float d = x.scales[xb + b] * f16(data, off + D);
            for (int m = 0; m < 8; m++) acc[m] = Math.fma(d, (float) lane[m], acc[m]);
        }
        return QuantMath.hsumFloat8(acc);
    }

    /**
     * The same lanes and float order with 32-lane short vectors (512 bits), in integer lanes
     * like llama.cpp's maddubs/madd: per super-block the six 32-byte loads of ql and qh give
     * the 6-bit quants of the 8 groups of 32 (k = 0..3 in each half h) in 16-bit lanes;
     * (q − 32)·x fits in 16 bits (|·| ≤ 4096); (p + (p << 16)) >> 16 adds the two products of
     * each int lane (positions 2i, 2i+1 of the group); times the int8 scale of the lane's 16
     * positions (lanes 0–7 scale 2k of the half, 8–15 scale 2k+1, by a constant shuffle of the
     * 16 scales widened to ints); the 8 groups summed in int lanes. Adding neighbouring lanes
     * leaves ggml's lane m (positions 4m … 4m+3) in lane 2m, exact, and acc = fma(lane, d·d_x,
     * acc) runs lane-wise. No loop inside the super-block (see Q4_K). 2× the float-lane kernel
     * on 8192×2048 and 1.8× on 128256×2048, single thread (11.0 vs 5.5, 14.3 vs 8.0 GB/s).
     *
     * <p>Known fragility: this method fills C2's inlining budget (its last helper call,
     * KernelScratch.small, is never inlined), and in about one process in ten (a Qwen2-shaped
     * Q4_K_M file, whose Q6_K output matrix makes it hot) C2 compiled it with one Vector API
     * {@code lanewise} left as a call, boxing vectors: 16-20 MiB of garbage per decoded token and
     * 10-20% slower decoding for that process. Found by recording allocations with JFR once
     * decoding had started ({@code jcmd PID JFR.start}). A two-trip loop over the halves halves
     * the code C2 must inline but ran 15% slower when compiled well (JMH 8192x2048: 16.6 against
     * 19.7 GB/s), so it was not kept; warming the super-block kernels up before the others
     * (GemvWarmUp) made it go away: 0 of 32 runs against about 1 in 8 before.
     */
    private static float dotWide(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        short[] xs = x.quantsAsShort;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            // the 16 int8 scales are the last 16 of the 32 bytes before d: one load and widening in
            // the byte and short shapes the kernel uses anyway (a second byte shape in one kernel
            // is what the rules in Simd keep out)
            IntVector sc = (IntVector) ((ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + SCALES - 16, LE).convertShape(VectorOperators.B2S, S_2F, 0))
                    .convertShape(VectorOperators.S2I, I_FOR_F, 1);
            ShortVector qlA0 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QL, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector qlB0 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QL + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector qh0 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QH, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector qlA1 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QL + 64, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector qlB1 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QL + 96, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector qh1 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QH + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            IntVector p00 = (IntVector) qlA0.and((short) 15).or(qh0.lanewise(VectorOperators.LSHL, 4).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S_2F, xs, q8 + 0)).reinterpretShape(I_FOR_F, 0);
            p00 = p00.add(p00.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sc.rearrange(SCALE_00));
            IntVector p01 = (IntVector) qlB0.and((short) 15).or(qh0.lanewise(VectorOperators.LSHL, 2).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S_2F, xs, q8 + 32)).reinterpretShape(I_FOR_F, 0);
            p01 = p01.add(p01.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sc.rearrange(SCALE_01));
            IntVector p02 = (IntVector) qlA0.lanewise(VectorOperators.LSHR, 4).or(qh0.and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S_2F, xs, q8 + 64)).reinterpretShape(I_FOR_F, 0);
            p02 = p02.add(p02.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sc.rearrange(SCALE_02));
            IntVector p03 = (IntVector) qlB0.lanewise(VectorOperators.LSHR, 4).or(qh0.lanewise(VectorOperators.LSHR, 2).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S_2F, xs, q8 + 96)).reinterpretShape(I_FOR_F, 0);
            p03 = p03.add(p03.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sc.rearrange(SCALE_03));
            IntVector p10 = (IntVector) qlA1.and((short) 15).or(qh1.lanewise(VectorOperators.LSHL, 4).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S_2F, xs, q8 + 128)).reinterpretShape(I_FOR_F, 0);
            p10 = p10.add(p10.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sc.rearrange(SCALE_10));
            IntVector p11 = (IntVector) qlB1.and((short) 15).or(qh1.lanewise(VectorOperators.LSHL, 2).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S_2F, xs, q8 + 160)).reinterpretShape(I_FOR_F, 0);
            p11 = p11.add(p11.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sc.rearrange(SCALE_11));
            IntVector p12 = (IntVector) qlA1.lanewise(VectorOperators.LSHR, 4).or(qh1.and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S_2F, xs, q8 + 192)).reinterpretShape(I_FOR_F, 0);
            p12 = p12.add(p12.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sc.rearrange(SCALE_12));
            IntVector p13 = (IntVector) qlB1.lanewise(VectorOperators.LSHR, 4).or(qh1.lanewise(VectorOperators.LSHR, 2).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S_2F, xs, q8 + 224)).reinterpretShape(I_FOR_F, 0);
            p13 = p13.add(p13.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul(sc.rearrange(SCALE_13));
            IntVector sum = p00.add(p01).add(p02.add(p03)).add(p10.add(p11).add(p12.add(p13)));
            sum = sum.add(sum.rearrange(INT_PAIR_SWAP)); // lane 2m: ggml's lane m
            float d = x.scales[xb + b] * Float.float16ToFloat(data.get(SHORT_LE, off + D));
            acc = ((FloatVector) sum.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, d), acc);
        }
        float[] lanes = KernelScratch.small();
        acc.intoArray(lanes, 0);
        float r0 = lanes[0] + lanes[8], r1 = lanes[2] + lanes[10], r2 = lanes[4] + lanes[12], r3 = lanes[6] + lanes[14];
        return (r0 + r2) + (r1 + r3);
    }

    /** Lane i of a group's scale vector: scale 8h + 2k for positions 0–15 (int lanes 0–7), 8h + 2k + 1 after. */
    private static final VectorShuffle<Integer> SCALE_00 = VectorShuffle.fromOp(I_FOR_F, i -> 0 + (i < 8 ? 0 : 1));
    private static final VectorShuffle<Integer> SCALE_01 = VectorShuffle.fromOp(I_FOR_F, i -> 2 + (i < 8 ? 0 : 1));
    private static final VectorShuffle<Integer> SCALE_02 = VectorShuffle.fromOp(I_FOR_F, i -> 4 + (i < 8 ? 0 : 1));
    private static final VectorShuffle<Integer> SCALE_03 = VectorShuffle.fromOp(I_FOR_F, i -> 6 + (i < 8 ? 0 : 1));
    private static final VectorShuffle<Integer> SCALE_10 = VectorShuffle.fromOp(I_FOR_F, i -> 8 + (i < 8 ? 0 : 1));
    private static final VectorShuffle<Integer> SCALE_11 = VectorShuffle.fromOp(I_FOR_F, i -> 10 + (i < 8 ? 0 : 1));
    private static final VectorShuffle<Integer> SCALE_12 = VectorShuffle.fromOp(I_FOR_F, i -> 12 + (i < 8 ? 0 : 1));
    private static final VectorShuffle<Integer> SCALE_13 = VectorShuffle.fromOp(I_FOR_F, i -> 14 + (i < 8 ? 0 : 1));
    /** One weight row against activation row {@code xRow}, in the lanes and float order above. */
    @Override
    public float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        if (FLEN == 16) return dotWide(data, rowOffset, x, xRow, cols);
        return FLEN == 8 ? dotNarrow(data, rowOffset, x, xRow, cols) : dot128(data, rowOffset, x, xRow, cols);
    }

    /**
     * The same lanes and float order with 128-bit vectors (NEON, SSE): positions l … l+7 of
     * each group of 32 (l = 0, 8, 16, 24) in 8 short lanes, (q − 32)·x there, adjacent
     * products added as ints ((p + (p << 16)) >> 16: |Σ| ≤ 2·32·127 fits 16 bits), times the
     * scale of those positions, summed per l over the 8 groups of the super-block — int lane j
     * of sums[l/8] holds positions l+2j, l+2j+1, exact. ggml's lane m (positions 4m … 4m+3)
     * is then the sum of two of those lanes, and the 8 FMAs and the final hsum_float_8 are the
     * scalar twin's, in scalar code.
     */
    private static float dot128(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        short[] xs = x.quantsAsShort;
        int[] sums = KernelScratch.ints(4 * FLEN);
        float[] acc = KernelScratch.small();
        java.util.Arrays.fill(acc, 0, 8, 0f);
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            for (int l = 0; l < 32; l += 2 * FLEN) {
                IntVector sum = IntVector.zero(I_FOR_F);
                for (int h = 0; h < 2; h++) {
                    ShortVector qlA = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QL + 64 * h + l, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
                    ShortVector qlB = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QL + 64 * h + 32 + l, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
                    ShortVector qh = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QH + 32 * h + l, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
                    int v = q8 + 128 * h + l;
                    IntVector p0 = (IntVector) qlA.and((short) 15).or(qh.lanewise(VectorOperators.LSHL, 4).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S_2F, xs, v)).reinterpretShape(I_FOR_F, 0);
                    IntVector p1 = (IntVector) qlB.and((short) 15).or(qh.lanewise(VectorOperators.LSHL, 2).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S_2F, xs, v + 32)).reinterpretShape(I_FOR_F, 0);
                    IntVector p2 = (IntVector) qlA.lanewise(VectorOperators.LSHR, 4).or(qh.and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S_2F, xs, v + 64)).reinterpretShape(I_FOR_F, 0);
                    IntVector p3 = (IntVector) qlB.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 2).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S_2F, xs, v + 96)).reinterpretShape(I_FOR_F, 0);
                    long g = off + SCALES + 8 * h + l / 16; // the scale of group k at these positions is byte g + 2k
                    sum = sum.add(p0.add(p0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul((int) data.get(BYTE, g)))
                            .add(p1.add(p1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul((int) data.get(BYTE, g + 2)))
                            .add(p2.add(p2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul((int) data.get(BYTE, g + 4)))
                            .add(p3.add(p3.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul((int) data.get(BYTE, g + 6)));
                }
                sum.intoArray(sums, l / 2);
            }
            float d = x.scales[xb + b] * f16(data, off + D);
            for (int m = 0; m < 8; m++) acc[m] = Math.fma(d, (float) (sums[2 * m] + sums[2 * m + 1]), acc[m]);
        }
        return QuantMath.hsumFloat8(acc);
    }

    /**
     * {@link #dotWide} for 256-bit vectors, 16 positions of a group per vector: the positions
     * l … l+15 (l = 0, 16) of the 8 groups take one scale each (broadcast), and their ggml lanes
     * 4·(l/16) … 4·(l/16)+3 end in int lanes 0, 2, 4, 6 of the half's own accumulator, stored
     * after the first half's so that ggml's lane m ends at index 2m. 2× the float-lane form
     * with -XX:UseAVX=2 (8192×2048, single thread).
     */
    private static float dotNarrow(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        short[] xs = x.quantsAsShort;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0; // positions 0–15 of the groups, then 16–31
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            long sLo = data.get(LONG_LE, off + SCALES), sHi = data.get(LONG_LE, off + SCALES + 8);
            FloatVector d = FloatVector.broadcast(F, x.scales[xb + b] * Float.float16ToFloat(data.get(SHORT_LE, off + D)));
            for (int l = 0; l < 32; l += 16) {
                IntVector sum = IntVector.zero(I_FOR_F);
                for (int h = 0; h < 2; h++) {
                    long sw = (h == 0 ? sLo : sHi) >>> (8 * (l / 16)); // byte 2k: the scale of group k at these positions
                    ShortVector qlA = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QL + 64 * h + l, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
                    ShortVector qlB = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QL + 64 * h + 32 + l, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
                    ShortVector qh = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QH + 32 * h + l, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
                    int v = q8 + 128 * h + l;
                    IntVector p0 = (IntVector) qlA.and((short) 15).or(qh.lanewise(VectorOperators.LSHL, 4).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S_2F, xs, v)).reinterpretShape(I_FOR_F, 0);
                    IntVector p1 = (IntVector) qlB.and((short) 15).or(qh.lanewise(VectorOperators.LSHL, 2).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S_2F, xs, v + 32)).reinterpretShape(I_FOR_F, 0);
                    IntVector p2 = (IntVector) qlA.lanewise(VectorOperators.LSHR, 4).or(qh.and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S_2F, xs, v + 64)).reinterpretShape(I_FOR_F, 0);
                    IntVector p3 = (IntVector) qlB.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 2).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S_2F, xs, v + 96)).reinterpretShape(I_FOR_F, 0);
                    sum = sum.add(p0.add(p0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul((int) (byte) sw))
                            .add(p1.add(p1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul((int) (byte) (sw >>> 16)))
                            .add(p2.add(p2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul((int) (byte) (sw >>> 32)))
                            .add(p3.add(p3.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).mul((int) (byte) (sw >>> 48)));
                }
                sum = sum.add(sum.rearrange(INT_PAIR_SWAP)); // int lane 2m': ggml's lane l/4 + m'
                FloatVector lanes = (FloatVector) sum.convertShape(VectorOperators.I2F, F, 0);
                if (l == 0) acc0 = lanes.fma(d, acc0);
                else acc1 = lanes.fma(d, acc1);
            }
        }
        float[] lanes = KernelScratch.small();
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, FLEN);
        float r0 = lanes[0] + lanes[8], r1 = lanes[2] + lanes[10], r2 = lanes[4] + lanes[12], r3 = lanes[6] + lanes[14];
        return (r0 + r2) + (r1 + r3);
    }

    @Override
    public void matvec(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x, int xRow,
                       float[] out, int outOffset) {
        for (int r = rowStart; r < rowEnd; r++) out[outOffset + r - rowStart] = dot(data, r * rowBytes, x, xRow, x.cols());
    }

    /**
     * Batches with lanes = tokens, in the gemv's float order token by token (see
     * {@link EightLaneGemm}): per super-block, rows in fours, the 256 values s·q of each row
     * decoded with SIMD into scratch, then {@link EightLaneGemm#laneSums} for ggml's 8 lanes,
     * and hsum_float_8 of the 8 accumulators at the end, lane-wise too. Super-blocks are the
     * outer loop so that the tiles' activations for one stay close; each row's 2 × 8
     * accumulators wait in scratch meanwhile. (Rows in pairs with the activations read in place
     * took 1.5× as long: JMH 2048×8192, 32 tokens.)
     */
    @Override
    public void matmul(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x,
                       float[] out, int outStride) {
        int xAt = 16 * ROWS_PER_CALL * FLEN + 4 * BLOCK + FLEN;
        float[] scratch = KernelScratch.floats(xAt + 2 * x.cols() * FLEN);
        for (int tile = 0; tile < x.tiles(); tile += 2) {
            int valid = Math.min(FLEN, x.count() - tile * FLEN), valid2 = Math.max(0, Math.min(FLEN, x.count() - (tile + 1) * FLEN));
            EightLaneGemm.toLaneOrder(x.quantsByToken, tile, x.cols(), scratch, xAt);
            for (int r = rowStart; r < rowEnd; r += ROWS_PER_CALL) {
                gemmTilePair(data, rowBytes, r, Math.min(r + ROWS_PER_CALL, rowEnd), x, tile, valid, valid2, scratch, xAt, out, outStride);
            }
        }
    }

    private static void gemmTilePair(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x, int tile, int valid, int valid2,
                                     float[] scratch, int xAt, float[] out, int outStride) {
        int cols = x.cols(), nb = cols / BLOCK, rows = rowEnd - rowStart;
        float[] st = x.scalesByToken;
        // scratch[16·r·FLEN …]: row r's 8 accumulators for the first tile, then for the second
        int wq = 16 * rows * FLEN; // four rows' decoded super-blocks: scratch[wq … wq + 1024)
        java.util.Arrays.fill(scratch, 0, wq, 0f);
        for (int b = 0; b < nb; b++) {
            int xv = xAt + b * BLOCK * FLEN, xw = xv + cols * FLEN; // scratch, lane order
            // rows in fours, sharing each activation load between four FMAs (the last rows of
            // a range that is not a multiple of 4 repeat its last row; duplicates are dropped)
            for (int r0 = 0; r0 < rows; r0 += 4) {
                int real = Math.min(4, rows - r0);
                for (int i = 0; i < real; i++) {
                    // row r0 + i decoded to scratch[wq + 256·i …]
                    long off = (rowStart + r0 + i) * rowBytes + (long) b * BYTES;
                    long sLo = data.get(LONG_LE, off + SCALES), sHi = data.get(LONG_LE, off + SCALES + 8);
                    for (int h = 0; h < 2; h++) {
                        long sw = h == 0 ? sLo : sHi;
                        for (int l = 0; l < 32; l += FLEN) {
                            IntVector qlA = (IntVector) ByteVector.fromMemorySegment(B_FOR_F, data, off + QL + 64 * h + l, LE).convertShape(VectorOperators.B2I, I_FOR_F, 0);
                            IntVector qlB = (IntVector) ByteVector.fromMemorySegment(B_FOR_F, data, off + QL + 64 * h + 32 + l, LE).convertShape(VectorOperators.B2I, I_FOR_F, 0);
                            IntVector qh = (IntVector) ByteVector.fromMemorySegment(B_FOR_F, data, off + QH + 32 * h + l, LE).convertShape(VectorOperators.B2I, I_FOR_F, 0);
                            int v = wq + BLOCK * i + 128 * h + l;
                            ((FloatVector) qlA.and(15).or(qh.lanewise(VectorOperators.LSHL, 4).and(48)).sub(32).convertShape(VectorOperators.I2F, F, 0))
                                    .mul(FloatVector.broadcast(F, (float) (byte) (sw >>> 8 * (l >> 4)))).intoArray(scratch, v);
                            ((FloatVector) qlB.and(15).or(qh.lanewise(VectorOperators.LSHL, 2).and(48)).sub(32).convertShape(VectorOperators.I2F, F, 0))
                                    .mul(FloatVector.broadcast(F, (float) (byte) (sw >>> 8 * (2 + (l >> 4))))).intoArray(scratch, v + 32);
                            ((FloatVector) qlA.lanewise(VectorOperators.ASHR, 4).and(15).or(qh.and(48)).sub(32).convertShape(VectorOperators.I2F, F, 0))
                                    .mul(FloatVector.broadcast(F, (float) (byte) (sw >>> 8 * (4 + (l >> 4))))).intoArray(scratch, v + 64);
                            ((FloatVector) qlB.lanewise(VectorOperators.ASHR, 4).and(15).or(qh.lanewise(VectorOperators.ASHR, 2).and(48)).sub(32).convertShape(VectorOperators.I2F, F, 0))
                                    .mul(FloatVector.broadcast(F, (float) (byte) (sw >>> 8 * (6 + (l >> 4))))).intoArray(scratch, v + 96);
                        }
                    }
                }
                int r1 = Math.min(r0 + 1, rows - 1), r2 = Math.min(r0 + 2, rows - 1), r3 = Math.min(r0 + 3, rows - 1);
                long sb = (long) b * BYTES + D;
                EightLaneGemm.laneSums(scratch, wq, xv, xw, st, (tile * nb + b) * FLEN, ((tile + 1) * nb + b) * FLEN,
                        f16(data, (rowStart + r0) * rowBytes + sb), f16(data, (rowStart + r1) * rowBytes + sb),
                        f16(data, (rowStart + r2) * rowBytes + sb), f16(data, (rowStart + r3) * rowBytes + sb),
                        16 * r0 * FLEN, 16 * r1 * FLEN, 16 * r2 * FLEN, 16 * r3 * FLEN, 8 * FLEN, real);
            }
        }
        int res = wq + 4 * BLOCK;
        for (int r = 0; r < rows; r++) {
            for (int half = 0; half < 2; half++) {
                int ar = (16 * r + 8 * half) * FLEN;
                FloatVector a0 = FloatVector.fromArray(F, scratch, ar), a1 = FloatVector.fromArray(F, scratch, ar + FLEN);
                FloatVector a2 = FloatVector.fromArray(F, scratch, ar + 2 * FLEN), a3 = FloatVector.fromArray(F, scratch, ar + 3 * FLEN);
                FloatVector a4 = FloatVector.fromArray(F, scratch, ar + 4 * FLEN), a5 = FloatVector.fromArray(F, scratch, ar + 5 * FLEN);
                FloatVector a6 = FloatVector.fromArray(F, scratch, ar + 6 * FLEN), a7 = FloatVector.fromArray(F, scratch, ar + 7 * FLEN);
                a0.add(a4).add(a2.add(a6)).add(a1.add(a5).add(a3.add(a7))).intoArray(scratch, res);
                int n = half == 0 ? valid : valid2, t0 = (tile + half) * FLEN;
                for (int lane = 0; lane < n; lane++) out[(t0 + lane) * outStride + rowStart + r] = scratch[res + lane];
            }
        }
    }

    /**
     * ggml's quantize_row_q6_K_ref: per 16 values make_qx_quants(nmax 32, weights x²), the 16
     * scales quantized to int8 against the one of largest magnitude (d = max/−128, scales
     * clamped to 127), then the quants recomputed from the F16-rounded scales. A super-block whose
     * scales are all below GROUP_MAX_EPS is written as zeros.
     */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        byte[] L = new byte[BLOCK];
        float[] scales = new float[16];
        for (int b = 0; b < count / BLOCK; b++) {
            int x = srcOffset + b * BLOCK;
            long off = dstOffset + (long) b * BYTES;
            float maxScale = 0, maxAbsScale = 0;
            for (int j = 0; j < 16; j++) {
                scales[j] = KQuantSearch.makeQxQuants(16, 32, src, x + 16 * j, L, 16 * j);
                float abs = Math.abs(scales[j]);
                if (abs > maxAbsScale) {
                    maxAbsScale = abs;
                    maxScale = scales[j];
                }
            }
            if (maxAbsScale < KQuantSearch.GROUP_MAX_EPS) {
                dst.asSlice(off, BYTES).fill((byte) 0);
                continue;
            }
            float iscale = -128.f / maxScale;
            short dBits = Float.floatToFloat16(1 / iscale);
            dst.set(SHORT_LE, off + D, dBits);
            float dq = Float.float16ToFloat(dBits);
            for (int j = 0; j < 16; j++) {
                byte sc = (byte) Math.min(127, QuantMath.nearestInt(iscale * scales[j]));
                dst.set(BYTE, off + SCALES + j, sc);
                float d = dq * sc;
                if (d == 0) continue;
                for (int i = 0; i < 16; i++) {
                    int l = QuantMath.nearestInt(src[x + 16 * j + i] / d);
                    L[16 * j + i] = (byte) (Math.max(-32, Math.min(31, l)) + 32);
                }
            }
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l++) {
                    int j = 128 * h + l;
                    int q1 = L[j], q2 = L[j + 32], q3 = L[j + 64], q4 = L[j + 96];
                    dst.set(BYTE, off + QL + 64 * h + l, (byte) ((q1 & 0xF) | (q3 & 0xF) << 4));
                    dst.set(BYTE, off + QL + 64 * h + 32 + l, (byte) ((q2 & 0xF) | (q4 & 0xF) << 4));
                    dst.set(BYTE, off + QH + 32 * h + l, (byte) ((q1 >>> 4) | (q2 >>> 4) << 2 | (q3 >>> 4) << 4 | (q4 >>> 4) << 6));
                }
            }
        }
    }
}
