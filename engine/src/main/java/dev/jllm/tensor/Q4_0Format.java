package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.BYTE;
import static dev.jllm.tensor.Simd.B_FOR_F;
import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.I_FOR_F;
import static dev.jllm.tensor.Simd.LE;
import static dev.jllm.tensor.Simd.SHORT_LE;
import static dev.jllm.tensor.Simd.f16;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0: blocks of 32 values, 18 bytes: an F16 scale d, then 16 bytes of 4-bit quants. Byte j
 * holds value j in its low nibble and value j+16 in its high nibble; value = d · (nibble − 8).
 * Activations are Q8_0.
 */
final class Q4_0Format implements TensorFormat {
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
                FloatVector lo = (FloatVector) s.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convert(VectorOperators.I2F, 0);
                FloatVector hi = (FloatVector) s.lanewise(VectorOperators.ASHR, 4).convert(VectorOperators.I2F, 0);
                block = lo.fma(FloatVector.fromArray(F, xd, q + j), block);
                block = hi.fma(FloatVector.fromArray(F, xd, q + 16 + j), block);
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
     * Batches with lanes = tokens ({@link Activations#quantsByToken}), tiles of FLEN tokens
     * taken in pairs, for the tokens {@link Activations#laneTiledTokens} gives; the rest one at
     * a time through {@link #dot}.
     */
    @Override
    public void matmul(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x,
                       float[] out, int outStride) {
        int tiled = x.laneTiledTokens();
        float[] scratch = KernelScratch.floats(4 * BLOCK + FLEN);
        for (int tile = 0; tile * FLEN < tiled; tile += 2) {
            int valid = Math.min(FLEN, tiled - tile * FLEN), valid2 = Math.max(0, Math.min(FLEN, tiled - (tile + 1) * FLEN));
            gemmTilePair(data, rowBytes, rowStart, rowEnd, x, tile, valid, valid2, scratch, out, outStride);
        }
        float[] lanes = KernelScratch.small();
        for (int t = tiled; t < x.count(); t++) {
            for (int r = rowStart; r < rowEnd; r++) out[t * outStride + r] = dot(data, r * rowBytes, x, t, x.cols(), lanes);
        }
    }

    /**
     * Weight rows [rowStart, rowEnd) times token tiles {@code tile} and {@code tile + 1}
     * ({@code valid} and {@code valid2} real tokens), as {@link Q8_0Format}'s batched kernel
     * does it: rows in fours, each block of the four rows decoded to the integers q − 8 as
     * floats into {@code scratch} (scratch[32i + j] = value j of row i), every value broadcast
     * and FMA'd with both tiles' activation quants of its column; acc += blockSum · (d_w · d_x)
     * per block, so every token's result is bit for bit {@link #dotScalar}'s. Only the decoding
     * differs from Q8_0's kernel; the rest is written out in both on purpose: with the FMA loop
     * in a shared helper, prompt processing ran 20% slower end to end (Q4_0 and Q8_0 alike,
     * 3 interleaved rounds).
     */
    private static void gemmTilePair(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x, int tile, int valid, int valid2,
                                     float[] scratch, float[] out, int outStride) {
        int cols = x.cols(), nb = cols / BLOCK, rows = rowEnd - rowStart, res = 4 * BLOCK;
        float[] xt = x.quantsByToken, st = x.scalesByToken;
        for (int r0 = 0; r0 < rows; r0 += 4) {
            // a range that is not a multiple of 4 repeats its last row; the duplicates are dropped
            int r1 = Math.min(r0 + 1, rows - 1), r2 = Math.min(r0 + 2, rows - 1), r3 = Math.min(r0 + 3, rows - 1);
            long off0 = (rowStart + r0) * rowBytes, off1 = (rowStart + r1) * rowBytes, off2 = (rowStart + r2) * rowBytes, off3 = (rowStart + r3) * rowBytes;
            // acc*: the first tile's tokens, bcc*: the second's
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0, bcc0 = acc0, bcc1 = acc0, bcc2 = acc0, bcc3 = acc0;
            for (int b = 0; b < nb; b++) {
                long p0 = off0 + (long) b * BYTES, p1 = off1 + (long) b * BYTES, p2 = off2 + (long) b * BYTES, p3 = off3 + (long) b * BYTES;
                for (int j = 0; j < 16; j += FLEN) {
                    IntVector q;
                    q = (IntVector) ByteVector.fromMemorySegment(B_FOR_F, data, p0 + 2 + j, LE).lanewise(VectorOperators.XOR, (byte) 0x88).convertShape(VectorOperators.B2I, I_FOR_F, 0);
                    ((FloatVector) q.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convert(VectorOperators.I2F, 0)).intoArray(scratch, j);
                    ((FloatVector) q.lanewise(VectorOperators.ASHR, 4).convert(VectorOperators.I2F, 0)).intoArray(scratch, 16 + j);
                    q = (IntVector) ByteVector.fromMemorySegment(B_FOR_F, data, p1 + 2 + j, LE).lanewise(VectorOperators.XOR, (byte) 0x88).convertShape(VectorOperators.B2I, I_FOR_F, 0);
                    ((FloatVector) q.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convert(VectorOperators.I2F, 0)).intoArray(scratch, BLOCK + j);
                    ((FloatVector) q.lanewise(VectorOperators.ASHR, 4).convert(VectorOperators.I2F, 0)).intoArray(scratch, BLOCK + 16 + j);
                    q = (IntVector) ByteVector.fromMemorySegment(B_FOR_F, data, p2 + 2 + j, LE).lanewise(VectorOperators.XOR, (byte) 0x88).convertShape(VectorOperators.B2I, I_FOR_F, 0);
                    ((FloatVector) q.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convert(VectorOperators.I2F, 0)).intoArray(scratch, 2 * BLOCK + j);
                    ((FloatVector) q.lanewise(VectorOperators.ASHR, 4).convert(VectorOperators.I2F, 0)).intoArray(scratch, 2 * BLOCK + 16 + j);
                    q = (IntVector) ByteVector.fromMemorySegment(B_FOR_F, data, p3 + 2 + j, LE).lanewise(VectorOperators.XOR, (byte) 0x88).convertShape(VectorOperators.B2I, I_FOR_F, 0);
                    ((FloatVector) q.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).convert(VectorOperators.I2F, 0)).intoArray(scratch, 3 * BLOCK + j);
                    ((FloatVector) q.lanewise(VectorOperators.ASHR, 4).convert(VectorOperators.I2F, 0)).intoArray(scratch, 3 * BLOCK + 16 + j);
                }
                FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, u0 = s0, u1 = s0, u2 = s0, u3 = s0;
                int xa0 = (tile * cols + b * BLOCK) * FLEN, xb0 = xa0 + cols * FLEN;
                for (int v = 0; v < BLOCK; v++) {
                    FloatVector xa = FloatVector.fromArray(F, xt, xa0 + v * FLEN), xb = FloatVector.fromArray(F, xt, xb0 + v * FLEN);
                    FloatVector w0 = FloatVector.broadcast(F, scratch[v]), w1 = FloatVector.broadcast(F, scratch[BLOCK + v]);
                    FloatVector w2 = FloatVector.broadcast(F, scratch[2 * BLOCK + v]), w3 = FloatVector.broadcast(F, scratch[3 * BLOCK + v]);
                    s0 = w0.fma(xa, s0);
                    u0 = w0.fma(xb, u0);
                    s1 = w1.fma(xa, s1);
                    u1 = w1.fma(xb, u1);
                    s2 = w2.fma(xa, s2);
                    u2 = w2.fma(xb, u2);
                    s3 = w3.fma(xa, s3);
                    u3 = w3.fma(xb, u3);
                }
                FloatVector dxa = FloatVector.fromArray(F, st, (tile * nb + b) * FLEN), dxb = FloatVector.fromArray(F, st, ((tile + 1) * nb + b) * FLEN);
                float d0 = Float.float16ToFloat(data.get(SHORT_LE, p0)), d1 = Float.float16ToFloat(data.get(SHORT_LE, p1));
                float d2 = Float.float16ToFloat(data.get(SHORT_LE, p2)), d3 = Float.float16ToFloat(data.get(SHORT_LE, p3));
                acc0 = acc0.add(s0.mul(dxa.mul(d0)));
                bcc0 = bcc0.add(u0.mul(dxb.mul(d0)));
                acc1 = acc1.add(s1.mul(dxa.mul(d1)));
                bcc1 = bcc1.add(u1.mul(dxb.mul(d1)));
                acc2 = acc2.add(s2.mul(dxa.mul(d2)));
                bcc2 = bcc2.add(u2.mul(dxb.mul(d2)));
                acc3 = acc3.add(s3.mul(dxa.mul(d3)));
                bcc3 = bcc3.add(u3.mul(dxb.mul(d3)));
            }
            int o = tile * FLEN * outStride + rowStart, o2 = o + FLEN * outStride;
            acc0.intoArray(scratch, res);
            for (int lane = 0; lane < valid; lane++) out[o + lane * outStride + r0] = scratch[res + lane];
            acc1.intoArray(scratch, res);
            for (int lane = 0; lane < valid; lane++) out[o + lane * outStride + r1] = scratch[res + lane];
            acc2.intoArray(scratch, res);
            for (int lane = 0; lane < valid; lane++) out[o + lane * outStride + r2] = scratch[res + lane];
            acc3.intoArray(scratch, res);
            for (int lane = 0; lane < valid; lane++) out[o + lane * outStride + r3] = scratch[res + lane];
            bcc0.intoArray(scratch, res);
            for (int lane = 0; lane < valid2; lane++) out[o2 + lane * outStride + r0] = scratch[res + lane];
            bcc1.intoArray(scratch, res);
            for (int lane = 0; lane < valid2; lane++) out[o2 + lane * outStride + r1] = scratch[res + lane];
            bcc2.intoArray(scratch, res);
            for (int lane = 0; lane < valid2; lane++) out[o2 + lane * outStride + r2] = scratch[res + lane];
            bcc3.intoArray(scratch, res);
            for (int lane = 0; lane < valid2; lane++) out[o2 + lane * outStride + r3] = scratch[res + lane];
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
