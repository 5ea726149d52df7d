package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;

/**
 * The batched product (prompt processing) of the formats with blocks of 32 values, one scale
 * per block and Q8_0 activations — Q8_0, Q4_0, Q5_0, IQ4_NL — or a minimum too and Q8_1
 * activations — Q4_1, Q5_1 — whose scalar twins all compute Σ_b (Σ q·q_x) · (d_w · d_x)
 * [+ m_w · s_x] in block order. Only decoding differs between them: each format
 * turns a run of blocks of a row into integer floats ({@link Block32Format#decodeBlocks}); this
 * class does the rest.
 *
 * <p>Tokens go in vector lanes ({@link Activations#quantsByToken}), two tiles of FLEN tokens at
 * a time, weight rows in fours: every decoded value is broadcast and FMA'd with both tiles'
 * activation quants of its column. A block's sums are exact integers below 2^24 in any order,
 * and acc += blockSum · (d_w · d_x) — a multiply and an add, not an FMA — is the scalar twin's
 * step lane by lane, so every token's result is bit for bit the twin's. Why this shape (single
 * thread, 1024×2048 Q8_0): the gemv layout spends a multiply, an FMA and a scaled FMA per 32
 * values of a row and token (24 GMAC/s); here each broadcast feeds full-width FMAs (one tile:
 * 46 GMAC/s), and with two tiles per broadcast the loads per FMA drop from 1.25 to 0.75, which
 * were the limit (61 GMAC/s).
 */
final class Block32Gemm {
    private Block32Gemm() {}

    static final int BLOCK = 32;
    /** Blocks decoded per call: enough work per (megamorphic) decoder call to hide its cost. */
    private static final int CHUNK = 16;

    /** {@link TensorFormat#matmul} for these formats, through {@link LaneTiling}: four rows per call. */
    static void matmul(Block32Format format, MemorySegment data, long rowBytes, int rowStart, int rowEnd,
                       Activations x, float[] out, int outStride) {
        float[] scratch = KernelScratch.floats(4 * CHUNK * BLOCK + 8 * CHUNK + 8 * FLEN);
        LaneTiling.matmul(format, data, rowBytes, rowStart, rowEnd, x, out, outStride, 4,
                (r0, r1, tile, valid, valid2) -> rowsTimesTilePair(format, data, rowBytes, r0, r1, x, tile, valid, valid2, scratch, out, outStride));
    }

    /**
     * Weight rows r0 … r0 + 3 (those below {@code rowEnd}; the last one is repeated to make four
     * and the duplicates dropped) times token tiles {@code tile} and {@code tile + 1}
     * ({@code valid} and {@code valid2} real tokens).
     */
    private static void rowsTimesTilePair(Block32Format format, MemorySegment data, long rowBytes, int r0, int rowEnd, Activations x, int tile, int valid, int valid2,
                                          float[] scratch, float[] out, int outStride) {
        int cols = x.cols(), nb = cols / BLOCK;
        float[] xt = x.quantsByToken, st = x.scalesByToken, sumt = x.sumsByToken;
        boolean mins = format.hasMins();
        // scratch: the four rows' decoded chunk at 512·i, their block scales at ds + 16·i, their
        // minima at ms + 16·i (Q4_1, Q5_1), then the eight accumulators
        final int cw = CHUNK * BLOCK, ds = 4 * cw, ms = ds + 4 * CHUNK, res = ms + 4 * CHUNK;
        int r1 = Math.min(r0 + 1, rowEnd - 1), r2 = Math.min(r0 + 2, rowEnd - 1), r3 = Math.min(r0 + 3, rowEnd - 1);
        long off0 = r0 * rowBytes, off1 = r1 * rowBytes, off2 = r2 * rowBytes, off3 = r3 * rowBytes;
        // acc*: the first tile's tokens, bcc*: the second's
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0, bcc0 = acc0, bcc1 = acc0, bcc2 = acc0, bcc3 = acc0;
        for (int b0 = 0; b0 < nb; b0 += CHUNK) {
            int n = Math.min(CHUNK, nb - b0);
            format.decodeBlocks(data, off0, b0, n, scratch, 0, scratch, ds);
            format.decodeBlocks(data, off1, b0, n, scratch, cw, scratch, ds + CHUNK);
            format.decodeBlocks(data, off2, b0, n, scratch, 2 * cw, scratch, ds + 2 * CHUNK);
            format.decodeBlocks(data, off3, b0, n, scratch, 3 * cw, scratch, ds + 3 * CHUNK);
            if (mins) {
                format.decodeMins(data, off0, b0, n, scratch, ms);
                format.decodeMins(data, off1, b0, n, scratch, ms + CHUNK);
                format.decodeMins(data, off2, b0, n, scratch, ms + 2 * CHUNK);
                format.decodeMins(data, off3, b0, n, scratch, ms + 3 * CHUNK);
            }
            for (int k = 0; k < n; k++) {
                int b = b0 + k, w = k * BLOCK;
                FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, u0 = s0, u1 = s0, u2 = s0, u3 = s0;
                int xa0 = (tile * cols + b * BLOCK) * FLEN, xb0 = xa0 + cols * FLEN;
                for (int v = 0; v < BLOCK; v++) {
                    FloatVector xa = FloatVector.fromArray(F, xt, xa0 + v * FLEN), xb = FloatVector.fromArray(F, xt, xb0 + v * FLEN);
                    FloatVector w0 = FloatVector.broadcast(F, scratch[w + v]), w1 = FloatVector.broadcast(F, scratch[cw + w + v]);
                    FloatVector w2 = FloatVector.broadcast(F, scratch[2 * cw + w + v]), w3 = FloatVector.broadcast(F, scratch[3 * cw + w + v]);
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
                float d0 = scratch[ds + k], d1 = scratch[ds + CHUNK + k], d2 = scratch[ds + 2 * CHUNK + k], d3 = scratch[ds + 3 * CHUNK + k];
                if (mins) {
                    // acc += blockSum · (d_w · d_x) + m_w · s_x, the Q4_1/Q5_1 twins' step
                    FloatVector sxa = FloatVector.fromArray(F, sumt, (tile * nb + b) * FLEN), sxb = FloatVector.fromArray(F, sumt, ((tile + 1) * nb + b) * FLEN);
                    float m0 = scratch[ms + k], m1 = scratch[ms + CHUNK + k], m2 = scratch[ms + 2 * CHUNK + k], m3 = scratch[ms + 3 * CHUNK + k];
                    acc0 = acc0.add(s0.mul(dxa.mul(d0)).add(sxa.mul(m0)));
                    bcc0 = bcc0.add(u0.mul(dxb.mul(d0)).add(sxb.mul(m0)));
                    acc1 = acc1.add(s1.mul(dxa.mul(d1)).add(sxa.mul(m1)));
                    bcc1 = bcc1.add(u1.mul(dxb.mul(d1)).add(sxb.mul(m1)));
                    acc2 = acc2.add(s2.mul(dxa.mul(d2)).add(sxa.mul(m2)));
                    bcc2 = bcc2.add(u2.mul(dxb.mul(d2)).add(sxb.mul(m2)));
                    acc3 = acc3.add(s3.mul(dxa.mul(d3)).add(sxa.mul(m3)));
                    bcc3 = bcc3.add(u3.mul(dxb.mul(d3)).add(sxb.mul(m3)));
                } else {
                    acc0 = acc0.add(s0.mul(dxa.mul(d0)));
                    bcc0 = bcc0.add(u0.mul(dxb.mul(d0)));
                    acc1 = acc1.add(s1.mul(dxa.mul(d1)));
                    bcc1 = bcc1.add(u1.mul(dxb.mul(d1)));
                    acc2 = acc2.add(s2.mul(dxa.mul(d2)));
                    bcc2 = bcc2.add(u2.mul(dxb.mul(d2)));
                    acc3 = acc3.add(s3.mul(dxa.mul(d3)));
                    bcc3 = bcc3.add(u3.mul(dxb.mul(d3)));
                }
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
