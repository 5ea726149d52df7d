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
 * <p>Cache layout: keys and values as F16 bit patterns; the KV head's vector for position p
 * starts at {@code p * stride + headOffset} (with the head-major cache, stride = headDim). Queries must already be F16-rounded.
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

    /** Positions converted and scored together: their softmax factors are one vector exp. */
    private static final int BLOCK = 16;

    /**
     * SIMD version, for all the rows at once. Positions go in blocks of {@link #BLOCK}: the
     * block's keys and values are converted from F16 once for every row that sees them (a
     * decoding step's 4 heads of a Llama group, or a prompt chunk's 32 tokens × 4 heads); each
     * row scores the block, walks it for its running maximum and the exponent each position
     * needs, and takes those exponentials in one vector operation; then the rows' F16
     * accumulators take the block's values position by position, rows interleaved, so that no
     * row waits on its own previous step. A row's arithmetic is that of a pass for it alone,
     * so its result does not depend on which rows share the call; it differs from the scalar
     * twin's in the order of each score's sum and in the exponential (VectorMath.exp, within
     * 3·10⁻⁷ of Math.exp).
     */
    public static void attend(Rows rows, float[] q, short[] keys, short[] values, int stride, int headOffset, int headDim,
                              float scale, float softcap, float[] out) {
        int n = rows.count();
        // scratch: n accumulators of headDim; the block's keys and values as floats; per row
        // and block position an exponent, then its exponential; per row the running maximum
        // and softmax denominator, and which block positions raised the maximum (as 1f)
        int kf = n * headDim, vf = kf + BLOCK * headDim, ex = vf + BLOCK * headDim, raised = ex + n * BLOCK;
        int maxAt = raised + n * BLOCK, sumAt = maxAt + n;
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
        for (int b0 = from; b0 <= to; b0 += BLOCK) {
            int len = Math.min(BLOCK, to - b0 + 1);
            for (int j = 0; j < len; j++) {
                int base = (b0 + j) * stride + headOffset;
                toFloats(keys, base, s, kf + j * headDim, headDim);
                toFloats(values, base, s, vf + j * headDim, headDim);
            }
            scoreBlock(rows, q, s, seen, b0, len, headDim, sc, softcap, kf, ex, raised, maxAt);
            accumulateBlock(n, s, seen, b0, len, headDim, vf, ex, raised, sumAt);
        }
        for (int r = 0; r < n; r++) {
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
            int e = ex + r * BLOCK, rs = raised + r * BLOCK;
            Arrays.fill(s, e, e + BLOCK, 0f);
            Arrays.fill(s, rs, rs + BLOCK, 0f);
            if (lo > hi) continue;
            int t = r / rows.group(), g = r % rows.group(), qOff = rows.qOff() + t * rows.qTokenStride() + g * headDim;
            float max = s[maxAt + r];
            for (int j = lo; j <= hi; j++) {
                float x = dot(q, qOff, s, kf + j * headDim, headDim) * sc;
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
            VectorMath.expInPlace(s, e, BLOCK);
        }
    }

    /** The block's values, position by position, into the F16 accumulators of the n rows that see each position, rows interleaved. */
    private static void accumulateBlock(int n, float[] s, int[] seen, int b0, int len, int headDim, int vf, int ex, int raised, int sumAt) {
        for (int j = 0; j < len; j++) {
            for (int r = 0; r < n; r++) {
                if (b0 + j < seen[2 * r] || b0 + j > seen[2 * r + 1]) continue;
                float f = s[ex + r * BLOCK + j], ms = 1f, vs = f;
                if (s[raised + r * BLOCK + j] != 0f) {
                    ms = f;
                    vs = 1f;
                    VectorMath.scaleRoundedF16(s, r * headDim, ms, headDim);
                }
                VectorMath.madRoundedF16(s, r * headDim, s, vf + j * headDim, vs, headDim);
                s[sumAt + r] = s[sumAt + r] * ms + vs;
            }
        }
    }

    /** Scalar twin of {@link #attend}, written with the JDK's own F16 conversions. */
    public static void attendScalar(float[] q, int qOff, short[] keys, short[] values, int stride, int headOffset, int headDim,
                                    int from, int to, float scale, float softcap, float[] out, int outOff) {
        short[] acc16 = new short[headDim];
        float sum = 0, max = Float.NEGATIVE_INFINITY;
        float sc = softcap > 0 ? scale / softcap : scale;
        for (int p = from; p <= to; p++) {
            int base = p * stride + headOffset;
            float dot = 0;
            for (int i = 0; i < headDim; i++) dot += q[qOff + i] * Float.float16ToFloat(keys[base + i]);
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
                acc16[i] = Float.floatToFloat16(Math.fma(Float.float16ToFloat(values[base + i]), vs, Float.float16ToFloat(acc16[i])));
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

    /** q·k over n floats: one vector of partial sums, then its lanes in a fixed order ({@link Simd#sumLanes}), then the tail. */
    private static float dot(float[] q, int qOff, float[] k, int kOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + FLEN <= n; i += FLEN) acc = FloatVector.fromArray(F, q, qOff + i).fma(FloatVector.fromArray(F, k, kOff + i), acc);
        float s = Simd.sumLanes(acc);
        for (; i < n; i++) s += q[qOff + i] * k[kOff + i];
        return s;
    }
}
