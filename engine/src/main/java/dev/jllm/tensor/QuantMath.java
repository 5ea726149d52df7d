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
}
