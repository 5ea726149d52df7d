package dev.jllm.tensor;

/** Rounding helpers that reproduce C's behaviour in ggml's reference quantizers. */
final class QuantMath {
    private QuantMath() {}

    /** C {@code roundf}: nearest integer, halfway cases away from zero (Java's Math.round rounds them up). */
    static int roundHalfAway(float v) {
        double a = Math.floor(Math.abs((double) v) + 0.5);
        return (int) Math.copySign(a, v);
    }

    /** ggml's {@code nearest_int}: nearest integer, halfway cases to even. */
    static int nearestInt(float v) {
        return (int) Math.rint(v);
    }

    /**
     * ggml's x86 {@code hsum_float_8} (arch/x86/quants.c): the 8 lanes of an AVX accumulator
     * summed as ((a0+a4) + (a2+a6)) + ((a1+a5) + (a3+a7)).
     */
    static float hsumFloat8(float[] a) {
        float r0 = a[0] + a[4], r1 = a[1] + a[5], r2 = a[2] + a[6], r3 = a[3] + a[7];
        return (r0 + r2) + (r1 + r3);
    }
}
