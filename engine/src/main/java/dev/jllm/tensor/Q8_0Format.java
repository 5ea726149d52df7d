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
final class Q8_0Format implements TensorFormat {
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
     * Kernels. FLEN int8 weights at a time are widened to float (exact) and FMA'd with the
     * activation quants (also exact floats), so a block's lane sums are exact integers; each
     * block's lanes are then folded into the lane accumulators with fma(blockSum, d_w·d_x, acc)
     * (d_w·d_x is exact: two 11-bit significands), and the lanes are added at the end of the row
     * in a fixed order ({@link Simd#hsum}). Every path (dot, matvec, matmul) rounds the same way.
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
        return FLEN == 16 ? dotWide(data, rowOffset, x, xRow, cols, lanes) : dotNarrow(data, rowOffset, x, xRow, cols, lanes);
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
            acc = ((FloatVector) s.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d), acc);
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

    /**
     * Tiles of 2 weight rows × 8 activation rows (16 lane accumulators): each block of the two
     * weight rows is decoded once and used for the 8 activation rows, whose loads are shared by
     * the two weight rows. Partial tiles repeat their last row / activation row and drop the
     * duplicate results.
     */
    @Override
    public void matmul(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x,
                       float[] out, int outStride) {
        int count = x.count();
        // 16 activation rows at a time: their activations (16 × cols floats, 512 KB for the FFN's
        // 8192) stay in L2 while the chunk's weight rows are swept; a prompt chunk of 32 ran 10–30%
        // slower end to end than two chunks of 16 without this
        for (int t0 = 0; t0 < count; t0 += 16) {
            for (int r = rowStart; r < rowEnd; r += 2) {
                for (int t = t0; t < Math.min(count, t0 + 16); t += 8) tile(data, rowBytes, r, Math.min(r + 1, rowEnd - 1), x, t, out, outStride);
            }
        }
    }

    private static void tile(MemorySegment data, long rowBytes, int r0, int r1, Activations x, int t0, float[] out, int outStride) {
        int cols = x.cols(), nb = cols / BLOCK, last = x.count() - 1;
        float[] xd = x.quantsAsFloat, xs = x.scales;
        long off0 = r0 * rowBytes, off1 = r1 * rowBytes;
        int x0 = t0 * cols, x1 = Math.min(t0 + 1, last) * cols, x2 = Math.min(t0 + 2, last) * cols, x3 = Math.min(t0 + 3, last) * cols;
        int x4 = Math.min(t0 + 4, last) * cols, x5 = Math.min(t0 + 5, last) * cols, x6 = Math.min(t0 + 6, last) * cols, x7 = Math.min(t0 + 7, last) * cols;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a04 = a00, a05 = a00, a06 = a00, a07 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00, a14 = a00, a15 = a00, a16 = a00, a17 = a00;
        for (int b = 0; b < nb; b++) {
            long p0 = off0 + (long) b * BYTES, p1 = off1 + (long) b * BYTES;
            float d0 = Float.float16ToFloat(data.get(SHORT_LE, p0)), d1 = Float.float16ToFloat(data.get(SHORT_LE, p1));
            for (int j = 0; j < 16; j += FLEN) {
                // the two rows' weights j… and 16 + j… of the block, widened
                FloatVector w0 = (FloatVector) ByteVector.fromMemorySegment(B_FOR_F, data, p0 + 2 + j, LE).convertShape(VectorOperators.B2F, F, 0);
                FloatVector w1 = (FloatVector) ByteVector.fromMemorySegment(B_FOR_F, data, p1 + 2 + j, LE).convertShape(VectorOperators.B2F, F, 0);
                FloatVector w0b = (FloatVector) ByteVector.fromMemorySegment(B_FOR_F, data, p0 + 2 + j + 16, LE).convertShape(VectorOperators.B2F, F, 0);
                FloatVector w1b = (FloatVector) ByteVector.fromMemorySegment(B_FOR_F, data, p1 + 2 + j + 16, LE).convertShape(VectorOperators.B2F, F, 0);
                int c = b * BLOCK + j;
                FloatVector xl, xh;
                float dx;
                xl = FloatVector.fromArray(F, xd, x0 + c); xh = FloatVector.fromArray(F, xd, x0 + c + 16);
                dx = xs[x0 / BLOCK + b];
                a00 = w0b.fma(xh, w0.mul(xl)).fma(FloatVector.broadcast(F, d0 * dx), a00); a10 = w1b.fma(xh, w1.mul(xl)).fma(FloatVector.broadcast(F, d1 * dx), a10);
                xl = FloatVector.fromArray(F, xd, x1 + c); xh = FloatVector.fromArray(F, xd, x1 + c + 16);
                dx = xs[x1 / BLOCK + b];
                a01 = w0b.fma(xh, w0.mul(xl)).fma(FloatVector.broadcast(F, d0 * dx), a01); a11 = w1b.fma(xh, w1.mul(xl)).fma(FloatVector.broadcast(F, d1 * dx), a11);
                xl = FloatVector.fromArray(F, xd, x2 + c); xh = FloatVector.fromArray(F, xd, x2 + c + 16);
                dx = xs[x2 / BLOCK + b];
                a02 = w0b.fma(xh, w0.mul(xl)).fma(FloatVector.broadcast(F, d0 * dx), a02); a12 = w1b.fma(xh, w1.mul(xl)).fma(FloatVector.broadcast(F, d1 * dx), a12);
                xl = FloatVector.fromArray(F, xd, x3 + c); xh = FloatVector.fromArray(F, xd, x3 + c + 16);
                dx = xs[x3 / BLOCK + b];
                a03 = w0b.fma(xh, w0.mul(xl)).fma(FloatVector.broadcast(F, d0 * dx), a03); a13 = w1b.fma(xh, w1.mul(xl)).fma(FloatVector.broadcast(F, d1 * dx), a13);
                xl = FloatVector.fromArray(F, xd, x4 + c); xh = FloatVector.fromArray(F, xd, x4 + c + 16);
                dx = xs[x4 / BLOCK + b];
                a04 = w0b.fma(xh, w0.mul(xl)).fma(FloatVector.broadcast(F, d0 * dx), a04); a14 = w1b.fma(xh, w1.mul(xl)).fma(FloatVector.broadcast(F, d1 * dx), a14);
                xl = FloatVector.fromArray(F, xd, x5 + c); xh = FloatVector.fromArray(F, xd, x5 + c + 16);
                dx = xs[x5 / BLOCK + b];
                a05 = w0b.fma(xh, w0.mul(xl)).fma(FloatVector.broadcast(F, d0 * dx), a05); a15 = w1b.fma(xh, w1.mul(xl)).fma(FloatVector.broadcast(F, d1 * dx), a15);
                xl = FloatVector.fromArray(F, xd, x6 + c); xh = FloatVector.fromArray(F, xd, x6 + c + 16);
                dx = xs[x6 / BLOCK + b];
                a06 = w0b.fma(xh, w0.mul(xl)).fma(FloatVector.broadcast(F, d0 * dx), a06); a16 = w1b.fma(xh, w1.mul(xl)).fma(FloatVector.broadcast(F, d1 * dx), a16);
                xl = FloatVector.fromArray(F, xd, x7 + c); xh = FloatVector.fromArray(F, xd, x7 + c + 16);
                dx = xs[x7 / BLOCK + b];
                a07 = w0b.fma(xh, w0.mul(xl)).fma(FloatVector.broadcast(F, d0 * dx), a07); a17 = w1b.fma(xh, w1.mul(xl)).fma(FloatVector.broadcast(F, d1 * dx), a17);
            }
        }
        // results of the tile: out[t * outStride + r], the duplicated rows and activation rows dropped
        int n = Math.min(8, last + 1 - t0);
        int o0 = t0 * outStride + r0, o1 = t0 * outStride + r1;
        float[] lanes = KernelScratch.small();
        a00.intoArray(lanes, 0); out[o0] = Simd.hsum(lanes);
        a10.intoArray(lanes, 0); out[o1] = Simd.hsum(lanes);
        if (n > 1) { a01.intoArray(lanes, 0); out[o0 + outStride] = Simd.hsum(lanes); a11.intoArray(lanes, 0); out[o1 + outStride] = Simd.hsum(lanes); }
        if (n > 2) { a02.intoArray(lanes, 0); out[o0 + 2 * outStride] = Simd.hsum(lanes); a12.intoArray(lanes, 0); out[o1 + 2 * outStride] = Simd.hsum(lanes); }
        if (n > 3) { a03.intoArray(lanes, 0); out[o0 + 3 * outStride] = Simd.hsum(lanes); a13.intoArray(lanes, 0); out[o1 + 3 * outStride] = Simd.hsum(lanes); }
        if (n > 4) { a04.intoArray(lanes, 0); out[o0 + 4 * outStride] = Simd.hsum(lanes); a14.intoArray(lanes, 0); out[o1 + 4 * outStride] = Simd.hsum(lanes); }
        if (n > 5) { a05.intoArray(lanes, 0); out[o0 + 5 * outStride] = Simd.hsum(lanes); a15.intoArray(lanes, 0); out[o1 + 5 * outStride] = Simd.hsum(lanes); }
        if (n > 6) { a06.intoArray(lanes, 0); out[o0 + 6 * outStride] = Simd.hsum(lanes); a16.intoArray(lanes, 0); out[o1 + 6 * outStride] = Simd.hsum(lanes); }
        if (n > 7) { a07.intoArray(lanes, 0); out[o0 + 7 * outStride] = Simd.hsum(lanes); a17.intoArray(lanes, 0); out[o1 + 7 * outStride] = Simd.hsum(lanes); }
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
