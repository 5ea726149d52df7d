package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.BYTE;
import static dev.jllm.tensor.Simd.B_2F;
import static dev.jllm.tensor.Simd.B_FOR_F;
import static dev.jllm.tensor.Simd.I_FOR_F;
import static dev.jllm.tensor.Simd.S_2F;
import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.LE;
import static dev.jllm.tensor.Simd.LONG_LE;
import static dev.jllm.tensor.Simd.SHORT_LE;
import static dev.jllm.tensor.Simd.f16;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q2_K: super-blocks of 256 values in 84 bytes ({@code block_q2_K}):
 * <pre>
 *   0  scales[16]  byte j: low nibble = scale of sub-block j (16 values), high nibble = its min
 *  16  qs[64]      2-bit quants
 *  80  d           F16 super-block scale of the scales
 *  82  dmin        F16 super-block scale of the mins
 * </pre>
 * Value v = 128·h + 32·k + l (h ∈ {0,1}, k ∈ 0..3, l ∈ 0..31) is bits 2k..2k+1 of qs[32h + l];
 * it lies in sub-block v/16 and decodes to d·sc·q − dmin·m. Activations are Q8_K, whose sums of
 * 16 quants turn the min term into 16 multiplies per super-block.
 */
final class Q2_KFormat implements SuperBlockFormat {
    static final int BLOCK = 256, BYTES = 84;
    private static final int SCALES = 0, QS = 16, D = 80, DMIN = 82;

    @Override public GGMLType type() { return GGMLType.Q2_K; }
    @Override public GGMLType activationType() { return GGMLType.Q8_K; }
    @Override public int groups() { return 1; }
    @Override public boolean hasMins() { return true; }

    private static int u8(MemorySegment s, long off) {
        return s.get(BYTE, off) & 0xFF;
    }

    @Override
    public void dequantize(MemorySegment data, long first, float[] out, int outOffset, int count) {
        long block0 = first / BLOCK;
        for (int b = 0; b < count / BLOCK; b++) {
            long off = (block0 + b) * BYTES;
            float d = f16(data, off + D), dmin = f16(data, off + DMIN);
            int o = outOffset + b * BLOCK;
            for (int v = 0; v < BLOCK; v++) {
                int sc = u8(data, off + SCALES + v / 16);
                int q = (u8(data, off + QS + 32 * (v / 128) + (v & 31)) >>> (2 * ((v / 32) & 3))) & 3;
                out[o + v] = d * (sc & 0xF) * q - dmin * (sc >>> 4);
            }
        }
    }

    /**
     * ggml_vec_dot_q2_K_q8_K: per super-block, isum = Σ_j sc_j · Σ_{v∈j} q_v·x_v and
     * summs = Σ_j m_j · bsums_j (integers), then d·d_x·isum − dmin·d_x·summs.
     */
    @Override
    public float dotScalar(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float sum = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            int summs = 0, isum = 0;
            for (int j = 0; j < 16; j++) {
                int sc = u8(data, off + SCALES + j);
                summs += x.blockSums16[(xb + b) * 16 + j] * (sc >>> 4);
                int h = j / 8, k = (j / 2) & 3, l0 = (j & 1) * 16;
                int isuml = 0;
                for (int l = l0; l < l0 + 16; l++) {
                    int q = (u8(data, off + QS + 32 * h + l) >>> (2 * k)) & 3;
                    isuml += q * x.quants[q8 + 128 * h + 32 * k + l];
                }
                isum += (sc & 0xF) * isuml;
            }
            float dx = x.scales[xb + b];
            sum += dx * f16(data, off + D) * isum - dx * f16(data, off + DMIN) * summs;
        }
        return sum;
    }

    /** One row: the isum and the min term as exact integers, then the scalar twin's float step. */
    @Override
    public float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        return FLEN == 16 ? dotWide(data, rowOffset, x, xRow, cols) : dotNarrow(data, rowOffset, x, xRow, cols);
    }

    /** All ones in short lanes 0-15, zero above: keeps the 16 mins of a 32-lane vector. */
    private static final ShortVector FIRST_16_LANES = ShortVector.fromArray(S_2F, firstLanes(16), 0);

    private static short[] firstLanes(int n) {
        short[] a = new short[S_2F.length()];
        for (int i = 0; i < Math.min(n, a.length); i++) a[i] = -1;
        return a;
    }

    /**
     * 512 bits, in 16-bit lanes (32 values a vector): the quants of the 4 groups k of each
     * half h from one 32-byte load, q·x (≤ 381) times the sub-block scale (≤ 15), the 4 groups
     * of a half summed in short lanes (|·| ≤ 22860), then pairs of lanes added into ints and the
     * super-block reduced to the exact isum; the min term from the Q8_K 16-sums in short lanes
     * (m·bsum ≤ 15·2032). The float steps are the scalar twin's, so the result is bit for bit.
     */
    private static float dotWide(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        short[] xs = x.quantsAsShort, bsums = x.blockSums16;
        float sum = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            // the 16 scale bytes and the first 16 quant bytes in one load of the kernel's byte
            // shape (a second, narrower shape in one kernel is what the rules in Simd keep out);
            // the min term Σ_j m_j·bsum16_j in short lanes with lanes 16-31 masked off (the 16-sums
            // are padded, see Activations), pairs of lanes added into ints
            ShortVector raw = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + SCALES, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector sc = raw.and((short) 15);
            IntVector mins = (IntVector) raw.lanewise(VectorOperators.LSHR, 4).and(FIRST_16_LANES)
                    .mul(ShortVector.fromArray(S_2F, bsums, (xb + b) * 16)).reinterpretShape(I_FOR_F, 0);
            int summs = mins.lanewise(VectorOperators.ASHR, 16).add(mins.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .reduceLanes(VectorOperators.ADD);
            ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 32, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
            ShortVector p0 = q0.and((short) 3).mul(ShortVector.fromArray(S_2F, xs, q8)).mul(sc.rearrange(KScales.GROUP_0))
                    .add(q0.lanewise(VectorOperators.LSHR, 2).and((short) 3).mul(ShortVector.fromArray(S_2F, xs, q8 + 32)).mul(sc.rearrange(KScales.GROUP_1)))
                    .add(q0.lanewise(VectorOperators.LSHR, 4).and((short) 3).mul(ShortVector.fromArray(S_2F, xs, q8 + 64)).mul(sc.rearrange(KScales.GROUP_2)))
                    .add(q0.lanewise(VectorOperators.LSHR, 6).mul(ShortVector.fromArray(S_2F, xs, q8 + 96)).mul(sc.rearrange(KScales.GROUP_3)));
            ShortVector p1 = q1.and((short) 3).mul(ShortVector.fromArray(S_2F, xs, q8 + 128)).mul(sc.rearrange(KScales.GROUP_4))
                    .add(q1.lanewise(VectorOperators.LSHR, 2).and((short) 3).mul(ShortVector.fromArray(S_2F, xs, q8 + 160)).mul(sc.rearrange(KScales.GROUP_5)))
                    .add(q1.lanewise(VectorOperators.LSHR, 4).and((short) 3).mul(ShortVector.fromArray(S_2F, xs, q8 + 192)).mul(sc.rearrange(KScales.GROUP_6)))
                    .add(q1.lanewise(VectorOperators.LSHR, 6).mul(ShortVector.fromArray(S_2F, xs, q8 + 224)).mul(sc.rearrange(KScales.GROUP_7)));
            IntVector w0 = (IntVector) p0.reinterpretShape(I_FOR_F, 0), w1 = (IntVector) p1.reinterpretShape(I_FOR_F, 0);
            // each int lane holds two short lanes: sign-extend both halves and add
            IntVector lanes = w0.lanewise(VectorOperators.ASHR, 16).add(w0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .add(w1.lanewise(VectorOperators.ASHR, 16).add(w1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)));
            int isum = lanes.reduceLanes(VectorOperators.ADD);
            float dx = x.scales[xb + b];
            // the half floats read here, not through Simd.f16: this method spends C2's inlining budget and the call would stay a call
            sum += dx * Float.float16ToFloat(data.get(SHORT_LE, off + D)) * isum - dx * Float.float16ToFloat(data.get(SHORT_LE, off + DMIN)) * summs;
        }
        return sum;
    }

    /**
     * {@link #dotWide} for 256- and 128-bit vectors: 2·FLEN values of a group per vector, which
     * lie in one sub-block, so its scale is a broadcast; the min term's products in 2·FLEN short
     * lanes, added in pairs into ints like the quants'.
     */
    private static float dotNarrow(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        short[] xs = x.quantsAsShort, bsums = x.blockSums16;
        float sum = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            IntVector minLanes = IntVector.zero(I_FOR_F);
            for (int j = 0; j < 16; j += 2 * FLEN) { // one trip with 256 bits, two with 128
                ShortVector scaleBytes = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + SCALES + j, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
                IntVector mins = (IntVector) scaleBytes.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S_2F, bsums, (xb + b) * 16 + j)).reinterpretShape(I_FOR_F, 0);
                minLanes = minLanes.add(mins.lanewise(VectorOperators.ASHR, 16)).add(mins.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            }
            int summs = minLanes.reduceLanes(VectorOperators.ADD);
            long sLo = data.get(LONG_LE, off + SCALES), sHi = data.get(LONG_LE, off + SCALES + 8);
            IntVector lanes = IntVector.zero(I_FOR_F);
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l += 2 * FLEN) {
                    long sw = (h == 0 ? sLo : sHi) >>> (8 * (l / 16)); // byte 2k & 15: the scale of group k at these values
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + QS + 32 * h + l, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
                    int v = q8 + 128 * h + l;
                    IntVector p = (IntVector) q.and((short) 3).mul(ShortVector.fromArray(S_2F, xs, v)).mul((short) (sw & 15))
                            .add(q.lanewise(VectorOperators.LSHR, 2).and((short) 3).mul(ShortVector.fromArray(S_2F, xs, v + 32)).mul((short) ((sw >>> 16) & 15)))
                            .add(q.lanewise(VectorOperators.LSHR, 4).and((short) 3).mul(ShortVector.fromArray(S_2F, xs, v + 64)).mul((short) ((sw >>> 32) & 15)))
                            .add(q.lanewise(VectorOperators.LSHR, 6).mul(ShortVector.fromArray(S_2F, xs, v + 96)).mul((short) ((sw >>> 48) & 15)))
                            .reinterpretShape(I_FOR_F, 0);
                    lanes = lanes.add(p.lanewise(VectorOperators.ASHR, 16)).add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                }
            }
            int isum = lanes.reduceLanes(VectorOperators.ADD);
            float dx = x.scales[xb + b];
            sum += dx * f16(data, off + D) * isum - dx * f16(data, off + DMIN) * summs;
        }
        return sum;
    }

    /** For the batched product: weights sc_{v/16}·q_v (0 … 45), one group of factor 1, and the 16 mins. */
    @Override
    public void decodeSuperBlock(MemorySegment data, long rowOffset, int b, float[] f, int at) {
        long off = rowOffset + (long) b * BYTES;
        f[at + SCALE_AT] = f16(data, off + D);
        f[at + MIN_SCALE_AT] = f16(data, off + DMIN);
        f[at + GROUP_SCALES_AT] = 1;
        for (int j = 0; j < 16; j++) f[at + MINS_AT + j] = u8(data, off + SCALES + j) >>> 4;
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l += FLEN) {
                ByteVector packed = ByteVector.fromMemorySegment(B_FOR_F, data, off + QS + 32 * h + l, LE);
                for (int k = 0; k < 4; k++) {
                    int v = 128 * h + 32 * k + l;
                    ((FloatVector) packed.lanewise(VectorOperators.LSHR, 2 * k).and((byte) 3).convertShape(VectorOperators.B2F, F, 0))
                            .mul(u8(data, off + SCALES + v / 16) & 0xF).intoArray(f, at + VALUES_AT + v);
                }
            }
        }
    }

    /**
     * ggml's quantize_row_q2_K_ref: per 16 values make_qkx2_quants(nmax 3, weights |x|, MAD
     * error), the 16 scales and 16 mins quantized to 4 bits against their maxima, then the quants
     * recomputed from the F16-rounded scales.
     */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        byte[] L = new byte[BLOCK];
        byte[] laux = new byte[16];
        float[] weights = new float[16];
        float[] mins = new float[16];
        float[] scales = new float[16];
        int[] packed = new int[16];
        for (int b = 0; b < count / BLOCK; b++) {
            int x = srcOffset + b * BLOCK;
            long off = dstOffset + (long) b * BYTES;
            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < 16; j++) {
                for (int l = 0; l < 16; l++) weights[l] = Math.abs(src[x + 16 * j + l]);
                scales[j] = KQuantSearch.makeQkx2Quants(16, 3, src, x + 16 * j, weights, L, 16 * j, mins, j, laux, -0.5f, 0.1f, 15, true);
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            short dBits, dminBits;
            if (maxScale > 0) {
                float iscale = 15.f / maxScale;
                for (int j = 0; j < 16; j++) packed[j] = QuantMath.nearestInt(iscale * scales[j]) & 0xFF;
                dBits = Float.floatToFloat16(maxScale / 15.f);
            } else {
                for (int j = 0; j < 16; j++) packed[j] = 0;
                dBits = Float.floatToFloat16(0.f);
            }
            if (maxMin > 0) {
                float iscale = 15.f / maxMin;
                for (int j = 0; j < 16; j++) packed[j] = (packed[j] | (QuantMath.nearestInt(iscale * mins[j]) << 4)) & 0xFF;
                dminBits = Float.floatToFloat16(maxMin / 15.f);
            } else {
                dminBits = Float.floatToFloat16(0.f);
            }
            float dq = Float.float16ToFloat(dBits), dminq = Float.float16ToFloat(dminBits);
            for (int j = 0; j < 16; j++) {
                float d = dq * (packed[j] & 0xF);
                if (d == 0) continue;
                float dm = dminq * (packed[j] >>> 4);
                for (int i = 0; i < 16; i++) {
                    int l = QuantMath.nearestInt((src[x + 16 * j + i] + dm) / d);
                    L[16 * j + i] = (byte) Math.max(0, Math.min(3, l));
                }
            }
            for (int j = 0; j < 16; j++) dst.set(BYTE, off + SCALES + j, (byte) packed[j]);
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l++) {
                    int j = 128 * h + l;
                    dst.set(BYTE, off + QS + 32 * h + l, (byte) (L[j] | (L[j + 32] << 2) | (L[j + 64] << 4) | (L[j + 96] << 6)));
                }
            }
            dst.set(SHORT_LE, off + D, dBits);
            dst.set(SHORT_LE, off + DMIN, dminBits);
        }
    }
}
