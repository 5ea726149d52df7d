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
     * Rounds to the nearest F16 value (ties to even), staying in float, with integer operations
     * only. Rounding drops the low {@code shift} mantissa bits: 13 in F16's normal range, more
     * below 2^−14 where F16 is subnormal (its quantum is 2^−24 there). Values below 2^−25 become
     * ±0. (Between 2^−25 and 2^−24 the result keeps a quantum of 2^−25 — an error under 3·10⁻⁸ —
     * and values beyond the F16 range are not clamped to infinity; attention sums never get there.)
     */
    static FloatVector roundToF16(FloatVector v) {
        IntVector bits = (IntVector) v.reinterpretShape(I_FOR_F, 0);
        IntVector e = bits.lanewise(VectorOperators.LSHR, 23).and(0xFF).sub(127);
        IntVector shift = e.neg().sub(1).max(13).min(23);
        IntVector one = IntVector.broadcast(I_FOR_F, 1).lanewise(VectorOperators.LSHL, shift);
        IntVector lsb = bits.lanewise(VectorOperators.LSHR, shift).and(1);
        IntVector rounded = bits.add(one.lanewise(VectorOperators.LSHR, 1)).sub(1).add(lsb).and(one.sub(1).not());
        // keep = all ones when e ≥ −25, else 0 (flush to ±0): the sign of (e + 25) as a mask
        IntVector flush = e.add(25).lanewise(VectorOperators.ASHR, 31);
        return (FloatVector) rounded.and(flush.not()).or(bits.and(0x80000000)).reinterpretShape(F, 0);
    }
}
