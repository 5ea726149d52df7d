package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.BYTE;
import static dev.jllm.tensor.Simd.B_FOR_F;
import static dev.jllm.tensor.Simd.B_2F;
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
import jdk.incubator.vector.VectorOperators;

/**
 * Q8_0: blocks of 32 values, 34 bytes: an F16 scale d, then 32 int8 quants; value = d · q.
 * Activations are Q8_0 too, so a block's dot product is d_w · d_x · Σ q_w · q_x.
 */
final class Q8_0Format implements Block32Format {
    static final int BLOCK = 32, BYTES = 34;

    @Override public GGMLType type() { return GGMLType.Q8_0; }
    @Override public GGMLType activationType() { return GGMLType.Q8_0; }

    @Override
    public void dequantize(MemorySegment data, long first, float[] out, int outOffset, int count) {
        long block0 = first / BLOCK;
        for (int b = 0; b < count / BLOCK; b++) {
            long off = (block0 + b) * BYTES;
            float d = f16(data, off);
            for (int j = 0; j < BLOCK; j++) out[outOffset + b * BLOCK + j] = d * data.get(BYTE, off + 2 + j);
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
            for (int j = 0; j < BLOCK; j++) sumi += data.get(BYTE, off + 2 + j) * x.quants[q + j];
            sum += sumi * (f16(data, off) * x.scales[xb + b]);
        }
        return sum;
    }

    /*
     * Kernels. One row (dot, matvec): FLEN int8 weights at a time are widened to float (exact)
     * and FMA'd with the activation quants (also exact floats), so a block's lane sums are exact
     * integers; each block's lanes are then folded into the lane accumulators with
     * fma(blockSum, d_w·d_x, acc) (d_w·d_x is exact: two 11-bit significands), and the lanes are
     * added at the end of the row in a fixed order ({@link Simd#hsum}) — the order of llama.cpp's
     * x86 vec_dot. Batches (matmul) put tokens in lanes and round as the scalar twin does.
     * (Dequantized activations d_x·q_x would save the product per block but make the lane sums
     * inexact — an int8 weight times a 19-bit value — and moved logits measurably.)
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
        if (FLEN == 16) return dotWide(data, rowOffset, x, xRow, cols, lanes);
        return FLEN == 8 ? dotNarrow(data, rowOffset, x, xRow, cols, lanes) : dot128(data, rowOffset, x, xRow, cols, lanes);
    }

    /**
     * {@link #dotWide}'s integer lanes for 128-bit vectors (NEON, SSE): 8 weights at a time
     * times their activation quants in 16-bit lanes, both halves widened into 4 int lanes,
     * the block's 32 products summed there exactly, then one FMA per block.
     */
    private static float dot128(MemorySegment data, long rowOffset, Activations x, int xRow, int cols, float[] lanes) {
        int nb = cols / BLOCK;
        short[] xs = x.quantsAsShort;
        int xBase = xRow * cols;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            float d = Float.float16ToFloat(data.get(SHORT_LE, off)) * x.scales[xRow * nb + b];
            IntVector s = IntVector.zero(I_FOR_F);
            for (int j = 0; j < BLOCK; j += 2 * FLEN) {
                ShortVector p = ((ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + 2 + j, LE).convertShape(VectorOperators.B2S, S_2F, 0))
                        .mul(ShortVector.fromArray(S_2F, xs, xBase + b * BLOCK + j));
                s = s.add((IntVector) p.convertShape(VectorOperators.S2I, I_FOR_F, 0)).add((IntVector) p.convertShape(VectorOperators.S2I, I_FOR_F, 1));
            }
            acc = ((FloatVector) s.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, d), acc);
        }
        acc.intoArray(lanes, 0);
        return Simd.hsum(lanes);
    }

    /**
     * The same lanes and float order with 32-lane short vectors (512 bits): a block's 32
     * weights times the activation quants in 16-bit lanes (|q·x| ≤ 127·128 fits), the two
     * halves widened to ints and added — lane l holds q_l·x_l + q_{l+16}·x_{l+16}, the exact
     * integer the float kernel forms in lane l — then converted and FMA'd as there. 1.5–2.4×
     * the float-lane kernel single-threaded (19.6 vs 12.7 GB/s on 8192×2048, 21.7 vs 9.1 on
     * 2048×8192, standalone harness, interleaved).
     */
    private static float dotWide(MemorySegment data, long rowOffset, Activations x, int xRow, int cols, float[] lanes) {
        int nb = cols / BLOCK;
        short[] xs = x.quantsAsShort;
        int xBase = xRow * cols;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            float d = Float.float16ToFloat(data.get(SHORT_LE, off)) * x.scales[xRow * nb + b];
            ShortVector p = ((ShortVector) ByteVector.fromMemorySegment(B_2F, data, off + 2, LE).convertShape(VectorOperators.B2S, S_2F, 0))
                    .mul(ShortVector.fromArray(S_2F, xs, xBase + b * BLOCK));
            IntVector s = ((IntVector) p.convertShape(VectorOperators.S2I, I_FOR_F, 0)).add((IntVector) p.convertShape(VectorOperators.S2I, I_FOR_F, 1));
            acc = ((FloatVector) s.convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, d), acc);
        }
        acc.intoArray(lanes, 0);
        return Simd.hsum(lanes);
    }

    /** The float-lane kernel, for vectors narrower than 512 bits. */
    private static float dotNarrow(MemorySegment data, long rowOffset, Activations x, int xRow, int cols, float[] lanes) {
        int nb = cols / BLOCK;
        float[] xd = x.quantsAsFloat;
        int xBase = xRow * cols;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q = xBase + b * BLOCK;
            float d = Float.float16ToFloat(data.get(SHORT_LE, off)) * x.scales[xRow * nb + b];
            FloatVector block = FloatVector.zero(F);
            for (int j = 0; j < BLOCK; j += FLEN) {
                block = ((FloatVector) ByteVector.fromMemorySegment(B_FOR_F, data, off + 2 + j, LE).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, xd, q + j), block);
            }
            acc = block.fma(FloatVector.broadcast(F, d), acc);
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

    /** The quants widened to float (exact), FLEN at a time. */
    @Override
    public void decodeBlocks(MemorySegment data, long rowOffset, int first, int count, float[] w, int at, float[] d, int dAt) {
        for (int k = 0; k < count; k++) {
            long p = rowOffset + (long) (first + k) * BYTES;
            d[dAt + k] = Float.float16ToFloat(data.get(SHORT_LE, p));
            for (int j = 0; j < BLOCK; j += FLEN) {
                ((FloatVector) ByteVector.fromMemorySegment(B_FOR_F, data, p + 2 + j, LE).convertShape(VectorOperators.B2F, F, 0)).intoArray(w, at + k * BLOCK + j);
            }
        }
    }

    /** ggml's quantize_row_q8_0_ref: d = max|x| / 127 (F16), q = roundf(x / d). */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        for (int b = 0; b < count / BLOCK; b++) {
            int s = srcOffset + b * BLOCK;
            long off = dstOffset + (long) b * BYTES;
            float amax = 0;
            for (int j = 0; j < BLOCK; j++) amax = Math.max(amax, Math.abs(src[s + j]));
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            dst.set(SHORT_LE, off, Float.floatToFloat16(d));
            for (int j = 0; j < BLOCK; j++) dst.set(BYTE, off + 2 + j, (byte) QuantMath.roundHalfAway(src[s + j] * id));
        }
    }
}
