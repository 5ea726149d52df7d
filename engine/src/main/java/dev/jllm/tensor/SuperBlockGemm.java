package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.SuperBlockFormat.SCALE_AT;
import static dev.jllm.tensor.SuperBlockFormat.DECODED;
import static dev.jllm.tensor.SuperBlockFormat.MIN_SCALE_AT;
import static dev.jllm.tensor.SuperBlockFormat.GROUP_SCALES_AT;
import static dev.jllm.tensor.SuperBlockFormat.MINS_AT;
import static dev.jllm.tensor.SuperBlockFormat.VALUES_AT;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;

/**
 * The batched product (prompt processing) of the {@link SuperBlockFormat}s — Q2_K, Q3_K,
 * IQ4_XS. Each format decodes a super-block of a row into integer weights and its scales; this
 * class does the rest.
 *
 * <p>Tokens go in vector lanes ({@link Activations#quantsByToken}), two tiles of FLEN tokens at
 * a time, weight rows in pairs: every decoded weight is broadcast and FMA'd with both tiles'
 * activation quants of its column, so each activation load feeds two FMAs (the row pair) and
 * each broadcast two (the tile pair). A group's sum is an exact integer below 2^24 in any order
 * (Q3_K at most 256·128·128 = 2^22), and the scaling step that follows is the scalar twin's,
 * lane by lane, so every token's result is bit for bit the twin's. Super-blocks are the outer
 * loop so that the tiles' activations for one stay in L1; each row's running sums wait in
 * scratch meanwhile.
 */
final class SuperBlockGemm {
    private SuperBlockGemm() {}

    static final int BLOCK = 256;

    /** Weight rows per call (see {@link LaneTiling#matmul}). */
    private static final int ROWS_PER_CALL = 16;

    /** {@link TensorFormat#matmul} for these formats, through {@link LaneTiling}. */
    static void matmul(SuperBlockFormat format, MemorySegment data, long rowBytes, int rowStart, int rowEnd,
                       Activations x, float[] out, int outStride) {
        float[] scratch = KernelScratch.floats(2 * FLEN * ROWS_PER_CALL + 4 * DECODED + 8 * FLEN);
        LaneTiling.matmul(format, data, rowBytes, rowStart, rowEnd, x, out, outStride, ROWS_PER_CALL,
                (r0, r1, tile, valid, valid2) -> rowsTimesTilePair(format, data, rowBytes, r0, r1, x, tile, valid, valid2, scratch, out, outStride));
    }

    private static void rowsTimesTilePair(SuperBlockFormat format, MemorySegment data, long rowBytes, int rowStart, int rowEnd,
                                          Activations x, int tile, int valid, int valid2, float[] scratch, float[] out, int outStride) {
        int cols = x.cols(), nb = cols / BLOCK, rows = rowEnd - rowStart;
        int groups = format.groups(), perGroup = BLOCK / groups;
        boolean mins = format.hasMins();
        float[] xt = x.quantsByToken, st = x.scalesByToken, bt = x.sums16ByToken;
        // scratch[2·FLEN·r …]: row r's running sums, first tile then second; then the row pair's
        // two decoded super-blocks; then the pair's four group sums
        final int dec = 2 * FLEN * rows, part = dec + 4 * DECODED;
        final int dec1 = dec + DECODED, dec2 = dec1 + DECODED, dec3 = dec2 + DECODED;
        java.util.Arrays.fill(scratch, 0, dec, 0f);
        for (int b = 0; b < nb; b++) {
            FloatVector dxA = FloatVector.fromArray(F, st, (tile * nb + b) * FLEN), dxB = FloatVector.fromArray(F, st, ((tile + 1) * nb + b) * FLEN);
            int xv = (tile * cols + b * BLOCK) * FLEN, xw = xv + cols * FLEN;
            // rows in fours (past the range's end its last row is repeated and the duplicates dropped)
            for (int r0 = 0; r0 < rows; r0 += 4) {
                for (int i = 0; i < 4; i++) {
                    format.decodeSuperBlock(data, (rowStart + Math.min(r0 + i, rows - 1)) * rowBytes, b, scratch, dec + i * DECODED);
                }
                for (int g = 0; g < groups; g++) {
                    // s*: the first tile's tokens, u*: the second's
                    FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, u0 = s0, u1 = s0, u2 = s0, u3 = s0;
                    for (int v = g * perGroup + VALUES_AT; v < (g + 1) * perGroup + VALUES_AT; v++) {
                        FloatVector xa = FloatVector.fromArray(F, xt, xv + (v - VALUES_AT) * FLEN), xb = FloatVector.fromArray(F, xt, xw + (v - VALUES_AT) * FLEN);
                        FloatVector w0 = FloatVector.broadcast(F, scratch[dec + v]), w1 = FloatVector.broadcast(F, scratch[dec1 + v]);
                        FloatVector w2 = FloatVector.broadcast(F, scratch[dec2 + v]), w3 = FloatVector.broadcast(F, scratch[dec3 + v]);
                        s0 = w0.fma(xa, s0);
                        u0 = w0.fma(xb, u0);
                        s1 = w1.fma(xa, s1);
                        u1 = w1.fma(xb, u1);
                        s2 = w2.fma(xa, s2);
                        u2 = w2.fma(xb, u2);
                        s3 = w3.fma(xa, s3);
                        u3 = w3.fma(xb, u3);
                    }
                    s0.intoArray(scratch, part);
                    u0.intoArray(scratch, part + FLEN);
                    s1.intoArray(scratch, part + 2 * FLEN);
                    u1.intoArray(scratch, part + 3 * FLEN);
                    s2.intoArray(scratch, part + 4 * FLEN);
                    u2.intoArray(scratch, part + 5 * FLEN);
                    s3.intoArray(scratch, part + 6 * FLEN);
                    u3.intoArray(scratch, part + 7 * FLEN);
                    boolean minTerm = mins && g == groups - 1;
                    for (int i = 0; i < 4 && r0 + i < rows; i++) {
                        int at = dec + i * DECODED;
                        float d = scratch[at + SCALE_AT], s = scratch[at + GROUP_SCALES_AT + g];
                        for (int half = 0; half < 2; half++) {
                            FloatVector dx = half == 0 ? dxA : dxB;
                            // sum += ((d·d_x)·s_g)·groupSum [− (d_x·dmin)·Σ_j m_j·bsum16_j]
                            FloatVector t = dx.mul(d).mul(s).mul(FloatVector.fromArray(F, scratch, part + (2 * i + half) * FLEN));
                            if (minTerm) {
                                int bs = ((tile + half) * nb + b) * 16 * FLEN;
                                FloatVector m = FloatVector.zero(F);
                                for (int j = 0; j < 16; j++) {
                                    // Σ_j m_j·bsum16_j: exact integers in any order
                                    m = FloatVector.fromArray(F, bt, bs + j * FLEN).fma(FloatVector.broadcast(F, scratch[at + MINS_AT + j]), m);
                                }
                                t = t.sub(dx.mul(scratch[at + MIN_SCALE_AT]).mul(m));
                            }
                            int sum = (2 * (r0 + i) + half) * FLEN;
                            FloatVector.fromArray(F, scratch, sum).add(t).intoArray(scratch, sum);
                        }
                    }
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            int o = tile * FLEN * outStride + rowStart + r;
            for (int lane = 0; lane < valid; lane++) out[o + lane * outStride] = scratch[2 * FLEN * r + lane];
            o += FLEN * outStride;
            for (int lane = 0; lane < valid2; lane++) out[o + lane * outStride] = scratch[2 * FLEN * r + FLEN + lane];
        }
    }
}
