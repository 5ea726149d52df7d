package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.I_FOR_F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Element functions the Vector API does not compile to machine code here: its
 * {@code lanewise(EXP)} and masked {@code blend}s fall back to Java code that allocates per
 * call, which made attention and SwiGLU both slow and a source of garbage. These versions use
 * only lane-wise arithmetic, shifts and conversions, which C2 does compile.
 */
final class VectorMath {
    private VectorMath() {}

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUNDER = 0x1.8p23f; // adding and subtracting it rounds to an integer

    /**
     * e^x with a relative error below 3·10⁻⁷ (about 2.5 ulp) for x in [−87, 88] (inputs outside are clamped):
     * x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial, 2^n by building the exponent.
     */
    static FloatVector exp(FloatVector x) {
        x = x.max(-87.3f).min(88.3f);
        FloatVector n = x.mul(LOG2E).add(ROUNDER).sub(ROUNDER);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        // e^r ≈ 1 + r + r²/2! + … + r⁶/6!, in Horner form
        FloatVector p = r.fma(FloatVector.broadcast(F, 1.0f / 720), FloatVector.broadcast(F, 1.0f / 120));
        p = p.fma(r, FloatVector.broadcast(F, 1.0f / 24));
        p = p.fma(r, FloatVector.broadcast(F, 1.0f / 6));
        p = p.fma(r, FloatVector.broadcast(F, 0.5f));
        p = p.fma(r, FloatVector.broadcast(F, 1.0f));
        p = p.fma(r, FloatVector.broadcast(F, 1.0f));
        IntVector ni = (IntVector) n.convertShape(VectorOperators.F2I, I_FOR_F, 0);
        // 2^n as a float, built in two halves so that n = 128 (x near 88.3) does not overflow the exponent
        IntVector half = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = (FloatVector) half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretShape(F, 0);
        FloatVector s2 = (FloatVector) ni.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretShape(F, 0);
        return p.mul(s1).mul(s2);
    }

    /**
     * Rounds to the nearest F16 value (ties to even), staying in float: x + c − c with c a float
     * whose quantum (the distance to its neighbours) is the F16 quantum at x, so that the
     * float addition itself does the rounding. x in [2^e, 2^(e+1)) has an F16 quantum of
     * 2^(e−10) in F16's normal range and 2^−24 below 2^−14 (subnormals); c = 1.5·2^(e+13), or
     * 1.5·2^−1 below 2^−14, has that quantum and an even mantissa, so ties go to the F16 value
     * with an even last bit, and x + c stays in c's binade for any |x| < 2^(e+1). The sign is
     * put back at the end so that small negative values round to −0 as in the JDK's conversion.
     * Exact for |x| ≤ 65504; beyond the F16 range values are rounded but not turned into
     * infinity (attention sums never get there). Five operations where a bit-twiddling version
     * took eighteen: attention rounds its accumulator at every position.
     */
    static FloatVector roundToF16(FloatVector v) {
        IntVector bits = (IntVector) v.reinterpretShape(I_FOR_F, 0);
        FloatVector binade = (FloatVector) bits.and(0x7F800000).reinterpretShape(F, 0); // 2^e, or 0 for subnormal floats
        FloatVector c = binade.max(0x1p-14f).mul(0x1.8p13f);
        IntVector rounded = (IntVector) v.add(c).sub(c).reinterpretShape(I_FOR_F, 0);
        return (FloatVector) rounded.or(bits.and(0x80000000)).reinterpretShape(F, 0);
    }
}
