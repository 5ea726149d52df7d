package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.BYTE;
import static dev.jllm.tensor.Simd.INT_LE;
import static dev.jllm.tensor.Simd.S_2F;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.VectorShuffle;

/**
 * The packed 6-bit sub-block scales of the K-quants, read straight from the 12 scale bytes of a
 * super-block (offset {@code off}).
 *
 * <p>Q4_K / Q5_K ({@code get_scale_min_k4}): 8 scales and 8 mins of 6 bits. For j &lt; 4,
 * byte j holds scale j and byte j+4 holds min j in their low 6 bits; for j ≥ 4 the low 4 bits of
 * scale j / min j are the low / high nibble of byte j+4 and their top 2 bits are the top 2 bits
 * of byte j−4 (scale) / byte j (min).
 *
 * <p>Q3_K: 16 signed scales, stored as s + 32 in 6 bits. The low nibble of scale j is the low
 * (j &lt; 8) or high (j ≥ 8) nibble of byte j mod 8; its top 2 bits are bits 2·(j/4) of byte
 * 8 + j mod 4.
 *
 * <p>The per-index readers serve the scalar twins and the encoders; the SIMD kernels decode a
 * super-block's scales in bulk ({@link #decodeK4}, {@link #decodeQ3}) from three little-endian
 * ints with ggml's mask arithmetic, so that their hot loops read plain arrays — and the kernel
 * tests cross-check the two decoders.
 */
final class KScales {
    private KScales() {}

    private static int u8(MemorySegment s, long off) {
        return s.get(BYTE, off) & 0xFF;
    }

    /** Scale j (0–7, unsigned 6-bit) of a Q4_K/Q5_K super-block. */
    static int scaleK4(MemorySegment s, long off, int j) {
        return j < 4 ? u8(s, off + j) & 63 : (u8(s, off + j + 4) & 0xF) | ((u8(s, off + j - 4) >>> 6) << 4);
    }

    /** Min j (0–7, unsigned 6-bit) of a Q4_K/Q5_K super-block. */
    static int minK4(MemorySegment s, long off, int j) {
        return j < 4 ? u8(s, off + j + 4) & 63 : (u8(s, off + j + 4) >>> 4) | ((u8(s, off + j) >>> 6) << 4);
    }

    /** Writes 8 (scale, min) pairs of 6 bits in the Q4_K/Q5_K packing. */
    static void packK4(int[] ls, int[] lm, MemorySegment s, long off) {
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                s.set(BYTE, off + j, (byte) ls[j]);
                s.set(BYTE, off + j + 4, (byte) lm[j]);
            } else {
                s.set(BYTE, off + j + 4, (byte) ((ls[j] & 0xF) | ((lm[j] & 0xF) << 4)));
                s.set(BYTE, off + j - 4, (byte) (u8(s, off + j - 4) | ((ls[j] >>> 4) << 6)));
                s.set(BYTE, off + j, (byte) (u8(s, off + j) | ((lm[j] >>> 4) << 6)));
            }
        }
    }

    /** Scale j (0–15) of a Q3_K super-block, signed: the stored 6-bit value minus 32. */
    static int scaleQ3(MemorySegment s, long off, int j) {
        int low = j < 8 ? u8(s, off + j) & 0xF : u8(s, off + j - 8) >>> 4;
        int high = (u8(s, off + 8 + (j & 3)) >>> (2 * (j / 4))) & 3;
        return (low | high << 4) - 32;
    }

    /** Writes 16 stored Q3_K scales (each s + 32, 0–63) in the Q3_K packing. */
    static void packQ3(int[] stored, MemorySegment s, long off) {
        for (int j = 0; j < 12; j++) s.set(BYTE, off + j, (byte) 0);
        for (int j = 0; j < 16; j++) {
            int l = stored[j];
            if (j < 8) {
                s.set(BYTE, off + j, (byte) (l & 0xF));
            } else {
                s.set(BYTE, off + j - 8, (byte) (u8(s, off + j - 8) | ((l & 0xF) << 4)));
            }
            long h = off + 8 + (j & 3);
            s.set(BYTE, h, (byte) (u8(s, h) | ((l >>> 4) << (2 * (j / 4)))));
        }
    }

    private static final int M6 = 0x3f3f3f3f, M4 = 0x0f0f0f0f, M2 = 0x03030303;

    /** All 8 scales (as floats) and 8 mins of a Q4_K/Q5_K super-block, read as 3 ints. */
    static void decodeK4(MemorySegment s, long off, float[] scales, int[] mins) {
        int u0 = s.get(INT_LE, off), u1 = s.get(INT_LE, off + 4), u2 = s.get(INT_LE, off + 8);
        int sLow = u0 & M6;                                   // scales 0–3
        int mLow = u1 & M6;                                   // mins 0–3
        int sHigh = (u2 & M4) | (((u0 >>> 6) & M2) << 4);     // scales 4–7
        int mHigh = ((u2 >>> 4) & M4) | (((u1 >>> 6) & M2) << 4); // mins 4–7
        for (int j = 0; j < 4; j++) {
            scales[j] = (sLow >>> (8 * j)) & 0xFF;
            scales[j + 4] = (sHigh >>> (8 * j)) & 0xFF;
            mins[j] = (mLow >>> (8 * j)) & 0xFF;
            mins[j + 4] = (mHigh >>> (8 * j)) & 0xFF;
        }
    }

    /** All 16 signed scales of a Q3_K super-block (as floats), read as 3 ints. */
    static void decodeQ3(MemorySegment s, long off, float[] scales) {
        int u0 = s.get(INT_LE, off), u1 = s.get(INT_LE, off + 4), u2 = s.get(INT_LE, off + 8);
        unpackSigned(scales, 0, (u0 & M4) | ((u2 & M2) << 4));
        unpackSigned(scales, 4, (u1 & M4) | (((u2 >>> 2) & M2) << 4));
        unpackSigned(scales, 8, ((u0 >>> 4) & M4) | (((u2 >>> 4) & M2) << 4));
        unpackSigned(scales, 12, ((u1 >>> 4) & M4) | (((u2 >>> 6) & M2) << 4));
    }

    /** The 4 bytes of {@code word} (6-bit stored scales), minus 32, into scales[at … at+3]. */
    private static void unpackSigned(float[] scales, int at, int word) {
        for (int j = 0; j < 4; j++) scales[at + j] = ((word >>> (8 * j)) & 0xFF) - 32;
    }

    /**
     * The min term of the Q4_K/Q5_K gemv kernels, Σ_j m_j · sums32_j over the 8 sub-blocks, with
     * the 6-bit mins packed four to an int (bytes of {@code mLow}: sub-blocks 0-3, of
     * {@code mHigh}: 4-7) and the activations' 32-sums from {@code sums32[at]}. Scalar on
     * purpose: in 4-lane int vectors (Int128 beside the kernels' full-width ints) it polluted
     * the type profiles the JIT shares across all callers of the Vector API, and the kernels
     * then compiled — in some processes, not others — into code that boxed every vector
     * (Q5_K_M decode at 6 instead of 20 tok/s).
     */
    static int minSum(int mLow, int mHigh, int[] sums32, int at) {
        return (mLow & 0xFF) * sums32[at] + ((mLow >>> 8) & 0xFF) * sums32[at + 1]
                + ((mLow >>> 16) & 0xFF) * sums32[at + 2] + (mLow >>> 24) * sums32[at + 3]
                + (mHigh & 0xFF) * sums32[at + 4] + ((mHigh >>> 8) & 0xFF) * sums32[at + 5]
                + ((mHigh >>> 16) & 0xFF) * sums32[at + 6] + (mHigh >>> 24) * sums32[at + 7];
    }

    /*
     * For 512-bit kernels in 16-bit lanes (32 values a vector): group g = 4h + k of 32 values
     * of a Q2_K/Q3_K super-block spans sub-blocks 2g (its first 16 lanes) and 2g + 1, so
     * GROUP_g rearranges a vector of the 16 sub-block scales into the group's scale per lane.
     */
    static final VectorShuffle<Short> GROUP_0 = groupScales(0), GROUP_1 = groupScales(1), GROUP_2 = groupScales(2), GROUP_3 = groupScales(3),
            GROUP_4 = groupScales(4), GROUP_5 = groupScales(5), GROUP_6 = groupScales(6), GROUP_7 = groupScales(7);

    private static VectorShuffle<Short> groupScales(int g) {
        return VectorShuffle.fromOp(S_2F, i -> 2 * g + (i < 16 ? 0 : 1));
    }
}
