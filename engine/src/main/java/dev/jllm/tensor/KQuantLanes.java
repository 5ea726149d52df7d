package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;

import jdk.incubator.vector.FloatVector;

/**
 * The shared inner steps of the Q5_K and Q6_K batched kernels, which reproduce the 8 int32 lanes
 * of ggml's AVX2 K-quant dot products (lane m: positions 4m … 4m+3 of every 32 values, see
 * {@link QuantMath#laneSums}) for two token tiles at once, tokens in vector lanes
 * ({@link Activations#quantsByToken}). Each kernel decodes a super-block of two weight rows to
 * floats sc·q; these steps take it from there. Everything goes through arrays: no vector
 * crosses a call, so nothing is boxed if C2 leaves a call out of line (each call does a whole
 * super-block of two rows, 1024 FMAs).
 */
final class KQuantLanes {
    private KQuantLanes() {}

    static final int BLOCK = 256;

    /**
     * For m = 0 … 7 and both rows and tiles: lane_m = Σ over the 8 groups of 32 and positions
     * 4m … 4m+3 of w·x (exact integers below 2^24, so any order), then
     * acc_m = fma(d_w·d_x, lane_m, acc_m) lane-wise, as the scalar twins do per token.
     *
     * @param xt, xa, xb      the activations; the super-block's first value for tile A at xa, for tile B at xb
     * @param w, wq           the two rows' decoded values: row 0 at w[wq …], row 1 at w[wq + 256 …]
     * @param st, sa, sb      the super-block's activation scales for tile A at st[sa …], tile B at st[sb …]
     * @param dw0, dw1        the rows' super-block scales d
     * @param acc, a0, a1     row 0's acc_0 … acc_7 for tile A at acc[a0 …], row 1's at acc[a1 …]
     * @param tileB           offset (in floats) from a row's tile-A accumulators to its tile-B ones
     * @param second          whether row 1 is a real row (false: a repeated last row, not added)
     */
    static void addLanes(float[] xt, int xa, int xb, float[] w, int wq, float[] st, int sa, int sb, float dw0, float dw1,
                         float[] acc, int a0, int a1, int tileB, boolean second) {
        FloatVector dxA = FloatVector.fromArray(F, st, sa), dxB = FloatVector.fromArray(F, st, sb);
        FloatVector dA0 = dxA.mul(dw0), dB0 = dxB.mul(dw0), dA1 = dxA.mul(dw1), dB1 = dxB.mul(dw1);
        for (int m = 0; m < 8; m++) {
            // two chains per row and tile (one waited on the FMA latency at every step)
            FloatVector p0 = FloatVector.zero(F), p1 = p0, q0 = p0, q1 = p0, r0 = p0, r1 = p0, s0 = p0, s1 = p0;
            for (int g = 0; g < 8; g++) {
                int v = 32 * g + 4 * m;
                for (int k = 0; k < 4; k += 2) {
                    FloatVector x = FloatVector.fromArray(F, xt, xa + (v + k) * FLEN), y = FloatVector.fromArray(F, xt, xb + (v + k) * FLEN);
                    FloatVector u = FloatVector.broadcast(F, w[wq + v + k]), t = FloatVector.broadcast(F, w[wq + BLOCK + v + k]);
                    p0 = u.fma(x, p0);
                    q0 = u.fma(y, q0);
                    r0 = t.fma(x, r0);
                    s0 = t.fma(y, s0);
                    x = FloatVector.fromArray(F, xt, xa + (v + k + 1) * FLEN);
                    y = FloatVector.fromArray(F, xt, xb + (v + k + 1) * FLEN);
                    u = FloatVector.broadcast(F, w[wq + v + k + 1]);
                    t = FloatVector.broadcast(F, w[wq + BLOCK + v + k + 1]);
                    p1 = u.fma(x, p1);
                    q1 = u.fma(y, q1);
                    r1 = t.fma(x, r1);
                    s1 = t.fma(y, s1);
                }
            }
            int m0 = a0 + m * FLEN, m1 = a1 + m * FLEN;
            dA0.fma(p0.add(p1), FloatVector.fromArray(F, acc, m0)).intoArray(acc, m0);
            dB0.fma(q0.add(q1), FloatVector.fromArray(F, acc, m0 + tileB)).intoArray(acc, m0 + tileB);
            if (second) {
                dA1.fma(r0.add(r1), FloatVector.fromArray(F, acc, m1)).intoArray(acc, m1);
                dB1.fma(s0.add(s1), FloatVector.fromArray(F, acc, m1 + tileB)).intoArray(acc, m1 + tileB);
            }
        }
    }

    /** hsum_float_8 of the 8 accumulators at acc[at …], lane-wise, into acc[to …]. */
    static void hsum8(float[] acc, int at, int to) {
        FloatVector a0 = FloatVector.fromArray(F, acc, at), a1 = FloatVector.fromArray(F, acc, at + FLEN);
        FloatVector a2 = FloatVector.fromArray(F, acc, at + 2 * FLEN), a3 = FloatVector.fromArray(F, acc, at + 3 * FLEN);
        FloatVector a4 = FloatVector.fromArray(F, acc, at + 4 * FLEN), a5 = FloatVector.fromArray(F, acc, at + 5 * FLEN);
        FloatVector a6 = FloatVector.fromArray(F, acc, at + 6 * FLEN), a7 = FloatVector.fromArray(F, acc, at + 7 * FLEN);
        a0.add(a4).add(a2.add(a6)).add(a1.add(a5).add(a3.add(a7))).intoArray(acc, to);
    }
}
