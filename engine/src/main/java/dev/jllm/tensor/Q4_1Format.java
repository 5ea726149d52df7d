package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.BYTE;
import static dev.jllm.tensor.Simd.B_FOR_F;
import static dev.jllm.tensor.Simd.B_NARROW;
import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.F_NARROW;
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
 * Q4_1: blocks of 32 values, 20 bytes: F16 scale d, F16 minimum m, 16 bytes of nibbles (low
 * nibble of byte j = value j, high nibble = value j+16); value = d · nibble + m. Activations
 * are Q8_1, whose per-block s = d_x · Σq_x turns the m term into one multiply per block:
 * Σ (d_w q_w + m)(d_x q_x) = d_w d_x Σ q_w q_x + m · s.
 */
final class Q4_1Format implements Block32Format {
    static final int BLOCK = 32, BYTES = 20;

    @Override public GGMLType type() { return GGMLType.Q4_1; }
    @Override public GGMLType activationType() { return GGMLType.Q8_1; }
    @Override public boolean hasMins() { return true; }

    @Override
    public void dequantize(MemorySegment data, long first, float[] out, int outOffset, int count) {
        long block0 = first / BLOCK;
        for (int b = 0; b < count / BLOCK; b++) {
            long off = (block0 + b) * BYTES;
            float d = f16(data, off), m = f16(data, off + 2);
            int o = outOffset + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int v = data.get(BYTE, off + 4 + j) & 0xFF;
                out[o + j] = (v & 0xF) * d + m;
                out[o + j + 16] = (v >>> 4) * d + m;
            }
        }
    }

    @Override
    public float dotScalar(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float sum = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q = (xb + b) * BLOCK;
            int sumi = 0;
            for (int j = 0; j < 16; j++) {
                int v = data.get(BYTE, off + 4 + j) & 0xFF;
                sumi += (v & 0xF) * x.quants[q + j] + (v >>> 4) * x.quants[q + j + 16];
            }
            sum += sumi * (f16(data, off) * x.scales[xb + b]) + f16(data, off + 2) * x.sums[xb + b];
        }
        return sum;
    }

    @Override
    public float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        return dot(data, rowOffset, x, xRow, cols, KernelScratch.small());
    }

    @Override
    public void matvec(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x, int xRow,
                       float[] out, int outOffset) {
        float[] lanes = KernelScratch.small();
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r - rowStart] = dot(data, r * rowBytes, x, xRow, x.cols(), lanes);
        }
    }

    /**
     * One row, in integer lanes as {@link Q4_0Format}'s narrow form, at every vector width
     * ({@link Simd#F_NARROW}: at most 256 bits; on AVX-512 it ran 18% faster than 16 float
     * lanes, JMH 8192×2048, 3 interleaved rounds): the nibbles times the activation quants in
     * 16-bit lanes (|·| ≤ 15·127, at most four per lane and two lanes added as ints: exact), one
     * int→float conversion and FMA per block; the minimum's m · s_x summed as the scalar twin
     * sums it. {@code lanes}: NFLEN floats of scratch for the final sum.
     */
    static float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols, float[] lanes) {
        int nb = cols / BLOCK;
        short[] xs = x.quantsAsShort;
        int xBase = xRow * cols, xb = xRow * nb;
        FloatVector acc = FloatVector.zero(F_NARROW);
        float mins = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q = xBase + b * BLOCK;
            ShortVector sum = ShortVector.zero(S_NARROW);
            for (int j = 0; j < 16; j += 2 * NFLEN) { // one trip with 256 bits, two with 128
                ShortVector w = (ShortVector) ByteVector.fromMemorySegment(B_NARROW, data, off + 4 + j, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_NARROW, 0);
                ShortVector lo = w.and((short) 15).mul(ShortVector.fromArray(S_NARROW, xs, q + j));
                ShortVector hi = w.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S_NARROW, xs, q + 16 + j));
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

    /** The nibbles 0 … 15 as floats, decoded as in {@link #dot}: low nibbles to j, high to 16 + j. */
    @Override
    public void decodeBlocks(MemorySegment data, long rowOffset, int first, int count, float[] w, int at, float[] d, int dAt) {
        for (int k = 0; k < count; k++) {
            long off = rowOffset + (long) (first + k) * BYTES;
            d[dAt + k] = f16(data, off);
            for (int j = 0; j < 16; j += FLEN) {
                ByteVector packed = ByteVector.fromMemorySegment(B_FOR_F, data, off + 4 + j, LE);
                ((FloatVector) packed.and((byte) 0xF).convertShape(VectorOperators.B2F, F, 0)).intoArray(w, at + k * BLOCK + j);
                ((FloatVector) packed.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.B2F, F, 0)).intoArray(w, at + k * BLOCK + 16 + j);
            }
        }
    }

    @Override
    public void decodeMins(MemorySegment data, long rowOffset, int first, int count, float[] m, int mAt) {
        for (int k = 0; k < count; k++) m[mAt + k] = f16(data, rowOffset + (long) (first + k) * BYTES + 2);
    }

    /** ggml's quantize_row_q4_1_ref: d = (max − min) / 15, m = min, q = (x − min)/d + 0.5 truncated. */
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
            float d = (max - min) / 15;
            float id = d != 0 ? 1.0f / d : 0.0f;
            dst.set(SHORT_LE, off, Float.floatToFloat16(d));
            dst.set(SHORT_LE, off + 2, Float.floatToFloat16(min));
            for (int j = 0; j < 16; j++) {
                int x0 = Math.min(15, (byte) (int) ((src[s + j] - min) * id + 0.5f));
                int x1 = Math.min(15, (byte) (int) ((src[s + j + 16] - min) * id + 0.5f));
                dst.set(BYTE, off + 4 + j, (byte) (x0 | (x1 << 4)));
            }
        }
    }
}
