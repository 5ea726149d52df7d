package dev.jllm.tensor;

/**
 * Which kernels this JVM runs, for tools to report: all the SIMD kernels where the preferred
 * vector holds 16 or 8 floats; with 4 (128 bits) the float-lane kernels and the gemv kernels
 * (every weight type has one), which also take prompts,
 * token by token, since the batched kernels need wider vectors (see {@link Simd#WIDE}).
 */
public final class Kernels {
    private Kernels() {}

    /**
     * True where all the SIMD kernels run (256 or 512 bits); false where the batched ones do
     * not (128 bits: prompts go through the gemv kernels token by token) or none do.
     */
    public static boolean simd() {
        return Simd.WIDE;
    }

    /** Bits in the JVM's preferred float vector (512 with AVX-512, 256 with AVX2, 128 with NEON or SSE). */
    public static int vectorBits() {
        return Simd.FLEN * 32;
    }

    /** One line for users: what runs, and on narrow hardware what that costs. */
    public static String describe() {
        if (simd()) return "SIMD kernels, " + vectorBits() + "-bit vectors";
        if (Simd.NARROW_128) {
            return "this JVM's vectors are 128 bits wide: SIMD attention, norms and matrix-vector products, but no batched"
                    + " prompt kernels (those need 256 or 512 bits): prompts go through token by token, not much faster than decoding";
        }
        return "this JVM's vectors are " + vectorBits() + " bits wide: scalar kernels"
                + " (jllm's SIMD kernels need 128 bits or more; expect it many times slower)";
    }
}
