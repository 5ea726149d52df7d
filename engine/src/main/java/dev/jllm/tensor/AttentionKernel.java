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
 * Attention of one query head over a range of cached positions, computed as llama.cpp's CPU
 * flash attention computes it, because its roundings move logits by more than our tolerance
 * allows when left out: one pass over the positions with an online softmax, and the weighted
 * sum of values kept in an F16 accumulator (every update rounded to F16) that is divided by the
 * softmax denominator at the end.
 *
 * <p>Cache layout: keys and values as F16 bit patterns, position-major; the head's vector for
 * position p starts at {@code p * stride + headOffset}. The query must already be F16-rounded.
 * Scores: {@code s = softcap · tanh(q·k · scale / softcap)} with a soft-cap, else {@code q·k · scale}.
 */
public final class AttentionKernel {
    private AttentionKernel() {}

    /**
     * SIMD version. {@code acc} is scratch of at least headDim floats; it holds F16-representable
     * values throughout, which is the same as an F16 buffer.
     */
    public static void attend(float[] q, int qOff, short[] keys, short[] values, int stride, int headOffset, int headDim,
                              int from, int to, float scale, float softcap, float[] acc, float[] out, int outOff) {
        Arrays.fill(acc, 0, headDim, 0f);
        float sum = 0, max = Float.NEGATIVE_INFINITY;
        float sc = softcap > 0 ? scale / softcap : scale;
        for (int p = from; p <= to; p++) {
            int base = p * stride + headOffset;
            float x = dotF16(q, qOff, keys, base, headDim) * sc;
            if (softcap > 0) x = softcap * (float) Math.tanh(x);
            float ms = 1f, vs = 1f;
            if (x > max) {
                ms = (float) Math.exp(max - x);
                max = x;
                scaleRounded(acc, headDim, ms);
            } else {
                vs = (float) Math.exp(x - max);
            }
            madRounded(acc, values, base, vs, headDim);
            sum = sum * ms + vs;
        }
        float inv = sum == 0 ? 0 : 1f / sum;
        int i = 0;
        for (; i + FLEN <= headDim; i += FLEN) FloatVector.fromArray(F, acc, i).mul(inv).intoArray(out, outOff + i);
        for (; i < headDim; i++) out[outOff + i] = acc[i] * inv;
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
     * FLEN halves from a short array as floats: exponent and mantissa moved into float position
     * and re-biased by multiplying with 2^112, exact for normal and subnormal values. (Infinities
     * and NaNs are not handled: the cache holds finite values.)
     */
    static FloatVector loadF16(short[] a, int off) {
        IntVector h = (IntVector) ShortVector.fromArray(S_FOR_F, a, off).convertShape(VectorOperators.S2I, I_FOR_F, 0);
        FloatVector magnitude = ((FloatVector) h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretShape(F, 0)).mul(0x1p112f);
        return (FloatVector) ((IntVector) magnitude.reinterpretShape(I_FOR_F, 0)).or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretShape(F, 0);
    }

    static FloatVector roundToF16(FloatVector v) {
        return VectorMath.roundToF16(v);
    }

    static float dotF16(float[] q, int qOff, short[] k, int kOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + FLEN <= n; i += FLEN) acc = FloatVector.fromArray(F, q, qOff + i).fma(loadF16(k, kOff + i), acc);
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += q[qOff + i] * Float.float16ToFloat(k[kOff + i]);
        return s;
    }

    /** acc = f16(acc · s). */
    private static void scaleRounded(float[] acc, int n, float s) {
        int i = 0;
        for (; i + FLEN <= n; i += FLEN) roundToF16(FloatVector.fromArray(F, acc, i).mul(s)).intoArray(acc, i);
        for (; i < n; i++) acc[i] = Half.roundToF16(acc[i] * s);
    }

    /** acc = f16(v · s + acc), the product-sum fused as in ggml_vec_mad_f16. */
    private static void madRounded(float[] acc, short[] v, int vOff, float s, int n) {
        FloatVector vs = FloatVector.broadcast(F, s);
        int i = 0;
        for (; i + FLEN <= n; i += FLEN) {
            roundToF16(loadF16(v, vOff + i).fma(vs, FloatVector.fromArray(F, acc, i))).intoArray(acc, i);
        }
        for (; i < n; i++) acc[i] = Half.roundToF16(Math.fma(Float.float16ToFloat(v[vOff + i]), s, acc[i]));
    }
}
