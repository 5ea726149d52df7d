package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;

import jdk.incubator.vector.FloatVector;

/**
 * The step the batched Q5_K and Q6_K kernels share. llama.cpp has no repacked kernels for those
 * types, so a batch goes through ggml_vec_dot row by row, whose x86 code keeps 8 float lanes:
 * lane m sums positions 4m … 4m+3 of each 32-value group of a super-block (exact integers),
 * then {@code acc_m = fma(d·d_x, lane_m, acc_m)}, and hsum_float_8 at the end. The batched
 * kernels reproduce that order token by token, with tokens in vector lanes
 * ({@link Activations#quantsByToken}), two tiles of FLEN tokens at a time.
 *
 * <p>Layout: a super-block's activations are read in lane order
 * ({@link #toLaneOrder}): position 32g + 4m + k at 32m + 4g + k, so that lane m's 32 positions
 * are consecutive. Read in place — 4 positions, then a jump of 32 — the same products ran
 * 20–30% slower (JMH, Q5_K 2048×8192, 32 tokens): the two tiles' activations (32 KB) and the
 * rows' accumulators do not fit in L1 together, and that stride defeats the prefetcher.
 */
final class EightLaneGemm {
    private EightLaneGemm() {}

    static final int BLOCK = 256;

    /**
     * Tiles {@code tile} and {@code tile + 1} of {@code xt} (FLEN floats per position, a tile of
     * {@code cols} positions after the other) into {@code dst[at …]} in the same layout, each
     * super-block's positions in lane order.
     */
    static void toLaneOrder(float[] xt, int tile, int cols, float[] dst, int at) {
        for (int u = 0; u < 2; u++) {
            int from = (tile + u) * cols * FLEN, to = at + u * cols * FLEN;
            for (int b0 = 0; b0 < cols; b0 += BLOCK) {
                for (int g = 0; g < 8; g++) {
                    for (int m = 0; m < 8; m++) {
                        System.arraycopy(xt, from + (b0 + 32 * g + 4 * m) * FLEN, dst, to + (b0 + 32 * m + 4 * g) * FLEN, 4 * FLEN);
                    }
                }
            }
        }
    }

    /**
     * One super-block of up to four weight rows against the two tiles: for each lane m, the
     * rows' decoded values {@code s[wq + 256·i + v]} (natural order, row i of the four) times the
     * activations at {@code s[xa …]} and {@code s[xb …]} (lane order, first and second tile),
     * then {@code acc_m = fma(d_w·d_x, lane_m, acc_m)} into row i's accumulators at
     * {@code s[acc_i + m·FLEN]} (first tile) and {@code s[acc_i + tileB + m·FLEN]} (second), for
     * the first {@code real} rows. {@code dxA}, {@code dxB} index the tiles' scales d_x in
     * {@code st}. Rows past {@code real} are computed from whatever their scratch holds and
     * dropped.
     *
     * <p>Only primitives and arrays cross this call, so C2 may keep it out of line without
     * boxing a vector. One chain per row and tile: 8 independent FMA chains, and each
     * activation load feeds four FMAs, each broadcast two.
     */
    static void laneSums(float[] s, int wq, int xa, int xb, float[] st, int dxA, int dxB,
                         float dw0, float dw1, float dw2, float dw3,
                         int acc0, int acc1, int acc2, int acc3, int tileB, int real) {
        FloatVector scaleA = FloatVector.fromArray(F, st, dxA), scaleB = FloatVector.fromArray(F, st, dxB);
        for (int m = 0; m < 8; m++) {
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, u0 = s0, u1 = s0, u2 = s0, u3 = s0;
            // the four positions of each group written out (as a loop over k: 15% slower)
            for (int g = 0; g < 8; g++) {
                int v = wq + 32 * g + 4 * m, p = (32 * m + 4 * g) * FLEN;
                FloatVector x, y, w0, w1, w2, w3;
                x = FloatVector.fromArray(F, s, xa + p);
                y = FloatVector.fromArray(F, s, xb + p);
                w0 = FloatVector.broadcast(F, s[v]);
                w1 = FloatVector.broadcast(F, s[v + BLOCK]);
                w2 = FloatVector.broadcast(F, s[v + 2 * BLOCK]);
                w3 = FloatVector.broadcast(F, s[v + 3 * BLOCK]);
                s0 = w0.fma(x, s0);
                u0 = w0.fma(y, u0);
                s1 = w1.fma(x, s1);
                u1 = w1.fma(y, u1);
                s2 = w2.fma(x, s2);
                u2 = w2.fma(y, u2);
                s3 = w3.fma(x, s3);
                u3 = w3.fma(y, u3);
                x = FloatVector.fromArray(F, s, xa + p + FLEN);
                y = FloatVector.fromArray(F, s, xb + p + FLEN);
                w0 = FloatVector.broadcast(F, s[v + 1]);
                w1 = FloatVector.broadcast(F, s[v + 1 + BLOCK]);
                w2 = FloatVector.broadcast(F, s[v + 1 + 2 * BLOCK]);
                w3 = FloatVector.broadcast(F, s[v + 1 + 3 * BLOCK]);
                s0 = w0.fma(x, s0);
                u0 = w0.fma(y, u0);
                s1 = w1.fma(x, s1);
                u1 = w1.fma(y, u1);
                s2 = w2.fma(x, s2);
                u2 = w2.fma(y, u2);
                s3 = w3.fma(x, s3);
                u3 = w3.fma(y, u3);
                x = FloatVector.fromArray(F, s, xa + p + 2 * FLEN);
                y = FloatVector.fromArray(F, s, xb + p + 2 * FLEN);
                w0 = FloatVector.broadcast(F, s[v + 2]);
                w1 = FloatVector.broadcast(F, s[v + 2 + BLOCK]);
                w2 = FloatVector.broadcast(F, s[v + 2 + 2 * BLOCK]);
                w3 = FloatVector.broadcast(F, s[v + 2 + 3 * BLOCK]);
                s0 = w0.fma(x, s0);
                u0 = w0.fma(y, u0);
                s1 = w1.fma(x, s1);
                u1 = w1.fma(y, u1);
                s2 = w2.fma(x, s2);
                u2 = w2.fma(y, u2);
                s3 = w3.fma(x, s3);
                u3 = w3.fma(y, u3);
                x = FloatVector.fromArray(F, s, xa + p + 3 * FLEN);
                y = FloatVector.fromArray(F, s, xb + p + 3 * FLEN);
                w0 = FloatVector.broadcast(F, s[v + 3]);
                w1 = FloatVector.broadcast(F, s[v + 3 + BLOCK]);
                w2 = FloatVector.broadcast(F, s[v + 3 + 2 * BLOCK]);
                w3 = FloatVector.broadcast(F, s[v + 3 + 3 * BLOCK]);
                s0 = w0.fma(x, s0);
                u0 = w0.fma(y, u0);
                s1 = w1.fma(x, s1);
                u1 = w1.fma(y, u1);
                s2 = w2.fma(x, s2);
                u2 = w2.fma(y, u2);
                s3 = w3.fma(x, s3);
                u3 = w3.fma(y, u3);
            }
            int a = acc0 + m * FLEN;
            scaleA.mul(dw0).fma(s0, FloatVector.fromArray(F, s, a)).intoArray(s, a);
            scaleB.mul(dw0).fma(u0, FloatVector.fromArray(F, s, a + tileB)).intoArray(s, a + tileB);
            if (real > 1) {
                a = acc1 + m * FLEN;
                scaleA.mul(dw1).fma(s1, FloatVector.fromArray(F, s, a)).intoArray(s, a);
                scaleB.mul(dw1).fma(u1, FloatVector.fromArray(F, s, a + tileB)).intoArray(s, a + tileB);
            }
            if (real > 2) {
                a = acc2 + m * FLEN;
                scaleA.mul(dw2).fma(s2, FloatVector.fromArray(F, s, a)).intoArray(s, a);
                scaleB.mul(dw2).fma(u2, FloatVector.fromArray(F, s, a + tileB)).intoArray(s, a + tileB);
            }
            if (real > 3) {
                a = acc3 + m * FLEN;
                scaleA.mul(dw3).fma(s3, FloatVector.fromArray(F, s, a)).intoArray(s, a);
                scaleB.mul(dw3).fma(u3, FloatVector.fromArray(F, s, a + tileB)).intoArray(s, a + tileB);
            }
        }
    }
}
