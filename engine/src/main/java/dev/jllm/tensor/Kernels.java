package dev.jllm.tensor;

/**
 * Which kernels this JVM runs, for tools to report: the SIMD kernels where the preferred vector
 * holds 16 or 8 floats, else the scalar twins (see {@link Simd#WIDE}).
 */
public final class Kernels {
    private Kernels() {}

    /** True where the SIMD kernels run; false where the scalar twins stand in for them. */
    public static boolean simd() {
        return Simd.WIDE;
    }

    /** Bits in the JVM's preferred float vector (512 with AVX-512, 256 with AVX2, 128 with NEON or SSE). */
    public static int vectorBits() {
        return Simd.FLEN * 32;
    }

    /** One line for users: what runs, and on narrow hardware what that costs. */
    public static String describe() {
        return simd()
                ? "SIMD kernels, " + vectorBits() + "-bit vectors"
                : "portable scalar kernels: this JVM's vectors are " + vectorBits()
                  + " bits wide and jllm's SIMD kernels need 256 or 512 (expect several times slower matrix products)";
    }
}
