package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.BYTE;
import static dev.jllm.tensor.Simd.B_2F;
import static dev.jllm.tensor.Simd.B_FOR_F;
import static dev.jllm.tensor.Simd.INT_LE;
import static dev.jllm.tensor.Simd.I_FOR_F;
import static dev.jllm.tensor.Simd.S_2F;
import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.LE;
import static dev.jllm.tensor.Simd.SHORT_LE;
import static dev.jllm.tensor.Simd.f16;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Q3_K: super-blocks of 256 values in 110 bytes ({@code block_q3_K}):
 * <pre>
 *    0  hmask[32]   high bits: bit 4h+k of hmask[l] belongs to value 128h + 32k + l
 *   32  qs[64]      low 2 bits: bits 2k..2k+1 of qs[32h + l] belong to value 128h + 32k + l
 *   96  scales[12]  16 signed 6-bit sub-block scales (see {@link KScales#scaleQ3})
 *  108  d           F16 super-block scale
 * </pre>
 * q = low2 − (high bit set ? 0 : 4) ∈ [−4, 3]; value v = d · s_{v/16} · q. Activations are Q8_K.
 */
final class Q3_KFormat implements SuperBlockFormat {
    static final int BLOCK = 256, BYTES = 110;
    private static final int HMASK = 0, QS = 32, SCALES = 96, D = 108;

    @Override public GGMLType type() { return GGMLType.Q3_K; }
    @Override public GGMLType activationType() { return GGMLType.Q8_K; }
    @Override public int groups() { return 1; }

    private static int u8(MemorySegment s, long off) {
        return s.get(BYTE, off) & 0xFF;
    }

    /** The signed 3-bit quant of value v of the super-block at {@code off}. */
    private static int quant(MemorySegment data, long off, int v) {
        int h = v / 128, k = (v / 32) & 3, l = v & 31;
        int low = (u8(data, off + QS + 32 * h + l) >>> (2 * k)) & 3;
        int high = (u8(data, off + HMASK + l) >>> (4 * h + k)) & 1;
        return low - (high != 0 ? 0 : 4);
    }

    @Override
    public void dequantize(MemorySegment data, long first, float[] out, int outOffset, int count) {
        long block0 = first / BLOCK;
        for (int b = 0; b < count / BLOCK; b++) {
            long off = (block0 + b) * BYTES;
            float d = f16(data, off + D);
            int o = outOffset + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                float dl = d * KScales.scaleQ3(data, off + SCALES, j);
                for (int i = 0; i < 16; i++) out[o + 16 * j + i] = dl * quant(data, off, 16 * j + i);
            }
        }
    }

    /**
     * ggml_vec_dot_q3_K_q8_K: isum = Σ_j s_j · Σ_{v∈j} q_v·x_v (integer), then d·d_x·isum.
     * (ggml's generic code spreads isum over 8 lanes and scales each; only float rounding differs.)
     */
    @Override
    public float dotScalar(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float sum = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            int isum = 0;
            for (int j = 0; j < 16; j++) {
                int s = 0;
                for (int i = 0; i < 16; i++) s += quant(data, off, 16 * j + i) * x.quants[q8 + 16 * j + i];
                isum += KScales.scaleQ3(data, off + SCALES, j) * s;
            }
            sum += f16(data, off + D) * x.scales[xb + b] * isum;
        }
        return sum;
    }

    @Override
    public float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        return FLEN == 16 ? dotWide(data, rowOffset, x, xRow, cols) : dotNarrow(data, rowOffset, x, xRow, cols);
    }

    /**
     * 512 bits, in 16-bit lanes (32 values a vector): the low bits of the 4 groups k of each
     * half h from one 32-byte load of qs, the high bits from one of hmask (shifted left by 2
     * once, so that bit 4h + k lands on bit 2 after a shift by 4h + k), q·x (|·| ≤ 508) times
     * the sub-block scale (|·| ≤ 32), two groups summed in short lanes (|·| ≤ 32512), then pairs
     * of lanes added into ints and the super-block reduced to the exact isum. The float step is
     * the scalar twin's, so the result is bit for bit. The 16 scales come into short lanes
     * 0-15 as described at {@link #scaleWord}.
     */
    private static float dotWide(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        short[] xs = x.quantsAsShort;
        float sum = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            int a0 = data.get(INT_LE, off + SCALES), a1 = data.get(INT_LE, off + SCALES + 4), a2 = data.get(INT_LE, off + SCALES + 8);
            IntVector words = IntVector.broadcast(I_FOR_F, scaleWord(a0, a1, a2, 0))
                    .blend(scaleWord(a0, a1, a2, 1), LANE_1).blend(scaleWord(a0, a1, a2, 2), LANE_2).blend(scaleWord(a0, a1, a2, 3), LANE_3);
            ShortVector sc = ((ShortVector) words.reinterpretShape(B_2F, 0).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0)).sub((short) 32);
            ShortVector hm = ((ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + HMASK, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0))
                    .lanewise(VectorOperators.LSHL, 2);
            ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            IntVector w0 = (IntVector) q0.and((short) 3).or(hm.and((short) 4)).sub((short) 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 0)).mul(sc.rearrange(KScales.GROUP_0))
                    .add(q0.lanewise(VectorOperators.LSHR, 2).and((short) 3).or(hm.lanewise(VectorOperators.LSHR, 1).and((short) 4)).sub((short) 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 32)).mul(sc.rearrange(KScales.GROUP_1))).reinterpretShape(I_FOR_F, 0);
            IntVector w1 = (IntVector) q0.lanewise(VectorOperators.LSHR, 4).and((short) 3).or(hm.lanewise(VectorOperators.LSHR, 2).and((short) 4)).sub((short) 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 64)).mul(sc.rearrange(KScales.GROUP_2))
                    .add(q0.lanewise(VectorOperators.LSHR, 6).and((short) 3).or(hm.lanewise(VectorOperators.LSHR, 3).and((short) 4)).sub((short) 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 96)).mul(sc.rearrange(KScales.GROUP_3))).reinterpretShape(I_FOR_F, 0);
            IntVector w2 = (IntVector) q1.and((short) 3).or(hm.lanewise(VectorOperators.LSHR, 4).and((short) 4)).sub((short) 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 128)).mul(sc.rearrange(KScales.GROUP_4))
                    .add(q1.lanewise(VectorOperators.LSHR, 2).and((short) 3).or(hm.lanewise(VectorOperators.LSHR, 5).and((short) 4)).sub((short) 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 160)).mul(sc.rearrange(KScales.GROUP_5))).reinterpretShape(I_FOR_F, 0);
            IntVector w3 = (IntVector) q1.lanewise(VectorOperators.LSHR, 4).and((short) 3).or(hm.lanewise(VectorOperators.LSHR, 6).and((short) 4)).sub((short) 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 192)).mul(sc.rearrange(KScales.GROUP_6))
                    .add(q1.lanewise(VectorOperators.LSHR, 6).and((short) 3).or(hm.lanewise(VectorOperators.LSHR, 7).and((short) 4)).sub((short) 4).mul(ShortVector.fromArray(S_2F, xs, q8 + 224)).mul(sc.rearrange(KScales.GROUP_7))).reinterpretShape(I_FOR_F, 0);
            // each int lane holds two short lanes: sign-extend both halves and add
            IntVector lanes = w0.lanewise(VectorOperators.ASHR, 16).add(w0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .add(w1.lanewise(VectorOperators.ASHR, 16).add(w1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)))
                    .add(w2.lanewise(VectorOperators.ASHR, 16).add(w2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)))
                    .add(w3.lanewise(VectorOperators.ASHR, 16).add(w3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)));
            // the half float read here, not through Simd.f16: this method spends C2's inlining budget and the call would stay a call
            sum += Float.float16ToFloat(data.get(SHORT_LE, off + D)) * x.scales[xb + b] * lanes.reduceLanes(VectorOperators.ADD);
        }
        return sum;
    }

    /*
     * Scale j: low 4 bits in byte j mod 8 (low nibble for j < 8, high after), high 2 bits in
     * byte 8 + j mod 4 (bits 2·(j/4) and up). The kernels unpack them four to an int (SWAR,
     * scaleWord); dotWide puts the four words in int lanes 0-3 by a broadcast and three
     * blends, whose low 16 bytes are then the 16 scales in order. Not by byte shuffles and
     * variable shifts of short lanes from one load: C2's code for that, in about one
     * test-suite run in four (2026-11-29, JDK 25.0.3, AVX-512), gave wrong sums for every row
     * (the same wrong values each time, the other JVMs and the interpreter right). Not by
     * scalar stores and a vector load either: the load waits for the stores (store
     * forwarding fails), JMH 8192×2048 at 512 bits 420 ops/s against 700 for this form.
     */
    private static final VectorMask<Integer> LANE_1 = VectorMask.fromLong(I_FOR_F, 2), LANE_2 = VectorMask.fromLong(I_FOR_F, 4), LANE_3 = VectorMask.fromLong(I_FOR_F, 8);

    /** Scales 4w to 4w + 3 as the bytes of one int, unsigned (the −32 is left to the caller); a0-a2 are the 12 scale bytes. */
    private static int scaleWord(int a0, int a1, int a2, int w) {
        return ((w & 1) == 0 ? a0 : a1) >>> 4 * (w >> 1) & 0x0F0F0F0F | (a2 >>> 2 * w & 0x03030303) << 4;
    }

    /**
     * {@link #dotWide} for 256- and 128-bit vectors: 2·FLEN values of a group per vector, which
     * lie in one sub-block, so its scale is a broadcast. The scales are decoded in scalar code by
     * {@link #scaleWord}: 8-byte vectors cannot hold the 12 scale bytes, and with 256 bits this
     * beat the broadcast-and-blend unpacking of dotWide followed by two widenings to ints (JMH
     * 8192×2048, -XX:UseAVX=2, 3 interleaved rounds: 410 against 371 ops/s). A call to
     * {@link KScales#scaleQ3} here, left out of line, boxed the vectors: 10 ops/s against 192.
     */
    private static float dotNarrow(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        short[] xs = x.quantsAsShort;
        int[] sc = KernelScratch.ints(16);
        float sum = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            int a0 = data.get(INT_LE, off + SCALES), a1 = data.get(INT_LE, off + SCALES + 4), a2 = data.get(INT_LE, off + SCALES + 8);
            for (int w = 0; w < 4; w++) {
                int word = scaleWord(a0, a1, a2, w);
                for (int i = 0; i < 4; i++) sc[4 * w + i] = (word >>> 8 * i & 0xFF) - 32;
            }
            IntVector lanes = IntVector.zero(I_FOR_F);
            for (int l = 0; l < 32; l += 2 * FLEN) {
                ShortVector hm = ((ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + HMASK + l, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0))
                        .lanewise(VectorOperators.LSHL, 2);
                for (int h = 0; h < 2; h++) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 32 * h + l, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
                    int v = q8 + 128 * h + l, j = 8 * h + l / 16; // sub-block of group k: j + 2k
                    IntVector p01 = (IntVector) q.and((short) 3).or(hm.lanewise(VectorOperators.LSHR, 4 * h).and((short) 4)).sub((short) 4)
                            .mul(ShortVector.fromArray(S_2F, xs, v)).mul((short) sc[j])
                            .add(q.lanewise(VectorOperators.LSHR, 2).and((short) 3).or(hm.lanewise(VectorOperators.LSHR, 4 * h + 1).and((short) 4)).sub((short) 4)
                                    .mul(ShortVector.fromArray(S_2F, xs, v + 32)).mul((short) sc[j + 2])).reinterpretShape(I_FOR_F, 0);
                    IntVector p23 = (IntVector) q.lanewise(VectorOperators.LSHR, 4).and((short) 3).or(hm.lanewise(VectorOperators.LSHR, 4 * h + 2).and((short) 4)).sub((short) 4)
                            .mul(ShortVector.fromArray(S_2F, xs, v + 64)).mul((short) sc[j + 4])
                            .add(q.lanewise(VectorOperators.LSHR, 6).or(hm.lanewise(VectorOperators.LSHR, 4 * h + 3).and((short) 4)).sub((short) 4)
                                    .mul(ShortVector.fromArray(S_2F, xs, v + 96)).mul((short) sc[j + 6])).reinterpretShape(I_FOR_F, 0);
                    lanes = lanes.add(p01.lanewise(VectorOperators.ASHR, 16)).add(p01.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                            .add(p23.lanewise(VectorOperators.ASHR, 16)).add(p23.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                }
            }
            sum += f16(data, off + D) * x.scales[xb + b] * lanes.reduceLanes(VectorOperators.ADD);
        }
        return sum;
    }

    /** For the batched product: weights s_{v/16}·q_v (−128 … 128) in one group of factor 1. */
    @Override
    public void decodeSuperBlock(MemorySegment data, long rowOffset, int b, float[] f, int at) {
        long off = rowOffset + (long) b * BYTES;
        float[] sc = KernelScratch.small();
        KScales.decodeQ3(data, off + SCALES, sc);
        f[at + SCALE_AT] = f16(data, off + D);
        f[at + GROUP_SCALES_AT] = 1;
        for (int l = 0; l < 32; l += FLEN) {
            ByteVector hmask = ByteVector.fromMemorySegment(B_FOR_F, data, off + HMASK + l, LE);
            for (int h = 0; h < 2; h++) {
                ByteVector low = ByteVector.fromMemorySegment(B_FOR_F, data, off + QS + 32 * h + l, LE);
                for (int k = 0; k < 4; k++) {
                    int v = 128 * h + 32 * k + l;
                    ByteVector high = hmask.lanewise(VectorOperators.LSHR, 4 * h + k).and((byte) 1).lanewise(VectorOperators.LSHL, 2);
                    ((FloatVector) low.lanewise(VectorOperators.LSHR, 2 * k).and((byte) 3).or(high).sub((byte) 4).convertShape(VectorOperators.B2F, F, 0))
                            .mul(sc[v / 16]).intoArray(f, at + VALUES_AT + v);
                }
            }
        }
    }

    /**
     * ggml's quantize_row_q3_K_ref: per 16 values make_q3_quants (nmax 4, weights x²), the 16
     * signed scales quantized to 6 bits against the one of largest magnitude (d = max/−32), then
     * the quants recomputed from the F16-rounded scales and split into low bits and hmask.
     */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        byte[] L = new byte[BLOCK];
        float[] scales = new float[16];
        int[] stored = new int[16];
        for (int b = 0; b < count / BLOCK; b++) {
            int x = srcOffset + b * BLOCK;
            long off = dstOffset + (long) b * BYTES;
            float maxScale = 0, amax = 0;
            for (int j = 0; j < 16; j++) {
                scales[j] = KQuantSearch.makeQ3Quants(16, 4, src, x + 16 * j, L, 16 * j);
                float scale = Math.abs(scales[j]);
                if (scale > amax) {
                    amax = scale;
                    maxScale = scales[j];
                }
            }
            short dBits;
            if (maxScale != 0) {
                float iscale = -32.f / maxScale;
                for (int j = 0; j < 16; j++) {
                    int l = (byte) QuantMath.nearestInt(iscale * scales[j]); // C stores it in an int8_t first
                    stored[j] = Math.max(-32, Math.min(31, l)) + 32;
                }
                dBits = Float.floatToFloat16(1 / iscale);
            } else {
                for (int j = 0; j < 16; j++) stored[j] = 0;
                dBits = Float.floatToFloat16(0.f);
            }
            KScales.packQ3(stored, dst, off + SCALES);
            float dq = Float.float16ToFloat(dBits);
            for (int j = 0; j < 16; j++) {
                float d = dq * (stored[j] - 32);
                if (d == 0) continue;
                for (int i = 0; i < 16; i++) {
                    int l = QuantMath.nearestInt(src[x + 16 * j + i] / d);
                    L[16 * j + i] = (byte) (Math.max(-4, Math.min(3, l)) + 4);
                }
            }
            for (int l = 0; l < 32; l++) dst.set(BYTE, off + HMASK + l, (byte) 0);
            for (int j = 0; j < BLOCK; j++) {
                if (L[j] > 3) {
                    long m = off + HMASK + (j & 31);
                    dst.set(BYTE, m, (byte) (u8(dst, m) | (1 << (j / 32))));
                    L[j] -= 4;
                }
            }
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l++) {
                    int j = 128 * h + l;
                    dst.set(BYTE, off + QS + 32 * h + l, (byte) (L[j] | (L[j + 32] << 2) | (L[j + 64] << 4) | (L[j + 96] << 6)));
                }
            }
            dst.set(SHORT_LE, off + D, dBits);
        }
    }
}
