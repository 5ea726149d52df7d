package dev.jllm.tensor;

import static dev.jllm.tensor.AttentionKernel.TILE;
import static dev.jllm.tensor.Simd.B_FOR_F;
import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;

import java.util.Arrays;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Attention over a Q8_0 KV cache, computed as llama.cpp's CPU flash attention computes it with
 * {@code --cache-type-k q8_0 --cache-type-v q8_0}: the query row is quantized to Q8_0 and each
 * score is a Q8_0·Q8_0 dot product (per block of 32 an exact integer sum, times the product of
 * the two F16 scales, blocks added in order); values are dequantized (exactly: an F16 scale
 * times an 8-bit integer) and accumulated in F32 — unlike the F16 cache's accumulator, which
 * llama.cpp rounds to F16 at every position. The cache takes 34 bytes for 32 values (32 quants
 * and an F16 scale, as ggml's block_q8_0) instead of 64. Free of the F16 cache's roundings, which
 * {@link AttentionKernel} must reproduce position by position and in llama.cpp's order of
 * sums, this kernel takes a tile's softmax step at once and scores four rows per key load: it
 * runs about twice as fast (JMH AttentionBenchmark).
 *
 * <p>Layout per KV head, quants from {@code base} and scales from {@code base / 32}: keys in
 * tiles of {@link AttentionKernel#TILE} positions, dimension by dimension (quant i of position p
 * at {@link AttentionKernel#keyOffset}), and their scales per tile block by block
 * ({@link #keyScaleOffset}), so that one vector load takes the same element, or the same block's
 * scale, of TILE positions; values position by position ({@code p·headDim + i}) with their
 * scales ({@code p·blocks + b}). Every block of the regions holds finite values (zeros where
 * nothing was stored): the kernel converts whole tiles. The head size is a multiple of 32.
 */
public final class Q8AttentionKernel {
    private Q8AttentionKernel() {}

    /** Values per Q8_0 block: the head size must be a multiple of it. */
    public static final int BLOCK = 32;

    /** Where the scale of key block {@code block} of position p sits, counted from the head's scale base. */
    public static int keyScaleOffset(int p, int block, int blocks) {
        return (p / TILE) * TILE * blocks + block * TILE + p % TILE;
    }

    /**
     * Position p's key, {@code headDim} values from {@code x[from …]}, quantized into the head's
     * region of {@code quants} (from {@code base}) and {@code scales} (from {@code base / 32}).
     */
    public static void storeKey(float[] x, int from, int headDim, byte[] quants, short[] scales, int base, int p) {
        int blocks = headDim / BLOCK;
        for (int b = 0; b < blocks; b++) {
            // a tile keeps element i of its positions TILE apart: block b's quants go TILE apart
            scales[base / BLOCK + keyScaleOffset(p, b, blocks)] =
                    storeBlock(x, from + b * BLOCK, quants, base + AttentionKernel.keyOffset(p, b * BLOCK, headDim), TILE);
        }
    }

    /** Position p's value, as {@link #storeKey} stores a key, in the position-major layout. */
    public static void storeValue(float[] x, int from, int headDim, byte[] quants, short[] scales, int base, int p) {
        int blocks = headDim / BLOCK;
        for (int b = 0; b < blocks; b++) {
            scales[base / BLOCK + p * blocks + b] = storeBlock(x, from + b * BLOCK, quants, base + p * headDim + b * BLOCK, 1);
        }
    }

    /**
     * The 32 values at {@code x[at …]} quantized as ggml's quantize_row_q8_0 does, the quants to
     * {@code quants[q …]} {@code stride} apart; returns the block's scale as F16 bits.
     */
    private static short storeBlock(float[] x, int at, byte[] quants, int q, int stride) {
        float amax = amax(x, at), id = amax != 0 ? 127.0f / amax : 0.0f;
        for (int j = 0; j < BLOCK; j++) quants[q + j * stride] = (byte) Math.rint(x[at + j] * id);
        return Half.floatToF16(amax / 127.0f);
    }

    /**
     * The rows' attention (see {@link AttentionKernel.Rows}), all at once: per block of one key
     * tile, the keys and values are converted to floats once for every row that sees them; the
     * rows score the tile four at a time (TILE scores per vector, each block's integer sum exact
     * in float lanes, so as ggml takes it), then each row takes one online-softmax step for the
     * tile ({@link #weigh}) and adds the weighted values to its F32 accumulator. A row's
     * arithmetic does not depend on which rows share the call; it differs from the scalar twin's
     * in the exponential (VectorMath.exp, within 3·10⁻⁷ of Math.exp), in rescaling per tile, not
     * per position, and in the order the denominator's terms are added.
     */
    public static void attend(AttentionKernel.Rows rows, float[] q, byte[] keys, short[] keyScales, byte[] values, short[] valueScales,
                              int base, int headDim, float scale, float softcap, float[] out) {
        int n = rows.count();
        if (!Simd.FLOAT_KERNELS) {
            for (int r = 0; r < n; r++) {
                int t = r / rows.group(), g = r % rows.group();
                attendScalar(q, rows.qOff() + t * rows.qTokenStride() + g * headDim, keys, keyScales, values, valueScales, base, headDim,
                        rows.first(r), rows.last(r), scale, softcap, out, rows.outOff() + t * rows.outTokenStride() + g * headDim);
            }
            return;
        }
        int blocks = headDim / BLOCK, sbase = base / BLOCK;
        // scratch: n accumulators of headDim; the rows' queries quantized (as floats) and their
        // scales; the tile's keys, their scales and its dequantized values as floats; every
        // row's TILE scores, then weights; per row the running maximum, the softmax denominator
        // as FLEN lane sums, and at the end the denominator
        int qq = n * headDim, qd = qq + n * headDim, kf = qd + n * blocks, ksf = kf + TILE * headDim, vf = ksf + TILE * blocks;
        int w = vf + TILE * headDim, maxAt = w + n * TILE, sumAt = maxAt + n, den = sumAt + n * FLEN;
        float[] s = KernelScratch.floats(den + n);
        Arrays.fill(s, 0, qq, 0f);
        Arrays.fill(s, maxAt, sumAt, Float.NEGATIVE_INFINITY);
        Arrays.fill(s, sumAt, den, 0f);
        int[] seen = KernelScratch.ints(2 * n);
        int from = Integer.MAX_VALUE, to = -1;
        for (int r = 0; r < n; r++) {
            int t = r / rows.group(), g = r % rows.group();
            quantizeQuery(q, rows.qOff() + t * rows.qTokenStride() + g * headDim, headDim, s, qq + r * headDim, qd + r * blocks);
            seen[2 * r] = rows.first(r);
            seen[2 * r + 1] = rows.last(r);
            from = Math.min(from, seen[2 * r]);
            to = Math.max(to, seen[2 * r + 1]);
        }
        float sc = softcap > 0 ? scale / softcap : scale;
        for (int b0 = from - from % TILE; b0 <= to; b0 += TILE) {
            int len = Math.min(TILE, to - b0 + 1);
            toFloats(keys, base + b0 * headDim, s, kf, TILE * headDim);
            dequantizeValues(values, valueScales, base + b0 * headDim, sbase + b0 * blocks, s, vf, TILE * headDim);
            AttentionKernel.toFloats(keyScales, sbase + keyScaleOffset(b0, 0, blocks), s, ksf, TILE * blocks);
            int r = 0;
            // (a two-row variant for groups of two or three measured no faster than this one-row
            // loop, whose four chains of multiply-adds keep the units as busy: JMH
            // decodeGroupsOfTwo, 4 interleaved runs, 3,066 vs 3,011 ops/s)
            for (; r + 4 <= n; r += 4) tileDots4(s, qq + r * headDim, qd + r * blocks, kf, ksf, blocks, headDim, w + r * TILE);
            for (; r < n; r++) tileDots(s, qq + r * headDim, qd + r * blocks, kf, ksf, blocks, w + r * TILE);
            for (r = 0; r < n; r++) {
                int lo = Math.max(0, seen[2 * r] - b0), hi = Math.min(len - 1, seen[2 * r + 1] - b0);
                if (lo > hi) continue;
                weigh(s, w + r * TILE, lo, hi, sc, softcap, r * headDim, headDim, maxAt + r, sumAt + r * FLEN);
                accumulate(s, r * headDim, headDim, vf, w + r * TILE, lo, hi);
            }
        }
        float[] lanes = KernelScratch.small();
        for (int r = 0; r < n; r++) {
            System.arraycopy(s, sumAt + r * FLEN, lanes, 0, FLEN);
            s[den + r] = Simd.hsum(lanes);
        }
        AttentionKernel.writeRows(rows, s, den, headDim, out);
    }

    /**
     * The scores of one row's quantized query ({@code s[qq …]}, scales at {@code s[qd …]}) with
     * the TILE keys of the converted tile at {@code s[kf …]} (element i of key j at
     * {@code kf + i·TILE + j}; block b's scales at {@code s[ks + b·TILE …]}), into
     * {@code s[at … at+TILE)}: FLEN positions a vector, each block's sum exact (integers below
     * 2^24 in any order), scaled by the key's and the query's scale, blocks added in order.
     */
    private static void tileDots(float[] s, int qq, int qd, int kf, int ks, int blocks, int at) {
        for (int jv = 0; jv < TILE; jv += FLEN) {
            FloatVector score = FloatVector.zero(F);
            for (int b = 0; b < blocks; b++) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int i = b * BLOCK; i < (b + 1) * BLOCK; i += 4) {
                    int k = kf + i * TILE + jv, x = qq + i;
                    a0 = FloatVector.broadcast(F, s[x]).fma(FloatVector.fromArray(F, s, k), a0);
                    a1 = FloatVector.broadcast(F, s[x + 1]).fma(FloatVector.fromArray(F, s, k + TILE), a1);
                    a2 = FloatVector.broadcast(F, s[x + 2]).fma(FloatVector.fromArray(F, s, k + 2 * TILE), a2);
                    a3 = FloatVector.broadcast(F, s[x + 3]).fma(FloatVector.fromArray(F, s, k + 3 * TILE), a3);
                }
                FloatVector d = FloatVector.fromArray(F, s, ks + b * TILE + jv).mul(s[qd + b]);
                score = score.add(a0.add(a1).add(a2.add(a3)).mul(d));
            }
            score.intoArray(s, at + jv);
        }
    }

    /**
     * {@link #tileDots} for four rows at once (their quantized queries {@code headDim} apart,
     * scales {@code blocks} apart, scores to {@code s[at …]} TILE apart): each key vector is
     * loaded once for the four, whose sums are four independent chains of multiply-adds. The
     * same arithmetic, in the same order, as one row at a time.
     */
    private static void tileDots4(float[] s, int qq, int qd, int kf, int ks, int blocks, int headDim, int at) {
        for (int jv = 0; jv < TILE; jv += FLEN) {
            FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0, t3 = t0;
            for (int b = 0; b < blocks; b++) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int i = b * BLOCK; i < (b + 1) * BLOCK; i++) {
                    FloatVector k = FloatVector.fromArray(F, s, kf + i * TILE + jv);
                    a0 = FloatVector.broadcast(F, s[qq + i]).fma(k, a0);
                    a1 = FloatVector.broadcast(F, s[qq + headDim + i]).fma(k, a1);
                    a2 = FloatVector.broadcast(F, s[qq + 2 * headDim + i]).fma(k, a2);
                    a3 = FloatVector.broadcast(F, s[qq + 3 * headDim + i]).fma(k, a3);
                }
                FloatVector kd = FloatVector.fromArray(F, s, ks + b * TILE + jv);
                t0 = t0.add(a0.mul(kd.mul(s[qd + b])));
                t1 = t1.add(a1.mul(kd.mul(s[qd + blocks + b])));
                t2 = t2.add(a2.mul(kd.mul(s[qd + 2 * blocks + b])));
                t3 = t3.add(a3.mul(kd.mul(s[qd + 3 * blocks + b])));
            }
            t0.intoArray(s, at + jv);
            t1.intoArray(s, at + TILE + jv);
            t2.intoArray(s, at + 2 * TILE + jv);
            t3.intoArray(s, at + 3 * TILE + jv);
        }
    }

    /**
     * A row's online-softmax step for a whole tile, of which positions lo..hi are seen: the
     * scores at {@code s[w …]} are scaled (and soft-capped); if the tile raises the row's running
     * maximum, the accumulator ({@code headDim} floats at {@code s[acc …]}) and the denominator
     * are scaled by e^(old max − new max) once; the scores become the weights e^(x − max), 0
     * outside lo..hi, and are added to the denominator, which is kept as FLEN lane sums at
     * {@code s[sumAt …]} (added up in a fixed order at the end). llama.cpp rescales at every
     * position that raises the maximum and adds the weights one by one; this is the same
     * arithmetic up to float rounding (in F32 accumulators about 10⁻⁷) without a walk over the
     * positions.
     */
    private static void weigh(float[] s, int w, int lo, int hi, float sc, float softcap, int acc, int headDim, int maxAt, int sumAt) {
        int j = 0;
        if (softcap > 0) {
            for (; j < TILE; j++) s[w + j] = softcap * (float) Math.tanh(s[w + j] * sc);
        } else {
            for (; j + FLEN <= TILE; j += FLEN) FloatVector.fromArray(F, s, w + j).mul(sc).intoArray(s, w + j);
        }
        boolean whole = lo == 0 && hi == TILE - 1;
        float tileMax = Float.NEGATIVE_INFINITY;
        if (whole) {
            FloatVector m = FloatVector.fromArray(F, s, w);
            for (j = FLEN; j < TILE; j += FLEN) m = m.max(FloatVector.fromArray(F, s, w + j));
            tileMax = m.reduceLanes(VectorOperators.MAX); // exact in any order
        } else {
            for (j = lo; j <= hi; j++) tileMax = Math.max(tileMax, s[w + j]);
        }
        float max = s[maxAt];
        if (tileMax > max) {
            float ms = (float) Math.exp(max - tileMax); // 0 for the first tile (max = −∞)
            int i = 0;
            for (; i + FLEN <= headDim; i += FLEN) FloatVector.fromArray(F, s, acc + i).mul(ms).intoArray(s, acc + i);
            for (; i < headDim; i++) s[acc + i] *= ms;
            FloatVector.fromArray(F, s, sumAt).mul(ms).intoArray(s, sumAt);
            s[maxAt] = max = tileMax;
        }
        for (j = 0; j < TILE; j += FLEN) FloatVector.fromArray(F, s, w + j).sub(max).intoArray(s, w + j);
        VectorMath.expInPlace(s, w, TILE);
        if (!whole) {
            for (j = 0; j < TILE; j++) if (j < lo || j > hi) s[w + j] = 0f; // exp's input clamp leaves 1e-38, not 0, for −∞
        }
        FloatVector sum = FloatVector.fromArray(F, s, sumAt);
        for (j = 0; j < TILE; j += FLEN) sum = sum.add(FloatVector.fromArray(F, s, w + j));
        sum.intoArray(s, sumAt);
    }

    /**
     * acc += Σ_j weight_j · value_j over the tile's positions lo..hi (dequantized values at
     * {@code s[vf + j·headDim …]}, weights at {@code s[w + j]}): 4·FLEN elements of the
     * accumulator at a time held in registers across the positions, four independent chains of
     * multiply-adds (one chain stalls on the multiply-add's latency), then FLEN at a time.
     */
    private static void accumulate(float[] s, int acc, int headDim, int vf, int w, int lo, int hi) {
        int i = 0;
        for (; i + 4 * FLEN <= headDim; i += 4 * FLEN) {
            FloatVector a0 = FloatVector.fromArray(F, s, acc + i), a1 = FloatVector.fromArray(F, s, acc + i + FLEN);
            FloatVector a2 = FloatVector.fromArray(F, s, acc + i + 2 * FLEN), a3 = FloatVector.fromArray(F, s, acc + i + 3 * FLEN);
            for (int j = lo; j <= hi; j++) {
                FloatVector wj = FloatVector.broadcast(F, s[w + j]);
                int v = vf + j * headDim + i;
                a0 = FloatVector.fromArray(F, s, v).fma(wj, a0);
                a1 = FloatVector.fromArray(F, s, v + FLEN).fma(wj, a1);
                a2 = FloatVector.fromArray(F, s, v + 2 * FLEN).fma(wj, a2);
                a3 = FloatVector.fromArray(F, s, v + 3 * FLEN).fma(wj, a3);
            }
            a0.intoArray(s, acc + i);
            a1.intoArray(s, acc + i + FLEN);
            a2.intoArray(s, acc + i + 2 * FLEN);
            a3.intoArray(s, acc + i + 3 * FLEN);
        }
        for (; i + FLEN <= headDim; i += FLEN) {
            FloatVector a = FloatVector.fromArray(F, s, acc + i);
            for (int j = lo; j <= hi; j++) a = FloatVector.fromArray(F, s, vf + j * headDim + i).fma(FloatVector.broadcast(F, s[w + j]), a);
            a.intoArray(s, acc + i);
        }
        for (; i < headDim; i++) {
            float a = s[acc + i];
            for (int j = lo; j <= hi; j++) a = Math.fma(s[vf + j * headDim + i], s[w + j], a);
            s[acc + i] = a;
        }
    }

    /** A query row quantized as ggml's quantize_row_q8_0 does: the quants (as floats) to {@code s[qq …]}, the F16-rounded scales to {@code s[qd …]}. */
    private static void quantizeQuery(float[] q, int qOff, int headDim, float[] s, int qq, int qd) {
        for (int b = 0; b < headDim / BLOCK; b++) {
            int at = qOff + b * BLOCK;
            float amax = amax(q, at), id = amax != 0 ? 127.0f / amax : 0.0f;
            for (int j = 0; j < BLOCK; j++) s[qq + b * BLOCK + j] = (float) Math.rint(q[at + j] * id);
            s[qd + b] = Half.roundToF16(amax / 127.0f);
        }
    }

    private static float amax(float[] x, int from) {
        float amax = 0;
        for (int j = 0; j < BLOCK; j++) amax = Math.max(amax, Math.abs(x[from + j]));
        return amax;
    }

    /** {@code n} quants from {@code a[off …]} to floats at {@code f[at …]}. */
    private static void toFloats(byte[] a, int off, float[] f, int at, int n) {
        int i = 0;
        if (B_FOR_F.length() == FLEN) {
            for (; i + FLEN <= n; i += FLEN) {
                ((FloatVector) ByteVector.fromArray(B_FOR_F, a, off + i).convertShape(VectorOperators.B2F, F, 0)).intoArray(f, at + i);
            }
        }
        for (; i < n; i++) f[at + i] = a[off + i];
    }

    /** {@code n} values (whole blocks) from {@code a[off …]} with their F16 scales from {@code scales[sAt …]}, dequantized to {@code f[at …]}. */
    private static void dequantizeValues(byte[] a, short[] scales, int off, int sAt, float[] f, int at, int n) {
        toFloats(a, off, f, at, n);
        for (int b = 0; b < n / BLOCK; b++) {
            float d = Float.float16ToFloat(scales[sAt + b]);
            int i = at + b * BLOCK, end = i + BLOCK;
            for (; i + FLEN <= end; i += FLEN) FloatVector.fromArray(F, f, i).mul(d).intoArray(f, i);
            for (; i < end; i++) f[i] *= d;
        }
    }

    /**
     * Scalar twin of {@link #attend} for one query row (at {@code q[qOff …]}) over positions
     * {@code from..to}: the arithmetic of ggml's flash attention with a Q8_0 cache, written out.
     */
    public static void attendScalar(float[] q, int qOff, byte[] keys, short[] keyScales, byte[] values, short[] valueScales,
                                    int base, int headDim, int from, int to, float scale, float softcap, float[] out, int outOff) {
        int blocks = headDim / BLOCK, sbase = base / BLOCK;
        int[] qq = new int[headDim];
        float[] qd = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            int at = qOff + b * BLOCK;
            float amax = 0;
            for (int j = 0; j < BLOCK; j++) amax = Math.max(amax, Math.abs(q[at + j]));
            float id = amax != 0 ? 127.0f / amax : 0.0f;
            for (int j = 0; j < BLOCK; j++) qq[b * BLOCK + j] = (int) Math.rint(q[at + j] * id);
            qd[b] = Float.float16ToFloat(Float.floatToFloat16(amax / 127.0f));
        }
        float[] acc = new float[headDim];
        float sum = 0, max = Float.NEGATIVE_INFINITY;
        float sc = softcap > 0 ? scale / softcap : scale;
        for (int p = from; p <= to; p++) {
            float dot = 0;
            for (int b = 0; b < blocks; b++) {
                int sumi = 0;
                for (int j = 0; j < BLOCK; j++) sumi += qq[b * BLOCK + j] * keys[base + AttentionKernel.keyOffset(p, b * BLOCK + j, headDim)];
                dot += sumi * (Float.float16ToFloat(keyScales[sbase + keyScaleOffset(p, b, blocks)]) * qd[b]);
            }
            float x = dot * sc;
            if (softcap > 0) x = softcap * (float) Math.tanh(x);
            float ms = 1f, vs = 1f;
            if (x > max) {
                ms = (float) Math.exp(max - x);
                max = x;
                for (int i = 0; i < headDim; i++) acc[i] *= ms;
            } else {
                vs = (float) Math.exp(x - max);
            }
            for (int i = 0; i < headDim; i++) {
                float v = values[base + p * headDim + i] * Float.float16ToFloat(valueScales[sbase + p * blocks + i / BLOCK]);
                acc[i] = Math.fma(v, vs, acc[i]);
            }
            sum = sum * ms + vs;
        }
        float inv = sum == 0 ? 0 : 1f / sum;
        for (int i = 0; i < headDim; i++) out[outOff + i] = acc[i] * inv;
    }
}
