package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;

/**
 * The batched product (prompt processing) of the {@link FloatFormat}s. As {@link Block32Gemm}:
 * tokens in vector lanes ({@link Activations#valuesByToken}), two tiles of FLEN tokens at a
 * time, weight rows in fours, every decoded weight broadcast and FMA'd with both tiles'
 * activations of its column, so that each weight is read once per tile pair instead of once
 * per token. Each token's sum runs over blocks of 16 columns, summed with one FMA per column
 * and then added to the total: a sequential sum over the whole row moved stories260K-q5_1's
 * logits (its ffn_down is F32, 172 columns) past the reference tolerance, blocks of 32 took
 * stories260K-bf16 to 0.0485 of 0.05, blocks of 16 keep every reference file within what the
 * gemv order reached. The scalar twin and the gemv add the same products in other orders, so
 * results agree to float rounding, not bit for bit.
 */
final class FloatGemm {
    private FloatGemm() {}

    /** Columns decoded per call: enough work per (megamorphic) decoder call to hide its cost. */
    private static final int CHUNK = 512;
    /** Columns summed apart before they join a token's total (a multiple dividing CHUNK). */
    private static final int BLOCK = 16;

    /** {@link TensorFormat#matmul} for these formats, through {@link LaneTiling}: four rows per call. */
    static void matmul(FloatFormat format, MemorySegment data, long rowBytes, int rowStart, int rowEnd,
                       Activations x, float[] out, int outStride) {
        float[] scratch = KernelScratch.floats(4 * CHUNK + 8 * FLEN);
        LaneTiling.matmul(format, data, rowBytes, rowStart, rowEnd, x, out, outStride, 4,
                (r0, r1, tile, valid, valid2) -> rowsTimesTilePair(format, data, rowBytes, r0, r1, x, tile, valid, valid2, scratch, out, outStride));
    }

    /**
     * Weight rows r0 … r0 + 3 (those below {@code rowEnd}; the last one is repeated to make four
     * and the duplicates dropped) times token tiles {@code tile} and {@code tile + 1}.
     */
    private static void rowsTimesTilePair(FloatFormat format, MemorySegment data, long rowBytes, int r0, int rowEnd, Activations x,
                                          int tile, int valid, int valid2, float[] scratch, float[] out, int outStride) {
        int cols = x.cols();
        float[] xt = x.valuesByToken;
        final int res = 4 * CHUNK; // scratch: the four rows' decoded chunk at CHUNK·i, then the eight accumulators
        int r1 = Math.min(r0 + 1, rowEnd - 1), r2 = Math.min(r0 + 2, rowEnd - 1), r3 = Math.min(r0 + 3, rowEnd - 1);
        // acc*: the first tile's tokens, bcc*: the second's
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0, bcc0 = acc0, bcc1 = acc0, bcc2 = acc0, bcc3 = acc0;
        for (int c0 = 0; c0 < cols; c0 += CHUNK) {
            int n = Math.min(CHUNK, cols - c0);
            format.decodeValues(data, r0 * rowBytes, c0, n, scratch, 0);
            format.decodeValues(data, r1 * rowBytes, c0, n, scratch, CHUNK);
            format.decodeValues(data, r2 * rowBytes, c0, n, scratch, 2 * CHUNK);
            format.decodeValues(data, r3 * rowBytes, c0, n, scratch, 3 * CHUNK);
            int xa0 = (tile * cols + c0) * FLEN, xb0 = xa0 + cols * FLEN;
            for (int v0 = 0; v0 < n; v0 += BLOCK) {
                // a block's sums apart, then added to the totals: the rounding error grows with
                // the block length plus the number of blocks, not with the row length
                FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, u0 = s0, u1 = s0, u2 = s0, u3 = s0;
                for (int v = v0; v < Math.min(n, v0 + BLOCK); v++) {
                    FloatVector xa = FloatVector.fromArray(F, xt, xa0 + v * FLEN), xb = FloatVector.fromArray(F, xt, xb0 + v * FLEN);
                    FloatVector w0 = FloatVector.broadcast(F, scratch[v]), w1 = FloatVector.broadcast(F, scratch[CHUNK + v]);
                    FloatVector w2 = FloatVector.broadcast(F, scratch[2 * CHUNK + v]), w3 = FloatVector.broadcast(F, scratch[3 * CHUNK + v]);
                    s0 = w0.fma(xa, s0);
                    u0 = w0.fma(xb, u0);
                    s1 = w1.fma(xa, s1);
                    u1 = w1.fma(xb, u1);
                    s2 = w2.fma(xa, s2);
                    u2 = w2.fma(xb, u2);
                    s3 = w3.fma(xa, s3);
                    u3 = w3.fma(xb, u3);
                }
                acc0 = acc0.add(s0);
                bcc0 = bcc0.add(u0);
                acc1 = acc1.add(s1);
                bcc1 = bcc1.add(u1);
                acc2 = acc2.add(s2);
                bcc2 = bcc2.add(u2);
                acc3 = acc3.add(s3);
                bcc3 = bcc3.add(u3);
            }
        }
        acc0.intoArray(scratch, res);
        acc1.intoArray(scratch, res + FLEN);
        acc2.intoArray(scratch, res + 2 * FLEN);
        acc3.intoArray(scratch, res + 3 * FLEN);
        bcc0.intoArray(scratch, res + 4 * FLEN);
        bcc1.intoArray(scratch, res + 5 * FLEN);
        bcc2.intoArray(scratch, res + 6 * FLEN);
        bcc3.intoArray(scratch, res + 7 * FLEN);
        TileResults.copy(scratch, res, valid, valid2, out, tile * FLEN * outStride, outStride, r0, r1, r2, r3);
    }
}
