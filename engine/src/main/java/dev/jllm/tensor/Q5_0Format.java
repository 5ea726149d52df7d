package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.BYTE;
import static dev.jllm.tensor.Simd.B_FOR_F;
import static dev.jllm.tensor.Simd.B_NARROW;
import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.F_NARROW;
import static dev.jllm.tensor.Simd.INT_LE;
import static dev.jllm.tensor.Simd.I_FOR_F;
import static dev.jllm.tensor.Simd.I_NARROW;
import static dev.jllm.tensor.Simd.LE;
import static dev.jllm.tensor.Simd.NFLEN;
import static dev.jllm.tensor.Simd.SHORT_LE;
import static dev.jllm.tensor.Simd.S_NARROW;
import static dev.jllm.tensor.Simd.f16;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_0: blocks of 32 values, 22 bytes: F16 scale d, a little-endian u32 qh whose bit i is the
 * fifth bit of value i, then 16 bytes of low nibbles (byte j: value j low, value j+16 high);
 * value = d · (q − 16) with q = nibble | fifthBit << 4. Activations are Q8_0.
 */
final class Q5_0Format implements Block32Format {
    static final int BLOCK = 32, BYTES = 22;

    @Override public GGMLType type() { return GGMLType.Q5_0; }
    @Override public GGMLType activationType() { return GGMLType.Q8_0; }

    static int value(MemorySegment data, long off, int qh, int i) {
        int v = data.get(BYTE, off + 6 + (i & 15)) & 0xFF;
        int nibble = i < 16 ? v & 0xF : v >>> 4;
        return nibble | ((qh >>> i) & 1) << 4;
    }

    @Override
    public void dequantize(MemorySegment data, long first, float[] out, int outOffset, int count) {
        long block0 = first / BLOCK;
        for (int b = 0; b < count / BLOCK; b++) {
            long off = (block0 + b) * BYTES;
            float d = f16(data, off);
            int qh = data.get(INT_LE, off + 2);
            for (int i = 0; i < BLOCK; i++) out[outOffset + b * BLOCK + i] = (value(data, off, qh, i) - 16) * d;
        }
    }

    @Override
    public float dotScalar(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float sum = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int qh = data.get(INT_LE, off + 2);
            int q = (xb + b) * BLOCK;
            int sumi = 0;
            for (int i = 0; i < BLOCK; i++) sumi += (value(data, off, qh, i) - 16) * x.quants[q + i];
            sum += sumi * (f16(data, off) * x.scales[xb + b]);
        }
        return sum;
    }

    /** Lane shift amounts {0, 1, …, FLEN−1}: lane i of a chunk starting at value j picks bit j + i of qh. */
    static final IntVector LANE = IntVector.fromArray(I_FOR_F, iota(), 0);

    static int[] iota() {
        int[] a = new int[FLEN];
        for (int i = 0; i < FLEN; i++) a[i] = i;
        return a;
    }

    /** Five-bit quants of values j … j+FLEN−1 as ints: nibbles widened, fifth bits or-ed in. */
    static IntVector fiveBit(ByteVector nibbles, int qh, int j) {
        IntVector low = (IntVector) nibbles.convertShape(VectorOperators.B2I, I_FOR_F, 0);
        IntVector high = IntVector.broadcast(I_FOR_F, qh >>> j).lanewise(VectorOperators.LSHR, LANE).and(1).lanewise(VectorOperators.LSHL, 4);
        return low.or(high);
    }

    /** Lane i of a 2·FLEN-lane short vector holds bit i: the fifth-bit masks of {@link #dotNarrow}. */
    static final ShortVector BIT = ShortVector.fromArray(S_NARROW, bits(S_NARROW.length()), 0);

    static short[] bits(int n) {
        short[] a = new short[n];
        for (int i = 0; i < n; i++) a[i] = (short) (1 << i);
        return a;
    }

    @Override
    public float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        return FLEN <= 8 ? dotNarrow(data, rowOffset, x, xRow, cols, KernelScratch.small()) : dotWide(data, rowOffset, x, xRow, cols);
    }

    @Override
    public void matvec(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x, int xRow,
                       float[] out, int outOffset) {
        float[] lanes = KernelScratch.small();
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r - rowStart] = FLEN <= 8 ? dotNarrow(data, r * rowBytes, x, xRow, x.cols(), lanes) : dotWide(data, r * rowBytes, x, xRow, x.cols());
        }
    }

    /**
     * {@link #dot} for 256- and 128-bit vectors (AVX2; NEON, SSE), in integer lanes as
     * {@link Q4_0Format}'s: a block's 16 nibble bytes widened to short lanes (2·FLEN at a time),
     * and each lane's fifth bit turned into the −16 of q − 16 where it is clear: qh broadcast,
     * and-ed with {@link #BIT}, compared with 0 — a mask whose vector is −1 in those lanes —
     * shifted left by 4. (Variable shifts of short lanes, the direct way to the bit, are
     * AVX-512 only; (t − 1) &gt;&gt; 15 instead of the compare was 3% slower.)
     * Then (q − 16)·q_x in 16-bit lanes (|·| ≤ 16·127; per lane at most four of them, and two
     * lanes added as ints: exact), converted once per block and folded in with
     * fma(lane, d_w · d_x, acc); the lanes are added at the end ({@link Simd#hsum}).
     */
    private static float dotNarrow(MemorySegment data, long rowOffset, Activations x, int xRow, int cols, float[] lanes) {
        int nb = cols / BLOCK;
        short[] xs = x.quantsAsShort;
        int xBase = xRow * cols, xb = xRow * nb;
        FloatVector acc = FloatVector.zero(F_NARROW);
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q = xBase + b * BLOCK;
            int qh = data.get(INT_LE, off + 2);
            ShortVector sum = ShortVector.zero(S_NARROW);
            for (int j = 0; j < 16; j += 2 * NFLEN) { // one trip with 256 bits, two with 128
                ShortVector w = (ShortVector) ByteVector.fromMemorySegment(B_NARROW, data, off + 6 + j, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_NARROW, 0);
                ShortVector clearLo = ShortVector.broadcast(S_NARROW, (short) (qh >>> j)).and(BIT).compare(VectorOperators.EQ, (short) 0).toVector().reinterpretAsShorts();
                ShortVector clearHi = ShortVector.broadcast(S_NARROW, (short) (qh >>> 16 + j)).and(BIT).compare(VectorOperators.EQ, (short) 0).toVector().reinterpretAsShorts();
                ShortVector lo = w.and((short) 15).add(clearLo.lanewise(VectorOperators.LSHL, 4)).mul(ShortVector.fromArray(S_NARROW, xs, q + j));
                ShortVector hi = w.lanewise(VectorOperators.LSHR, 4).add(clearHi.lanewise(VectorOperators.LSHL, 4)).mul(ShortVector.fromArray(S_NARROW, xs, q + 16 + j));
                sum = sum.add(lo).add(hi);
            }
            IntVector p = (IntVector) sum.reinterpretShape(I_NARROW, 0);
            p = p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            FloatVector sums = (FloatVector) p.convertShape(VectorOperators.I2F, F_NARROW, 0);
            acc = sums.fma(FloatVector.broadcast(F_NARROW, Float.float16ToFloat(data.get(SHORT_LE, off)) * x.scales[xb + b]), acc);
        }
        acc.intoArray(lanes, 0);
        return Simd.hsum(lanes, NFLEN);
    }

    /** {@link #dot} for 512-bit vectors, in float lanes: on AVX-512 as fast as the 16-bit form run at 256 bits there (JMH 8192×2048, 3 interleaved rounds). */
    private static float dotWide(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float[] xq = x.quantsAsFloat;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int qh = data.get(INT_LE, off + 2);
            int q = (xb + b) * BLOCK;
            FloatVector block = FloatVector.zero(F);
            for (int j = 0; j < 16; j += FLEN) {
                ByteVector packed = ByteVector.fromMemorySegment(B_FOR_F, data, off + 6 + j, LE);
                FloatVector lo = (FloatVector) fiveBit(packed.and((byte) 0xF), qh, j).sub(16).convertShape(VectorOperators.I2F, F, 0);
                FloatVector hi = (FloatVector) fiveBit(packed.lanewise(VectorOperators.LSHR, 4), qh, j + 16).sub(16).convertShape(VectorOperators.I2F, F, 0);
                block = lo.fma(FloatVector.fromArray(F, xq, q + j), block);
                block = hi.fma(FloatVector.fromArray(F, xq, q + j + 16), block);
            }
            acc = block.fma(FloatVector.broadcast(F, f16(data, off) * x.scales[xb + b]), acc);
        }
        return Simd.sumLanes(acc);
    }

    /** The values q − 16 as floats, decoded as in {@link #dot}. */
    @Override
    public void decodeBlocks(MemorySegment data, long rowOffset, int first, int count, float[] w, int at, float[] d, int dAt) {
        for (int k = 0; k < count; k++) {
            long off = rowOffset + (long) (first + k) * BYTES;
            d[dAt + k] = f16(data, off);
            int qh = data.get(INT_LE, off + 2);
            for (int j = 0; j < 16; j += FLEN) {
                ByteVector packed = ByteVector.fromMemorySegment(B_FOR_F, data, off + 6 + j, LE);
                ((FloatVector) fiveBit(packed.and((byte) 0xF), qh, j).sub(16).convertShape(VectorOperators.I2F, F, 0)).intoArray(w, at + k * BLOCK + j);
                ((FloatVector) fiveBit(packed.lanewise(VectorOperators.LSHR, 4), qh, j + 16).sub(16).convertShape(VectorOperators.I2F, F, 0)).intoArray(w, at + k * BLOCK + 16 + j);
            }
        }
    }

    /** ggml's quantize_row_q5_0_ref: the value m of largest magnitude sets d = m / −16. */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        for (int b = 0; b < count / BLOCK; b++) {
            int s = srcOffset + b * BLOCK;
            long off = dstOffset + (long) b * BYTES;
            float amax = 0, max = 0;
            for (int j = 0; j < BLOCK; j++) {
                float v = src[s + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;
            dst.set(SHORT_LE, off, Float.floatToFloat16(d));
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int x0 = Math.min(31, (byte) (int) (src[s + j] * id + 16.5f));
                int x1 = Math.min(31, (byte) (int) (src[s + j + 16] * id + 16.5f));
                dst.set(BYTE, off + 6 + j, (byte) ((x0 & 0xF) | ((x1 & 0xF) << 4)));
                qh |= ((x0 & 0x10) >>> 4) << j;
                qh |= ((x1 & 0x10) >>> 4) << (j + 16);
            }
            dst.set(INT_LE, off + 2, qh);
        }
    }
}
