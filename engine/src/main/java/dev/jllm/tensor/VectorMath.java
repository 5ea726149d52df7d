package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.I_FOR_F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Element functions the Vector API does not compile to machine code here: its
 * {@code lanewise(EXP)} and masked {@code blend}s fall back to Java code that allocates per
 * call, which made attention and SwiGLU both slow and a source of garbage. These versions use
 * only lane-wise arithmetic, shifts and conversions, which C2 does compile.
 *
 * <p>They take arrays, not vectors: a helper that takes or returns a vector is only free while
 * C2 inlines it, and C2 stops inlining where a caller's graph is large
 * (NodeCountInliningCutoff) or where the helper already has a large compiled body of its own
 * ("already compiled into a big method" — both were seen, for {@code exp} in attention); a
 * call it does not inline boxes the vectors, megabytes a token. A call that passes arrays
 * costs a call.
 */
final class VectorMath {
    private VectorMath() {}

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUNDER = 0x1.8p23f; // adding and subtracting it rounds to an integer

    /**
     * a[off … off+n) = e^a[…]. Whole vectors with a relative error below 3·10⁻⁷ (about 2.5 ulp)
     * for x in [−87, 88] (inputs outside are clamped): x = n·ln2 + r with |r| ≤ ln2/2, e^r by a
     * degree-6 polynomial, 2^n by building the exponent; the last n mod FLEN values with
     * {@code Math.exp}.
     */
    static void expInPlace(float[] a, int off, int n) {
        int i = 0;
        for (; i + FLEN <= n; i += FLEN) {
            FloatVector x = FloatVector.fromArray(F, a, off + i).max(-87.3f).min(88.3f);
            FloatVector k = x.mul(LOG2E).add(ROUNDER).sub(ROUNDER);
            FloatVector r = k.fma(FloatVector.broadcast(F, -LN2_HI), x);
            r = k.fma(FloatVector.broadcast(F, -LN2_LO), r);
            // e^r ≈ 1 + r + r²/2! + … + r⁶/6!, in Horner form
            FloatVector p = r.fma(FloatVector.broadcast(F, 1.0f / 720), FloatVector.broadcast(F, 1.0f / 120));
            p = p.fma(r, FloatVector.broadcast(F, 1.0f / 24));
            p = p.fma(r, FloatVector.broadcast(F, 1.0f / 6));
            p = p.fma(r, FloatVector.broadcast(F, 0.5f));
            p = p.fma(r, FloatVector.broadcast(F, 1.0f));
            p = p.fma(r, FloatVector.broadcast(F, 1.0f));
            IntVector ki = (IntVector) k.convertShape(VectorOperators.F2I, I_FOR_F, 0);
            // 2^k as a float, built in two halves so that k = 128 (x near 88.3) does not overflow the exponent
            IntVector half = ki.lanewise(VectorOperators.ASHR, 1);
            FloatVector s1 = (FloatVector) half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretShape(F, 0);
            FloatVector s2 = (FloatVector) ki.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretShape(F, 0);
            p.mul(s1).mul(s2).intoArray(a, off + i);
        }
        for (; i < n; i++) a[off + i] = (float) Math.exp(a[off + i]);
    }

    /*
     * Rounding to the nearest F16 value (ties to even), staying in float: x + c − c with c a
     * float whose quantum (the distance to its neighbours) is the F16 quantum at x, so that the
     * float addition itself does the rounding. x in [2^e, 2^(e+1)) has an F16 quantum of
     * 2^(e−10) in F16's normal range and 2^−24 below 2^−14 (subnormals); c = 1.5·2^(e+13), or
     * 1.5·2^−1 below 2^−14, has that quantum and an even mantissa, so ties go to the F16 value
     * with an even last bit, and x + c stays in c's binade for any |x| < 2^(e+1). The sign is
     * put back at the end so that small negative values round to −0 as in the JDK's conversion.
     * Exact for |x| ≤ 65504; beyond the F16 range values are rounded but not turned into
     * infinity (attention sums never get there). c is built from x's exponent field in integer
     * lanes (the field, at least that of 2^−14, plus 13 in the exponent and a half in the
     * mantissa) rather than in float lanes (mask, max, multiply), which put three of the seven
     * operations on the two float adders: attention's accumulation alone took 6.2 instead of
     * 8.6–9.2 ns per row and position (64 values, AVX-512), the whole kernel 7% less. Seven
     * operations where a bit-twiddling version took eighteen: attention rounds its accumulator
     * at every position. The methods below write it out each (see the class comment for why
     * not a vector helper).
     */
    private static final int C_FLOOR = 0x38800000; // 2^−14's exponent field
    private static final int C_FROM_EXPONENT = (13 << 23) | 0x00400000; // ·2^13, then ·1.5

    /** acc[at … at+n) = f16(acc · s), rounded as described above (the tail with {@link Half#roundToF16}). */
    static void scaleRoundedF16(float[] acc, int at, float s, int n) {
        int i = 0;
        for (; i + FLEN <= n; i += FLEN) {
            FloatVector v = FloatVector.fromArray(F, acc, at + i).mul(s);
            IntVector bits = (IntVector) v.reinterpretShape(I_FOR_F, 0);
            FloatVector c = (FloatVector) bits.and(0x7F800000).max(C_FLOOR).add(C_FROM_EXPONENT).reinterpretShape(F, 0);
            IntVector rounded = (IntVector) v.add(c).sub(c).reinterpretShape(I_FOR_F, 0);
            ((FloatVector) rounded.or(bits.and(0x80000000)).reinterpretShape(F, 0)).intoArray(acc, at + i);
        }
        for (; i < n; i++) acc[at + i] = Half.roundToF16(acc[at + i] * s);
    }

    /** acc[at … at+n) = f16(v · s + acc), the product-sum fused as in ggml_vec_mad_f16, rounded as above. */
    static void madRoundedF16(float[] acc, int at, float[] v, int vOff, float s, int n) {
        FloatVector vs = FloatVector.broadcast(F, s);
        int i = 0;
        for (; i + FLEN <= n; i += FLEN) {
            FloatVector x = FloatVector.fromArray(F, v, vOff + i).fma(vs, FloatVector.fromArray(F, acc, at + i));
            IntVector bits = (IntVector) x.reinterpretShape(I_FOR_F, 0);
            FloatVector c = (FloatVector) bits.and(0x7F800000).max(C_FLOOR).add(C_FROM_EXPONENT).reinterpretShape(F, 0);
            IntVector rounded = (IntVector) x.add(c).sub(c).reinterpretShape(I_FOR_F, 0);
            ((FloatVector) rounded.or(bits.and(0x80000000)).reinterpretShape(F, 0)).intoArray(acc, at + i);
        }
        for (; i < n; i++) acc[at + i] = Half.roundToF16(Math.fma(v[vOff + i], s, acc[at + i]));
    }

    /**
     * Two {@link #madRoundedF16} steps in one pass, {@code v1 · s1} then {@code v2 · s2}, each
     * rounded: the same values, with the accumulator loaded and stored once instead of twice
     * (the attention kernel took a fifth less time on a prompt chunk and 15% less decoding; a
     * third step in the same pass gained little more).
     */
    static void mad2RoundedF16(float[] acc, int at, float[] v, int vOff1, float s1, int vOff2, float s2, int n) {
        FloatVector w1 = FloatVector.broadcast(F, s1), w2 = FloatVector.broadcast(F, s2);
        int i = 0;
        for (; i + FLEN <= n; i += FLEN) {
            FloatVector x = FloatVector.fromArray(F, v, vOff1 + i).fma(w1, FloatVector.fromArray(F, acc, at + i));
            IntVector bits = (IntVector) x.reinterpretShape(I_FOR_F, 0);
            FloatVector c = (FloatVector) bits.and(0x7F800000).max(C_FLOOR).add(C_FROM_EXPONENT).reinterpretShape(F, 0);
            IntVector rounded = (IntVector) x.add(c).sub(c).reinterpretShape(I_FOR_F, 0);
            x = (FloatVector) rounded.or(bits.and(0x80000000)).reinterpretShape(F, 0);
            x = FloatVector.fromArray(F, v, vOff2 + i).fma(w2, x);
            bits = (IntVector) x.reinterpretShape(I_FOR_F, 0);
            c = (FloatVector) bits.and(0x7F800000).max(C_FLOOR).add(C_FROM_EXPONENT).reinterpretShape(F, 0);
            rounded = (IntVector) x.add(c).sub(c).reinterpretShape(I_FOR_F, 0);
            ((FloatVector) rounded.or(bits.and(0x80000000)).reinterpretShape(F, 0)).intoArray(acc, at + i);
        }
        for (; i < n; i++) acc[at + i] = Half.roundToF16(Math.fma(v[vOff2 + i], s2, Half.roundToF16(Math.fma(v[vOff1 + i], s1, acc[at + i]))));
    }
}
