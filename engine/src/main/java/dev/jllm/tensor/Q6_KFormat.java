package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.BYTE;
import static dev.jllm.tensor.Simd.B_FOR_F;
import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.LE;
import static dev.jllm.tensor.Simd.LONG_LE;
import static dev.jllm.tensor.Simd.SHORT_LE;
import static dev.jllm.tensor.Simd.f16;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
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
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            int[] lane = new int[8];
            for (int v = 0; v < BLOCK; v++) lane[(v & 31) / 4] += scale(data, off, v / 16) * quant(data, off, v) * x.quants[q8 + v];
            float d = x.scales[xb + b] * f16(data, off + D);
            for (int m = 0; m < 8; m++) acc[m] = Math.fma(d, (float) lane[m], acc[m]);
        }
        return QuantMath.hsumFloat8(acc);
    }

    /** Per super-block: the 16 int8 scales read as two longs, the lanes from {@link #superBlock}. */
    @Override
    public float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float[] xq = x.quantsAsFloat;
        float[] sc = new float[16];
        float[] pos = new float[32], lane = new float[8], acc = new float[8];
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            for (int half = 0; half < 2; half++) {
                long word = data.get(LONG_LE, off + SCALES + 8 * half);
                for (int i = 0; i < 8; i++) sc[8 * half + i] = (byte) (word >>> (8 * i));
            }
            superBlock(data, off, sc, xq, (xb + b) * BLOCK, pos);
            QuantMath.laneSums(pos, lane);
            float d = x.scales[xb + b] * f16(data, off + D);
            for (int k = 0; k < 8; k++) acc[k] = Math.fma(d, lane[k], acc[k]);
        }
        return QuantMath.hsumFloat8(acc);
    }

    /**
     * The hot loop: pos[p] = Σ s_{v/16}·q_v·x_v over the 8 values v at position p (0–31) of
     * the super-block's groups of 32. Per FLEN positions and half, two ql loads and one qh load
     * give the 4·FLEN quants of k = 0..3, assembled in byte lanes, widened, multiplied by their
     * int8 scale and FMA'd with the activation quants. A lane collects 8 terms of
     * |q·s·x| ≤ 32·128·127, an exact integer in float. Stored to {@code pos} so that no vector
     * crosses a method boundary.
     */
    private static void superBlock(MemorySegment data, long off, float[] sc, float[] xq, int q8, float[] pos) {
        for (int l = 0; l < 32; l += FLEN) {
            FloatVector block = FloatVector.zero(F);
            for (int h = 0; h < 2; h++) {
                ByteVector qlA = ByteVector.fromMemorySegment(B_FOR_F, data, off + QL + 64 * h + l, LE);
                ByteVector qlB = ByteVector.fromMemorySegment(B_FOR_F, data, off + QL + 64 * h + 32 + l, LE);
                ByteVector qh = ByteVector.fromMemorySegment(B_FOR_F, data, off + QH + 32 * h + l, LE);
                for (int k = 0; k < 4; k++) {
                    ByteVector ql = (k & 1) == 0 ? qlA : qlB;
                    ByteVector low = k < 2 ? ql.and((byte) 0xF) : ql.lanewise(VectorOperators.LSHR, 4);
                    ByteVector high = qh.lanewise(VectorOperators.LSHR, 2 * k).and((byte) 3).lanewise(VectorOperators.LSHL, 4);
                    FloatVector q = (FloatVector) low.or(high).sub((byte) 32).convertShape(VectorOperators.B2F, F, 0);
                    int v = 128 * h + 32 * k + l;
                    block = q.mul(sc[v / 16]).fma(FloatVector.fromArray(F, xq, q8 + v), block);
                }
            }
            block.intoArray(pos, l);
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
