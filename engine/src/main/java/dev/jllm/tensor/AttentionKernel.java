package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.I_FOR_F;
import static dev.jllm.tensor.Simd.S_FOR_F;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Attention of the query heads that share one KV head over their cached positions, computed as
 * llama.cpp's CPU flash attention computes it, because its roundings move logits by more than
 * our tolerance allows when left out: one pass over the positions with an online softmax, and
 * the weighted sum of values kept in an F16 accumulator (every update rounded to F16) that is
 * divided by the softmax denominator at the end.
 *
 * <p>Cache layout, per KV head, from {@code base}: values position by position ({@code headDim}
 * halves each, value i of position p at {@code base + p·headDim + i}); keys in tiles of
 * {@link #TILE} positions, each tile dimension by dimension (key i of position p at
 * {@code base + }{@link #keyOffset keyOffset(p, i, headDim)}), so that one vector load takes
 * the same dimension of {@code TILE} keys and a block's scores come out of multiply-adds with no
 * sum across lanes. Both regions hold whole tiles. Queries must already be F16-rounded.
 * Scores: {@code s = softcap · tanh(q·k · scale / softcap)} with a soft-cap, else {@code q·k · scale}.
 */
public final class AttentionKernel {
    private AttentionKernel() {}

    /**
     * Which query rows one call handles: the {@code group} query heads that share a KV head
     * (grouped-query attention), for {@code tokens} consecutive tokens, the first at position
     * {@code firstPos}. Row (t, g) is head g of the group for token t: its query starts at
     * {@code q[qOff + t·qTokenStride + g·headDim]}, its output at
     * {@code out[outOff + t·outTokenStride + g·headDim]}, and it sees positions
     * {@code firstPos + t} back to {@code window} positions before (0 = all of them).
     */
    public record Rows(int tokens, int group, int firstPos, int window, int qOff, int qTokenStride, int outOff, int outTokenStride) {
        int count() { return tokens * group; }
        int last(int row) { return firstPos + row / group; }
        int first(int row) { return window > 0 ? Math.max(0, last(row) - window + 1) : 0; }
    }

    /** Positions per key tile, and per block the kernel converts and scores together. */
    public static final int TILE = 16;

    /** Where key i of position p sits in its KV head's region (see the class comment). */
    public static int keyOffset(int p, int i, int headDim) {
        return (p / TILE) * TILE * headDim + i * TILE + p % TILE;
    }

    /** Positions a KV head's region holds for {@code positions}: whole tiles. */
    public static long paddedPositions(int positions) {
        return (positions + (long) TILE - 1) / TILE * TILE;
    }

    /** Halves a KV head's region takes for {@code positions} positions: whole tiles of keys, or of values. */
    public static int regionSize(int positions, int headDim) {
        return Math.toIntExact(Math.multiplyExact(paddedPositions(positions), headDim));
    }

    /**
     * SIMD version, for all the rows at once. Positions go in blocks of one key tile: the
     * block's keys and values are converted from F16 once for every row that sees them (a
     * decoding step's 4 heads of a Llama group, or a prompt chunk's 32 tokens × 4 heads); each
     * row scores the block (its query's elements times the tile's rows of keys, TILE scores per
     * vector), walks it for its running maximum and the exponent each position
     * needs, and takes those exponentials in one vector operation; then the rows' F16
     * accumulators take the block's values position by position, rows interleaved, so that no
     * row waits on its own previous step. A row's arithmetic is that of a pass for it alone,
     * so its result does not depend on which rows share the call; it differs from the scalar
     * twin's in the order of each score's sum and in the exponential (VectorMath.exp, within
     * 3·10⁻⁷ of Math.exp).
     */
    public static void attend(Rows rows, float[] q, short[] keys, short[] values, int base, int headDim,
                              float scale, float softcap, float[] out) {
        int n = rows.count();
        if (!Simd.FLOAT_KERNELS) {
            attendEachRowScalar(rows, q, keys, values, base, headDim, scale, softcap, out);
            return;
        }
        // scratch: n accumulators of headDim; the block's keys and values as floats; per row
        // and block position an exponent, then its exponential; per row the running maximum
        // and softmax denominator, and which block positions raised the maximum (as 1f)
        int kf = n * headDim, vf = kf + TILE * headDim, ex = vf + TILE * headDim, raised = ex + n * TILE;
        int maxAt = raised + n * TILE, sumAt = maxAt + n;
        float[] s = KernelScratch.floats(sumAt + n);
        Arrays.fill(s, 0, kf, 0f);
        Arrays.fill(s, maxAt, sumAt, Float.NEGATIVE_INFINITY);
        Arrays.fill(s, sumAt, sumAt + n, 0f);
        float sc = softcap > 0 ? scale / softcap : scale;
        // each row's first and last position
        int[] seen = KernelScratch.ints(2 * n);
        int from = Integer.MAX_VALUE, to = -1;
        for (int r = 0; r < n; r++) {
            seen[2 * r] = rows.first(r);
            seen[2 * r + 1] = rows.last(r);
            from = Math.min(from, seen[2 * r]);
            to = Math.max(to, seen[2 * r + 1]);
        }
        for (int b0 = from - from % TILE; b0 <= to; b0 += TILE) {
            int len = Math.min(TILE, to - b0 + 1);
            // the whole tile, also past len: both regions hold whole tiles of finite halves
            toFloats(keys, base + b0 * headDim, s, kf, TILE * headDim);
            toFloats(values, base + b0 * headDim, s, vf, TILE * headDim);
            scoreBlock(rows, q, s, seen, b0, len, headDim, sc, softcap, kf, ex, raised, maxAt);
            accumulateBlock(n, s, seen, b0, len, headDim, vf, ex, raised, sumAt);
        }
        writeRows(rows, s, sumAt, headDim, out);
    }

    /**
     * Each row's accumulator (row r's {@code headDim} values at {@code s[r·headDim …]}) divided
     * by its softmax denominator ({@code s[sumAt + r]}; 0 stays 0) into its place in {@code out}.
     */
    static void writeRows(Rows rows, float[] s, int sumAt, int headDim, float[] out) {
        for (int r = 0; r < rows.count(); r++) {
            int t = r / rows.group(), g = r % rows.group();
            int o = rows.outOff() + t * rows.outTokenStride() + g * headDim, a = r * headDim;
            float sum = s[sumAt + r], inv = sum == 0 ? 0 : 1f / sum;
            int i = 0;
            for (; i + FLEN <= headDim; i += FLEN) FloatVector.fromArray(F, s, a + i).mul(inv).intoArray(out, o + i);
            for (; i < headDim; i++) out[o + i] = s[a + i] * inv;
        }
    }

    /*
     * The two phases of a block are methods of their own, called once a block: inlined into
     * attend, they made its graph too large for C2 to inline the F16-rounding step of the
     * innermost loop (NodeCountInliningCutoff), which then ran as a call per row and position.
     */

    /** For each row: the block's scores, its running maximum, and the exponentials the accumulator and the values take. */
    private static void scoreBlock(Rows rows, float[] q, float[] s, int[] seen, int b0, int len, int headDim, float sc, float softcap,
                                   int kf, int ex, int raised, int maxAt) {
        for (int r = 0; r < rows.count(); r++) {
            int lo = Math.max(0, seen[2 * r] - b0), hi = Math.min(len - 1, seen[2 * r + 1] - b0);
            int e = ex + r * TILE, rs = raised + r * TILE;
            Arrays.fill(s, rs, rs + TILE, 0f);
            if (lo > hi) {
                Arrays.fill(s, e, e + TILE, 0f);
                continue;
            }
            int t = r / rows.group(), g = r % rows.group(), qOff = rows.qOff() + t * rows.qTokenStride() + g * headDim;
            tileDots(q, qOff, s, kf, headDim, e);
            float max = s[maxAt + r];
            for (int j = 0; j < TILE; j++) {
                if (j < lo || j > hi) {
                    s[e + j] = 0f;
                    continue;
                }
                float x = s[e + j] * sc;
                if (softcap > 0) x = softcap * (float) Math.tanh(x);
                if (x > max) {
                    s[e + j] = max - x; // the accumulator is scaled by e^(max − x)
                    s[rs + j] = 1f;
                    max = x;
                } else {
                    s[e + j] = x - max; // the value is weighted by e^(x − max)
                }
            }
            s[maxAt + r] = max;
            VectorMath.expInPlace(s, e, TILE);
        }
    }

    /**
     * The dot products of the query at {@code q[qOff …]} with the TILE keys of the converted tile
     * at {@code s[kf …]} (dimension-major: element i of key j at {@code kf + i·TILE + j}), into
     * {@code s[at … at+TILE)}, each summed in the order a lane-parallel dot product takes: element
     * i into partial sum i mod FLEN by fused multiply-adds, the partial sums folded in halves as
     * {@link Simd#sumLanes} folds lanes, then the elements past the last whole vector one by one.
     * That order is the one that reproduces llama.cpp's greedy tokens within the references'
     * tolerance (summing in four interleaved chains instead moved a Gemma 3 near-tie past it).
     * Here the FLEN partial sums of FLEN positions at a time are vectors held in registers, so
     * no sum runs across lanes.
     */
    private static void tileDots(float[] q, int qOff, float[] s, int kf, int headDim, int at) {
        if (FLEN == 16) tileDots16(q, qOff, s, kf, headDim, at);
        else if (FLEN == 8) tileDots8(q, qOff, s, kf, headDim, at);
        else tileDots4(q, qOff, s, kf, headDim, at);
    }

    /** {@link #tileDots} with 128-bit vectors' 4 lanes: the 4 partial sums of 4 of the tile's positions at a time in registers. */
    private static void tileDots4(float[] q, int qOff, float[] s, int kf, int headDim, int at) {
        int whole = headDim - headDim % 4;
        for (int jv = 0; jv < TILE; jv += 4) {
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
            for (int i = 0; i < whole; i += 4) {
                int k = kf + i * TILE + jv, x = qOff + i;
                p0 = FloatVector.broadcast(F, q[x]).fma(FloatVector.fromArray(F, s, k), p0);
                p1 = FloatVector.broadcast(F, q[x + 1]).fma(FloatVector.fromArray(F, s, k + TILE), p1);
                p2 = FloatVector.broadcast(F, q[x + 2]).fma(FloatVector.fromArray(F, s, k + 2 * TILE), p2);
                p3 = FloatVector.broadcast(F, q[x + 3]).fma(FloatVector.fromArray(F, s, k + 3 * TILE), p3);
            }
            // folded as Simd.sumLanes folds 4 lanes: i + i^2, then ^1
            p0 = p0.add(p2); p1 = p1.add(p3);
            p0 = p0.add(p1);
            for (int i = whole; i < headDim; i++) p0 = p0.add(FloatVector.fromArray(F, s, kf + i * TILE + jv).mul(q[qOff + i]));
            p0.intoArray(s, at + jv);
        }
    }

    /** {@link #tileDots} with AVX-512's 16 lanes: the 16 partial sums of the tile's 16 positions in registers. */
    private static void tileDots16(float[] q, int qOff, float[] s, int kf, int headDim, int at) {
        FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0, p4 = p0, p5 = p0, p6 = p0, p7 = p0;
        FloatVector p8 = p0, p9 = p0, p10 = p0, p11 = p0, p12 = p0, p13 = p0, p14 = p0, p15 = p0;
        int whole = headDim - headDim % 16;
        for (int i = 0; i < whole; i += 16) {
            int k = kf + i * TILE, x = qOff + i;
            p0 = FloatVector.broadcast(F, q[x]).fma(FloatVector.fromArray(F, s, k), p0);
            p1 = FloatVector.broadcast(F, q[x + 1]).fma(FloatVector.fromArray(F, s, k + TILE), p1);
            p2 = FloatVector.broadcast(F, q[x + 2]).fma(FloatVector.fromArray(F, s, k + 2 * TILE), p2);
            p3 = FloatVector.broadcast(F, q[x + 3]).fma(FloatVector.fromArray(F, s, k + 3 * TILE), p3);
            p4 = FloatVector.broadcast(F, q[x + 4]).fma(FloatVector.fromArray(F, s, k + 4 * TILE), p4);
            p5 = FloatVector.broadcast(F, q[x + 5]).fma(FloatVector.fromArray(F, s, k + 5 * TILE), p5);
            p6 = FloatVector.broadcast(F, q[x + 6]).fma(FloatVector.fromArray(F, s, k + 6 * TILE), p6);
            p7 = FloatVector.broadcast(F, q[x + 7]).fma(FloatVector.fromArray(F, s, k + 7 * TILE), p7);
            p8 = FloatVector.broadcast(F, q[x + 8]).fma(FloatVector.fromArray(F, s, k + 8 * TILE), p8);
            p9 = FloatVector.broadcast(F, q[x + 9]).fma(FloatVector.fromArray(F, s, k + 9 * TILE), p9);
            p10 = FloatVector.broadcast(F, q[x + 10]).fma(FloatVector.fromArray(F, s, k + 10 * TILE), p10);
            p11 = FloatVector.broadcast(F, q[x + 11]).fma(FloatVector.fromArray(F, s, k + 11 * TILE), p11);
            p12 = FloatVector.broadcast(F, q[x + 12]).fma(FloatVector.fromArray(F, s, k + 12 * TILE), p12);
            p13 = FloatVector.broadcast(F, q[x + 13]).fma(FloatVector.fromArray(F, s, k + 13 * TILE), p13);
            p14 = FloatVector.broadcast(F, q[x + 14]).fma(FloatVector.fromArray(F, s, k + 14 * TILE), p14);
            p15 = FloatVector.broadcast(F, q[x + 15]).fma(FloatVector.fromArray(F, s, k + 15 * TILE), p15);
        }
        // folded as Simd.sumLanes folds lanes: i + i^8, then ^4, ^2, ^1
        p0 = p0.add(p8); p1 = p1.add(p9); p2 = p2.add(p10); p3 = p3.add(p11);
        p4 = p4.add(p12); p5 = p5.add(p13); p6 = p6.add(p14); p7 = p7.add(p15);
        p0 = p0.add(p4); p1 = p1.add(p5); p2 = p2.add(p6); p3 = p3.add(p7);
        p0 = p0.add(p2); p1 = p1.add(p3);
        p0 = p0.add(p1);
        for (int i = whole; i < headDim; i++) p0 = p0.add(FloatVector.fromArray(F, s, kf + i * TILE).mul(q[qOff + i]));
        p0.intoArray(s, at);
    }

    /** {@link #tileDots} with AVX2's 8 lanes: the 8 partial sums of 8 of the tile's positions at a time in registers. */
    private static void tileDots8(float[] q, int qOff, float[] s, int kf, int headDim, int at) {
        int whole = headDim - headDim % 8;
        for (int jv = 0; jv < TILE; jv += 8) {
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0, p4 = p0, p5 = p0, p6 = p0, p7 = p0;
            for (int i = 0; i < whole; i += 8) {
                int k = kf + i * TILE + jv, x = qOff + i;
                p0 = FloatVector.broadcast(F, q[x]).fma(FloatVector.fromArray(F, s, k), p0);
                p1 = FloatVector.broadcast(F, q[x + 1]).fma(FloatVector.fromArray(F, s, k + TILE), p1);
                p2 = FloatVector.broadcast(F, q[x + 2]).fma(FloatVector.fromArray(F, s, k + 2 * TILE), p2);
                p3 = FloatVector.broadcast(F, q[x + 3]).fma(FloatVector.fromArray(F, s, k + 3 * TILE), p3);
                p4 = FloatVector.broadcast(F, q[x + 4]).fma(FloatVector.fromArray(F, s, k + 4 * TILE), p4);
                p5 = FloatVector.broadcast(F, q[x + 5]).fma(FloatVector.fromArray(F, s, k + 5 * TILE), p5);
                p6 = FloatVector.broadcast(F, q[x + 6]).fma(FloatVector.fromArray(F, s, k + 6 * TILE), p6);
                p7 = FloatVector.broadcast(F, q[x + 7]).fma(FloatVector.fromArray(F, s, k + 7 * TILE), p7);
            }
            // folded as Simd.sumLanes folds lanes: i + i^4, then ^2, ^1
            p0 = p0.add(p4); p1 = p1.add(p5); p2 = p2.add(p6); p3 = p3.add(p7);
            p0 = p0.add(p2); p1 = p1.add(p3);
            p0 = p0.add(p1);
            for (int i = whole; i < headDim; i++) p0 = p0.add(FloatVector.fromArray(F, s, kf + i * TILE + jv).mul(q[qOff + i]));
            p0.intoArray(s, at + jv);
        }
    }

    /**
     * The block's values, position by position, into the F16 accumulators of the n rows that see
     * each position, rows interleaved. Positions go in pairs where a row sees both and neither
     * raised its maximum (after the first few positions, nearly all): one pass over the
     * accumulator takes both, rounded after each as one at a time would.
     */
    private static void accumulateBlock(int n, float[] s, int[] seen, int b0, int len, int headDim, int vf, int ex, int raised, int sumAt) {
        int j = 0;
        for (; j + 1 < len; j += 2) {
            for (int r = 0; r < n; r++) {
                boolean first = b0 + j >= seen[2 * r] && b0 + j <= seen[2 * r + 1];
                boolean second = b0 + j + 1 >= seen[2 * r] && b0 + j + 1 <= seen[2 * r + 1];
                int e = ex + r * TILE + j, rs = raised + r * TILE + j;
                if (first && second && s[rs] == 0f && s[rs + 1] == 0f) {
                    VectorMath.mad2RoundedF16(s, r * headDim, s, vf + j * headDim, s[e], vf + (j + 1) * headDim, s[e + 1], headDim);
                    s[sumAt + r] = s[sumAt + r] + s[e] + s[e + 1];
                } else {
                    if (first) accumulate(s, r, j, headDim, vf, ex, raised, sumAt);
                    if (second) accumulate(s, r, j + 1, headDim, vf, ex, raised, sumAt);
                }
            }
        }
        for (; j < len; j++) {
            for (int r = 0; r < n; r++) {
                if (b0 + j >= seen[2 * r] && b0 + j <= seen[2 * r + 1]) accumulate(s, r, j, headDim, vf, ex, raised, sumAt);
            }
        }
    }

    /** Block position j into row r's accumulator and softmax denominator (scaling both first if it raised the maximum). */
    private static void accumulate(float[] s, int r, int j, int headDim, int vf, int ex, int raised, int sumAt) {
        float f = s[ex + r * TILE + j], ms = 1f, vs = f;
        if (s[raised + r * TILE + j] != 0f) {
            ms = f;
            vs = 1f;
            VectorMath.scaleRoundedF16(s, r * headDim, ms, headDim);
        }
        VectorMath.madRoundedF16(s, r * headDim, s, vf + j * headDim, vs, headDim);
        s[sumAt + r] = s[sumAt + r] * ms + vs;
    }

    /** {@link #attend} by the scalar twin, row by row: for hardware whose vectors are too narrow for the kernel. */
    private static void attendEachRowScalar(Rows rows, float[] q, short[] keys, short[] values, int base, int headDim,
                                            float scale, float softcap, float[] out) {
        for (int r = 0; r < rows.count(); r++) {
            int t = r / rows.group(), g = r % rows.group();
            attendScalar(q, rows.qOff() + t * rows.qTokenStride() + g * headDim, keys, values, base, headDim,
                    rows.first(r), rows.last(r), scale, softcap, out, rows.outOff() + t * rows.outTokenStride() + g * headDim);
        }
    }

    /** Scalar twin of {@link #attend}, written with the JDK's own F16 conversions. */
    public static void attendScalar(float[] q, int qOff, short[] keys, short[] values, int base, int headDim,
                                    int from, int to, float scale, float softcap, float[] out, int outOff) {
        short[] acc16 = new short[headDim];
        float sum = 0, max = Float.NEGATIVE_INFINITY;
        float sc = softcap > 0 ? scale / softcap : scale;
        for (int p = from; p <= to; p++) {
            float dot = 0;
            for (int i = 0; i < headDim; i++) dot += q[qOff + i] * Float.float16ToFloat(keys[base + keyOffset(p, i, headDim)]);
            float x = dot * sc;
            if (softcap > 0) x = softcap * (float) Math.tanh(x);
            float ms = 1f, vs = 1f;
            if (x > max) {
                ms = (float) Math.exp(max - x);
                max = x;
                for (int i = 0; i < headDim; i++) acc16[i] = Float.floatToFloat16(Float.float16ToFloat(acc16[i]) * ms);
            } else {
                vs = (float) Math.exp(x - max);
            }
            for (int i = 0; i < headDim; i++) {
                acc16[i] = Float.floatToFloat16(Math.fma(Float.float16ToFloat(values[base + p * headDim + i]), vs, Float.float16ToFloat(acc16[i])));
            }
            sum = sum * ms + vs;
        }
        float inv = sum == 0 ? 0 : 1f / sum;
        for (int i = 0; i < headDim; i++) out[outOff + i] = Float.float16ToFloat(acc16[i]) * inv;
    }

    /**
     * {@code n} halves from {@code a[off …]} to floats at {@code f[at …]}, exact for normal and
     * subnormal values. FLEN at a time: the halves widen with their sign copied into the high
     * bits; shifted left by 13, exponent and mantissa land where a float keeps them, with the
     * sign at bit 31 and copies of it at bits 28-30, which the mask clears. That float is the
     * half's value times 2^−112 (the exponent biases differ by 112, subnormals included), which
     * one multiplication puts right. (Infinities and NaNs are not handled: the cache holds
     * finite values.) The kernel's helpers take arrays, never vectors: see {@link VectorMath}.
     */
    static void toFloats(short[] a, int off, float[] f, int at, int n) {
        int i = 0;
        for (; i + FLEN <= n; i += FLEN) {
            IntVector h = (IntVector) ShortVector.fromArray(S_FOR_F, a, off + i).convertShape(VectorOperators.S2I, I_FOR_F, 0);
            ((FloatVector) h.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretShape(F, 0)).mul(0x1p112f).intoArray(f, at + i);
        }
        for (; i < n; i++) f[at + i] = Float.float16ToFloat(a[off + i]);
    }
}
