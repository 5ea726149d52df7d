package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.BYTE;
import static dev.jllm.tensor.Simd.B_FOR_F;
import static dev.jllm.tensor.Simd.B_NARROW;
import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.F_NARROW;
import static dev.jllm.tensor.Simd.INT_LE;
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
 * Q5_1: blocks of 32 values, 24 bytes: F16 scale d, F16 minimum m, u32 qh of fifth bits, 16
 * bytes of nibbles (layout as Q5_0); value = d · q + m. Activations are Q8_1 (see {@link Q4_1Format}).
 */
final class Q5_1Format implements Block32Format {
    static final int BLOCK = 32, BYTES = 24;

    @Override public GGMLType type() { return GGMLType.Q5_1; }
    @Override public GGMLType activationType() { return GGMLType.Q8_1; }
    @Override public boolean hasMins() { return true; }

    static int value(MemorySegment data, long off, int qh, int i) {
        int v = data.get(BYTE, off + 8 + (i & 15)) & 0xFF;
        int nibble = i < 16 ? v & 0xF : v >>> 4;
        return nibble | ((qh >>> i) & 1) << 4;
    }

    @Override
    public void dequantize(MemorySegment data, long first, float[] out, int outOffset, int count) {
        long block0 = first / BLOCK;
        for (int b = 0; b < count / BLOCK; b++) {
            long off = (block0 + b) * BYTES;
            float d = f16(data, off), m = f16(data, off + 2);
            int qh = data.get(INT_LE, off + 4);
            for (int i = 0; i < BLOCK; i++) out[outOffset + b * BLOCK + i] = value(data, off, qh, i) * d + m;
        }
    }

    @Override
    public float dotScalar(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float sum = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int qh = data.get(INT_LE, off + 4);
            int q = (xb + b) * BLOCK;
            int sumi = 0;
            for (int i = 0; i < BLOCK; i++) sumi += value(data, off, qh, i) * x.quants[q + i];
            sum += sumi * (f16(data, off) * x.scales[xb + b]) + f16(data, off + 2) * x.sums[xb + b];
        }
        return sum;
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
     * {@link #dot} for 256- and 128-bit vectors, in integer lanes as {@link Q5_0Format}'s
     * (there the fifth bits' masks, from the complement of qh — a compare for equality is one
     * instruction on AVX2, for inequality two): q = nibble + 16 where the bit is set, q·q_x in 16-bit lanes
     * (|·| ≤ 31·127, at most four per lane and two lanes added as ints: below 2^15, exact); the
     * minimum's m · s_x summed as the scalar twin sums it.
     */
    private static float dotNarrow(MemorySegment data, long rowOffset, Activations x, int xRow, int cols, float[] lanes) {
        int nb = cols / BLOCK;
        short[] xs = x.quantsAsShort;
        int xBase = xRow * cols, xb = xRow * nb;
        FloatVector acc = FloatVector.zero(F_NARROW);
        float mins = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q = xBase + b * BLOCK;
            int qh = data.get(INT_LE, off + 4);
            ShortVector sum = ShortVector.zero(S_NARROW);
            for (int j = 0; j < 16; j += 2 * NFLEN) { // one trip with 256 bits, two with 128
                ShortVector w = (ShortVector) ByteVector.fromMemorySegment(B_NARROW, data, off + 8 + j, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_NARROW, 0);
                ShortVector setLo = ShortVector.broadcast(S_NARROW, (short) ~(qh >>> j)).and(Q5_0Format.BIT).compare(VectorOperators.EQ, (short) 0).toVector().reinterpretAsShorts();
                ShortVector setHi = ShortVector.broadcast(S_NARROW, (short) ~(qh >>> 16 + j)).and(Q5_0Format.BIT).compare(VectorOperators.EQ, (short) 0).toVector().reinterpretAsShorts();
                ShortVector lo = w.and((short) 15).sub(setLo.lanewise(VectorOperators.LSHL, 4)).mul(ShortVector.fromArray(S_NARROW, xs, q + j));
                ShortVector hi = w.lanewise(VectorOperators.LSHR, 4).sub(setHi.lanewise(VectorOperators.LSHL, 4)).mul(ShortVector.fromArray(S_NARROW, xs, q + 16 + j));
                sum = sum.add(lo).add(hi);
            }
            IntVector p = (IntVector) sum.reinterpretShape(I_NARROW, 0);
            p = p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            FloatVector sums = (FloatVector) p.convertShape(VectorOperators.I2F, F_NARROW, 0);
            acc = sums.fma(FloatVector.broadcast(F_NARROW, Float.float16ToFloat(data.get(SHORT_LE, off)) * x.scales[xb + b]), acc);
            mins += Float.float16ToFloat(data.get(SHORT_LE, off + 2)) * x.sums[xb + b];
        }
        acc.intoArray(lanes, 0);
        return Simd.hsum(lanes, NFLEN) + mins;
    }

    /** {@link #dot} for 512-bit vectors, in float lanes: on AVX-512 9% faster than the 16-bit form run at 256 bits there (JMH 8192×2048, 3 interleaved rounds). */
    private static float dotWide(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float[] xq = x.quantsAsFloat;
        FloatVector acc = FloatVector.zero(F);
        float mins = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int qh = data.get(INT_LE, off + 4);
            int q = (xb + b) * BLOCK;
            FloatVector block = FloatVector.zero(F);
            for (int j = 0; j < 16; j += FLEN) {
                ByteVector packed = ByteVector.fromMemorySegment(B_FOR_F, data, off + 8 + j, LE);
                FloatVector lo = (FloatVector) Q5_0Format.fiveBit(packed.and((byte) 0xF), qh, j).convertShape(VectorOperators.I2F, F, 0);
                FloatVector hi = (FloatVector) Q5_0Format.fiveBit(packed.lanewise(VectorOperators.LSHR, 4), qh, j + 16).convertShape(VectorOperators.I2F, F, 0);
                block = lo.fma(FloatVector.fromArray(F, xq, q + j), block);
                block = hi.fma(FloatVector.fromArray(F, xq, q + j + 16), block);
            }
            acc = block.fma(FloatVector.broadcast(F, f16(data, off) * x.scales[xb + b]), acc);
            mins += f16(data, off + 2) * x.sums[xb + b];
        }
        return Simd.sumLanes(acc) + mins;
    }

    /** The values 0 … 31 as floats, decoded as in {@link #dot}: low nibbles to j, high to 16 + j. */
    @Override
    public void decodeBlocks(MemorySegment data, long rowOffset, int first, int count, float[] w, int at, float[] d, int dAt) {
        for (int k = 0; k < count; k++) {
            long off = rowOffset + (long) (first + k) * BYTES;
            d[dAt + k] = f16(data, off);
            int qh = data.get(INT_LE, off + 4);
            for (int j = 0; j < 16; j += FLEN) {
                ByteVector packed = ByteVector.fromMemorySegment(B_FOR_F, data, off + 8 + j, LE);
                ((FloatVector) Q5_0Format.fiveBit(packed.and((byte) 0xF), qh, j).convertShape(VectorOperators.I2F, F, 0)).intoArray(w, at + k * BLOCK + j);
                ((FloatVector) Q5_0Format.fiveBit(packed.lanewise(VectorOperators.LSHR, 4), qh, j + 16).convertShape(VectorOperators.I2F, F, 0)).intoArray(w, at + k * BLOCK + 16 + j);
            }
        }
    }

    @Override
    public void decodeMins(MemorySegment data, long rowOffset, int first, int count, float[] m, int mAt) {
        for (int k = 0; k < count; k++) m[mAt + k] = f16(data, rowOffset + (long) (first + k) * BYTES + 2);
    }

    /** ggml's quantize_row_q5_1_ref: d = (max − min) / 31, m = min, q = (x − min)/d + 0.5 truncated. */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        for (int b = 0; b < count / BLOCK; b++) {
            int s = srcOffset + b * BLOCK;
            long off = dstOffset + (long) b * BYTES;
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int j = 0; j < BLOCK; j++) {
                float v = src[s + j];
                if (v < min) min = v; // not Math.min: -0.0 must not replace 0.0, as in C
                if (v > max) max = v;
            }
            float d = (max - min) / 31;
            float id = d != 0 ? 1.0f / d : 0.0f;
            dst.set(SHORT_LE, off, Float.floatToFloat16(d));
            dst.set(SHORT_LE, off + 2, Float.floatToFloat16(min));
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int x0 = (int) ((src[s + j] - min) * id + 0.5f) & 0xFF;
                int x1 = (int) ((src[s + j + 16] - min) * id + 0.5f) & 0xFF;
                dst.set(BYTE, off + 8 + j, (byte) ((x0 & 0xF) | ((x1 & 0xF) << 4)));
                qh |= ((x0 & 0x10) >>> 4) << j;
                qh |= ((x1 & 0x10) >>> 4) << (j + 16);
            }
            dst.set(INT_LE, off + 4, qh);
        }
    }
}
