package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.BYTE;
import static dev.jllm.tensor.Simd.B_2F;
import static dev.jllm.tensor.Simd.B_FOR_F;
import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.I_FOR_F;
import static dev.jllm.tensor.Simd.LE;
import static dev.jllm.tensor.Simd.S_2F;
import static dev.jllm.tensor.Simd.SHORT_LE;
import static dev.jllm.tensor.Simd.f16;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0: blocks of 32 values, 18 bytes: an F16 scale d, then 16 bytes of 4-bit quants. Byte j
 * holds value j in its low nibble and value j+16 in its high nibble; value = d · (nibble − 8).
 * Activations are Q8_0.
 */
final class Q4_0Format implements Block32Format {
    static final int BLOCK = 32, BYTES = 18;

    @Override public GGMLType type() { return GGMLType.Q4_0; }
    @Override public GGMLType activationType() { return GGMLType.Q8_0; }

    @Override
    public void dequantize(MemorySegment data, long first, float[] out, int outOffset, int count) {
        long block0 = first / BLOCK;
        for (int b = 0; b < count / BLOCK; b++) {
            long off = (block0 + b) * BYTES;
            float d = f16(data, off);
            int o = outOffset + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int v = data.get(BYTE, off + 2 + j) & 0xFF;
                out[o + j] = ((v & 0xF) - 8) * d;
                out[o + j + 16] = ((v >>> 4) - 8) * d;
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
                int v = data.get(BYTE, off + 2 + j) & 0xFF;
                sumi += ((v & 0xF) - 8) * x.quants[q + j] + ((v >>> 4) - 8) * x.quants[q + j + 16];
            }
            sum += sumi * (f16(data, off) * x.scales[xb + b]);
        }
        return sum;
    }

    /*
     * Kernels. A block's FLEN packed bytes at a time are XORed with 0x88 and sign-extended to
     * int lanes: then bits 0–3 hold the low nibble − 8 and bits 4–7 the high nibble − 8, both as
     * signed 4-bit values, so (s << 28) >> 28 and s >> 4 give the two halves' (q − 8) exactly,
     * converted to float. Activations are used dequantized (x̂ = d_x · q_x, exact), so that a
     * block's Σ (q − 8)·x̂ is exact in every lane (d_x times an integer below 2^15).
     * One row (dot, matvec) folds each block's lane sums into the lane accumulators with
     * fma(blockSum, d_w, acc) — the same rounding as fma(Σ q·q_x, d_w·d_x, acc) — and adds the
     * lanes at the end of the row in a fixed order ({@link Simd#hsum}). Batches (matmul) put
     * tokens in lanes and round as the scalar twin does. (Scaling the decoded
     * weights by d_w and FMA'ing them straight into the row accumulators saves a third of the
     * batched FMAs, but rounds at every element and moved logits measurably.)
     *
     * The kernels call nothing but the Vector API, segment accessors and Math (all inlined by
     * C2): a helper method of our own may be left out of line once C2's node budget for the
     * method is spent, and a call inside these loops would box vectors or spill every vector
     * register.
     */

    @Override
    public float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        return dot(data, rowOffset, x, xRow, cols, KernelScratch.small());
    }

    /** One row; {@code lanes} is FLEN floats of scratch for the final sum. */
    static float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols, float[] lanes) {
        if (FLEN <= 8) return dotNarrow(data, rowOffset, x, xRow, cols, lanes);
        int nb = cols / BLOCK;
        float[] xd = x.dequantized;
        int xBase = xRow * cols;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q = xBase + b * BLOCK;
            float d = Float.float16ToFloat(data.get(SHORT_LE, off));
            FloatVector block = FloatVector.zero(F);
            for (int j = 0; j < 16; j += FLEN) {
                IntVector s = (IntVector) ByteVector.fromMemorySegment(B_FOR_F, data, off + 2 + j, LE)
                        .lanewise(VectorOperators.XOR, (byte) 0x88).convertShape(VectorOperators.B2I, I_FOR_F, 0);
                FloatVector lo = (FloatVector) s.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convertShape(VectorOperators.I2F, F, 0);
                FloatVector hi = (FloatVector) s.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0);
                block = lo.fma(FloatVector.fromArray(F, xd, q + j), block);
                block = hi.fma(FloatVector.fromArray(F, xd, q + 16 + j), block);
            }
            acc = block.fma(FloatVector.broadcast(F, d), acc);
        }
        acc.intoArray(lanes, 0);
        return Simd.hsum(lanes);
    }

    /**
     * {@link #dot} for 256- and 128-bit vectors (AVX2; NEON, SSE), in integer lanes as
     * llama.cpp's AVX2 kernel: a block's 16 bytes widened to short lanes (2·FLEN at a time),
     * (low nibble − 8) and (high nibble − 8) times the activation quants there (|·| ≤ 8·128),
     * all added per lane (values j and j + 16 share a lane; |Σ| ≤ 4·8·128), adjacent lanes
     * added as ints ((p + (p << 16)) >> 16, exact: the sum fits in 16 bits) — FLEN exact
     * integer lane sums — then acc = fma(lane, d_w · d_x, acc) lane-wise and the lanes added at
     * the end ({@link Simd#hsum}). Float order as ggml's, though its lanes hold other positions
     * of the block; within float rounding of the scalar twin.
     */
    private static float dotNarrow(MemorySegment data, long rowOffset, Activations x, int xRow, int cols, float[] lanes) {
        int nb = cols / BLOCK;
        short[] xs = x.quantsAsShort;
        int xBase = xRow * cols, xb = xRow * nb;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q = xBase + b * BLOCK;
            ShortVector sum = ShortVector.zero(S_2F);
            for (int j = 0; j < 16; j += 2 * FLEN) { // one trip with 256 bits, two with 128
                ShortVector w = (ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + 2 + j, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S_2F, 0);
                ShortVector lo = w.and((short) 15).sub((short) 8).mul(ShortVector.fromArray(S_2F, xs, q + j));
                ShortVector hi = w.lanewise(VectorOperators.LSHR, 4).sub((short) 8).mul(ShortVector.fromArray(S_2F, xs, q + 16 + j));
                sum = sum.add(lo).add(hi);
            }
            IntVector p = (IntVector) sum.reinterpretShape(I_FOR_F, 0);
            p = p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
            FloatVector sums = (FloatVector) p.convertShape(VectorOperators.I2F, F, 0);
            acc = sums.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(SHORT_LE, off)) * x.scales[xb + b]), acc);
        }
        acc.intoArray(lanes, 0);
        return Simd.hsum(lanes);
    }

    /**
     * Rows one after the other. (Groups of 4 rows sharing the activation loads were 30% faster
     * on weights in cache but 3× slower streaming from memory: interleaving the rows defeats
     * the hardware prefetcher.)
     */
    @Override
    public void matvec(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x, int xRow,
                       float[] out, int outOffset) {
        float[] lanes = KernelScratch.small();
        for (int r = rowStart; r < rowEnd; r++) out[outOffset + r - rowStart] = dot(data, r * rowBytes, x, xRow, x.cols(), lanes);
    }

    /** The values q − 8 as floats, decoded as in {@link #dot}: low nibbles to j, high to 16 + j. */
    @Override
    public void decodeBlocks(MemorySegment data, long rowOffset, int first, int count, float[] w, int at, float[] d, int dAt) {
        for (int k = 0; k < count; k++) {
            long p = rowOffset + (long) (first + k) * BYTES;
            d[dAt + k] = Float.float16ToFloat(data.get(SHORT_LE, p));
            for (int j = 0; j < 16; j += FLEN) {
                IntVector q = (IntVector) ByteVector.fromMemorySegment(B_FOR_F, data, p + 2 + j, LE).lanewise(VectorOperators.XOR, (byte) 0x88).convertShape(VectorOperators.B2I, I_FOR_F, 0);
                ((FloatVector) q.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convertShape(VectorOperators.I2F, F, 0)).intoArray(w, at + k * BLOCK + j);
                ((FloatVector) q.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0)).intoArray(w, at + k * BLOCK + 16 + j);
            }
        }
    }

    /** ggml's quantize_row_q4_0_ref: the value m of largest magnitude sets d = m / −8. */
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
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            dst.set(SHORT_LE, off, Float.floatToFloat16(d));
            for (int j = 0; j < 16; j++) {
                int x0 = Math.min(15, (byte) (int) (src[s + j] * id + 8.5f));
                int x1 = Math.min(15, (byte) (int) (src[s + j + 16] * id + 8.5f));
                dst.set(BYTE, off + 2 + j, (byte) (x0 | (x1 << 4)));
            }
        }
    }
}
