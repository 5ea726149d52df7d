package dev.jllm.tensor;

import static dev.jllm.tensor.IQ4Codebook.B16;
import static dev.jllm.tensor.IQ4Codebook.TABLE;
import static dev.jllm.tensor.Simd.BYTE;
import static dev.jllm.tensor.Simd.B_FOR_F;
import static dev.jllm.tensor.Simd.I_FOR_F;
import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.INT_LE;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.LE;
import static dev.jllm.tensor.Simd.SHORT_LE;
import static dev.jllm.tensor.Simd.S_2F;
import static dev.jllm.tensor.Simd.f16;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;
import jdk.incubator.vector.VectorOperators;

/**
 * IQ4_XS: super-blocks of 256 values in 136 bytes ({@code block_iq4_xs}):
 * <pre>
 *   0  d            F16 super-block scale
 *   2  scales_h     u16: bits 2ib..2ib+1 are the top 2 bits of sub-block ib's scale
 *   4  scales_l[4]  low 4 bits of the scale of sub-block ib: nibble ib mod 2 of byte ib/2
 *   8  qs[128]      codebook indices: sub-block ib (32 values) in bytes 16ib..16ib+15,
 *                   low nibble of byte j = value j, high nibble = value j+16
 * </pre>
 * Sub-block scale ls ∈ [0, 63] stores s + 32; value = d·(ls − 32)·{@link IQ4Codebook#VALUES}[index].
 * Same codebook as IQ4_NL, but one F16 per 256 values. Activations are Q8_K.
 */
final class IQ4_XSFormat implements SuperBlockFormat {
    static final int BLOCK = 256, BYTES = 136;
    private static final int D = 0, SCALES_H = 2, SCALES_L = 4, QS = 8;

    @Override public GGMLType type() { return GGMLType.IQ4_XS; }
    @Override public GGMLType activationType() { return GGMLType.Q8_K; }
    @Override public int groups() { return 8; }

    /** The signed scale (ls − 32) of sub-block ib. */
    static int subScale(MemorySegment data, long off, int ib) {
        int low = ((data.get(BYTE, off + SCALES_L + ib / 2) & 0xFF) >>> (4 * (ib & 1))) & 0xF;
        int high = ((data.get(SHORT_LE, off + SCALES_H) & 0xFFFF) >>> (2 * ib)) & 3;
        return (low | high << 4) - 32;
    }

    /** All 8 signed sub-block scales into sc[at …], from scales_h and scales_l read as one short and one int. */
    static void decodeScales(MemorySegment data, long off, float[] sc, int at) {
        int high = data.get(SHORT_LE, off + SCALES_H);
        int low = data.get(INT_LE, off + SCALES_L);
        for (int ib = 0; ib < 8; ib++) sc[at + ib] = (((low >>> (4 * ib)) & 0xF) | ((high >>> (2 * ib)) & 3) << 4) - 32;
    }

    @Override
    public void dequantize(MemorySegment data, long first, float[] out, int outOffset, int count) {
        long block0 = first / BLOCK;
        for (int b = 0; b < count / BLOCK; b++) {
            long off = (block0 + b) * BYTES;
            float d = f16(data, off + D);
            for (int ib = 0; ib < 8; ib++) {
                float dl = d * subScale(data, off, ib);
                int o = outOffset + b * BLOCK + 32 * ib;
                for (int j = 0; j < 16; j++) {
                    int v = data.get(BYTE, off + QS + 16 * ib + j) & 0xFF;
                    out[o + j] = dl * IQ4Codebook.value(v & 0xF);
                    out[o + j + 16] = dl * IQ4Codebook.value(v >>> 4);
                }
            }
        }
    }

    /** ggml_vec_dot_iq4_xs_q8_K: per sub-block (d·d_x·s) · Σ level·q_x (integer sum), summed in float. */
    @Override
    public float dotScalar(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float sum = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            float d4d8 = f16(data, off + D) * x.scales[xb + b];
            for (int ib = 0; ib < 8; ib++) {
                int sumi = 0;
                for (int j = 0; j < 16; j++) {
                    int v = data.get(BYTE, off + QS + 16 * ib + j) & 0xFF;
                    sumi += x.quants[q8 + 32 * ib + j] * IQ4Codebook.value(v & 0xF)
                            + x.quants[q8 + 32 * ib + 16 + j] * IQ4Codebook.value(v >>> 4);
                }
                sum += d4d8 * subScale(data, off, ib) * sumi;
            }
        }
        return sum;
    }

    /** 512-bit vectors take the float-lane form ({@link #dotWide}), narrower ones the 16-bit one ({@link #dotNarrow}). */
    @Override
    public float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        if (FLEN == 16) return dotWide(data, rowOffset, x, xRow, cols);
        return FLEN == 8 ? dotNarrow(data, rowOffset, x, xRow, cols) : dot128(data, rowOffset, x, xRow, cols);
    }

    /**
     * {@link #dotNarrow} with 128-bit vectors (NEON, SSE): the same codebook shuffle of 16
     * bytes, its halves widened into 8 short lanes each, the same exact super-block sum, so the
     * same result.
     */
    private static float dot128(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        short[] xs = x.quantsAsShort;
        float sum = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            int high = data.get(SHORT_LE, off + SCALES_H), low = data.get(INT_LE, off + SCALES_L);
            IntVector acc = IntVector.zero(I_FOR_F);
            for (int ib = 0; ib < 8; ib++) {
                ByteVector packed = ByteVector.fromMemorySegment(B16, data, off + QS + 16 * ib, LE);
                ByteVector lo = packed.and((byte) 0xF).selectFrom(TABLE);
                ByteVector hi = packed.lanewise(VectorOperators.LSHR, 4).selectFrom(TABLE);
                int v = q8 + 32 * ib;
                int scale = (((low >>> (4 * ib)) & 0xF) | ((high >>> (2 * ib)) & 3) << 4) - 32;
                // both parts written out, with constant part numbers (a loop over them ran 5% slower, JMH at 128 bits)
                IntVector p0 = (IntVector) ((ShortVector) lo.convertShape(VectorOperators.B2S, S_2F, 0)).mul(ShortVector.fromArray(S_2F, xs, v))
                        .add(((ShortVector) hi.convertShape(VectorOperators.B2S, S_2F, 0)).mul(ShortVector.fromArray(S_2F, xs, v + 16))).reinterpretShape(I_FOR_F, 0);
                IntVector p1 = (IntVector) ((ShortVector) lo.convertShape(VectorOperators.B2S, S_2F, 1)).mul(ShortVector.fromArray(S_2F, xs, v + 8))
                        .add(((ShortVector) hi.convertShape(VectorOperators.B2S, S_2F, 1)).mul(ShortVector.fromArray(S_2F, xs, v + 24))).reinterpretShape(I_FOR_F, 0);
                IntVector s = p0.lanewise(VectorOperators.ASHR, 16).add(p0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                        .add(p1.lanewise(VectorOperators.ASHR, 16).add(p1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)));
                acc = acc.add(s.mul(scale));
            }
            sum += f16(data, off + D) * x.scales[xb + b] * acc.reduceLanes(VectorOperators.ADD);
        }
        return sum;
    }

    /** The codebook levels as float bit patterns in int lanes: {@code indices.selectFrom(LEVEL_BITS)} looks up 16 at once. */
    private static final IntVector LEVEL_BITS = IntVector.fromArray(I_FOR_F, levelBits(), 0);

    private static int[] levelBits() {
        int[] bits = new int[I_FOR_F.length()];
        for (int i = 0; i < bits.length; i++) bits[i] = Float.floatToIntBits(IQ4Codebook.value(i % 16));
        return bits;
    }

    /**
     * 16 float lanes: a sub-block's 16 index bytes widened to ints, each nibble looked up in
     * the codebook held in one int vector (its levels as float bits, so the lookup — one
     * permute — yields floats), times the activation quants as floats. Every lane of a
     * super-block's sum Σ s·level·q_x is an integer below 2^23 (16 products of at most
     * 32·127·127), so it is exact, as the integer sums of the scalar twin; only the scaling by
     * d·d_x and the accumulation across super-blocks round. 1.4× the 16-bit form here
     * (8192×2048, single thread), which spends two byte shuffles and two widenings per
     * sub-block where this spends one widening and two permutes, and sums pairs of short lanes
     * into ints with three shifts. (Two chains of sub-blocks, or the scales decoded as a
     * vector and permuted into place, were slower.)
     */
    private static float dotWide(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float[] xf = x.quantsAsFloat;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            int high = data.get(SHORT_LE, off + SCALES_H), low = data.get(INT_LE, off + SCALES_L);
            FloatVector block = FloatVector.zero(F);
            for (int ib = 0; ib < 8; ib++) {
                IntVector packed = (IntVector) ByteVector.fromMemorySegment(B_FOR_F, data, off + QS + 16 * ib, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I_FOR_F, 0);
                FloatVector lo = (FloatVector) packed.and(0xF).selectFrom(LEVEL_BITS).reinterpretShape(F, 0);
                FloatVector hi = (FloatVector) packed.lanewise(VectorOperators.LSHR, 4).selectFrom(LEVEL_BITS).reinterpretShape(F, 0);
                int v = q8 + 32 * ib;
                FloatVector p = hi.fma(FloatVector.fromArray(F, xf, v + 16), lo.mul(FloatVector.fromArray(F, xf, v)));
                int scale = (((low >>> (4 * ib)) & 0xF) | ((high >>> (2 * ib)) & 3) << 4) - 32;
                block = p.fma(FloatVector.broadcast(F, (float) scale), block);
            }
            acc = block.fma(FloatVector.broadcast(F, f16(data, off + D) * x.scales[xb + b]), acc);
        }
        return Simd.sumLanes(acc);
    }

    /**
     * Per super-block, in 16-bit lanes (16 values a vector, at any vector width): each
     * sub-block's 16 index bytes decoded through the codebook with a byte shuffle (as IQ4_NL),
     * the levels of values j and j + 16 times their activation quants added in short lanes
     * (|·| ≤ 2·127·127), pairs of lanes widened into ints and multiplied by the sub-block scale
     * (decoded inline), the super-block reduced to its exact integer sum Σ s·level·q_x, which
     * is then scaled by d·d_x (the scalar twin scales each sub-block's sum apart; the two
     * differ only by float rounding). 1.7× the float-lane form with 256-bit vectors (AVX2),
     * whose 8 int lanes cannot hold the 16-level codebook in one vector.
     */
    private static float dotNarrow(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        short[] xs = x.quantsAsShort;
        float sum = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q8 = (xb + b) * BLOCK;
            int high = data.get(SHORT_LE, off + SCALES_H), low = data.get(INT_LE, off + SCALES_L);
            IntVector acc = IntVector.zero(I16);
            for (int ib = 0; ib < 8; ib++) {
                ByteVector packed = ByteVector.fromMemorySegment(B16, data, off + QS + 16 * ib, LE);
                ShortVector lo = (ShortVector) packed.and((byte) 0xF).selectFrom(TABLE).convertShape(VectorOperators.B2S, S16, 0);
                ShortVector hi = (ShortVector) packed.lanewise(VectorOperators.LSHR, 4).selectFrom(TABLE).convertShape(VectorOperators.B2S, S16, 0);
                int v = q8 + 32 * ib;
                IntVector p = (IntVector) lo.mul(ShortVector.fromArray(S16, xs, v)).add(hi.mul(ShortVector.fromArray(S16, xs, v + 16))).reinterpretShape(I16, 0);
                int scale = (((low >>> (4 * ib)) & 0xF) | ((high >>> (2 * ib)) & 3) << 4) - 32;
                acc = acc.add(p.lanewise(VectorOperators.ASHR, 16).add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(scale));
            }
            sum += f16(data, off + D) * x.scales[xb + b] * acc.reduceLanes(VectorOperators.ADD);
        }
        return sum;
    }

    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I16 = IntVector.SPECIES_256;

    /** For the batched product: the codebook levels as weights, the 8 sub-block scales (ls − 32) as group factors. */
    @Override
    public void decodeSuperBlock(MemorySegment data, long rowOffset, int b, float[] f, int at) {
        long off = rowOffset + (long) b * BYTES;
        f[at + SCALE_AT] = f16(data, off + D);
        decodeScales(data, off, f, at + GROUP_SCALES_AT);
        for (int ib = 0; ib < 8; ib++) {
            ByteVector packed = ByteVector.fromMemorySegment(B16, data, off + QS + 16 * ib, LE);
            ByteVector lo = packed.and((byte) 0xF).selectFrom(TABLE);
            ByteVector hi = packed.lanewise(VectorOperators.LSHR, 4).selectFrom(TABLE);
            int v = at + VALUES_AT + 32 * ib;
            for (int p = 0; p < 16 / FLEN; p++) {
                ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).intoArray(f, v + p * FLEN);
                ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).intoArray(f, v + 16 + p * FLEN);
            }
        }
    }

    /**
     * ggml's quantize_iq4_xs / quantize_row_iq4_xs_ref (identical without an importance matrix):
     * per 32 values the IQ4_NL scale search ({@link IQ4Codebook#searchScale}); d = −max/32 where
     * max is the sub-block scale of largest magnitude; each sub-block scale rounded to
     * l ∈ [−32, 31]; indices re-chosen against the unrounded d·l.
     */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        float[] scales = new float[8];
        for (int b = 0; b < count / BLOCK; b++) {
            int x = srcOffset + b * BLOCK;
            long off = dstOffset + (long) b * BYTES;
            float maxScale = 0, amaxScale = 0;
            for (int ib = 0; ib < 8; ib++) {
                scales[ib] = IQ4Codebook.searchScale(src, x + 32 * ib);
                float abs = Math.abs(scales[ib]);
                if (abs > amaxScale) {
                    amaxScale = abs;
                    maxScale = scales[ib];
                }
            }
            float d = -maxScale / 32;
            dst.set(SHORT_LE, off + D, Float.floatToFloat16(d));
            float id = d != 0 ? 1 / d : 0.f;
            int scalesH = 0;
            for (int ib = 0; ib < 8; ib++) {
                int l = Math.max(-32, Math.min(31, QuantMath.nearestInt(id * scales[ib])));
                float dl = d * l;
                float idl = dl != 0 ? 1 / dl : 0.f;
                for (int j = 0; j < 16; j++) {
                    int l0 = IQ4Codebook.bestIndex(idl * src[x + 32 * ib + j]);
                    int l1 = IQ4Codebook.bestIndex(idl * src[x + 32 * ib + 16 + j]);
                    dst.set(BYTE, off + QS + 16 * ib + j, (byte) (l0 | l1 << 4));
                }
                l += 32;
                long lo = off + SCALES_L + ib / 2;
                int prev = (ib & 1) == 0 ? 0 : dst.get(BYTE, lo) & 0xFF;
                dst.set(BYTE, lo, (byte) (prev | (l & 0xF) << (4 * (ib & 1))));
                scalesH |= (l >>> 4) << (2 * ib);
            }
            dst.set(SHORT_LE, off + SCALES_H, (short) scalesH);
        }
    }
}
