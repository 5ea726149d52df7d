package dev.jllm.tensor;

/**
 * Which kernels this JVM runs, for tools to report: the SIMD kernels where the preferred vector
 * holds 16 or 8 floats; with 4 (128 bits) the float-lane kernels, the gemv kernels that have a
 * form for them ({@link TensorFormat#gemvAt128Bits}) and the scalar twins for the other
 * products (see {@link Simd#WIDE}).
 */
public final class Kernels {
    private Kernels() {}

    /** True where all the SIMD kernels run (256 or 512 bits); false where some or all products run their scalar twins. */
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
        String some = Simd.NARROW_128 ? "SIMD attention, norms and matrix-vector products for " + gemvAt128Bits() + "; " : "";
        return "this JVM's vectors are " + vectorBits() + " bits wide: " + some + "scalar kernels for the other products"
                + " (jllm's full SIMD kernels need 256 or 512 bits; expect those several times slower)";
    }

    /** The weight types with a gemv kernel for 128-bit vectors, e.g. "Q8_0, Q4_0, Q4_K". */
    static String gemvAt128Bits() {
        StringBuilder sb = new StringBuilder();
        for (GGMLType t : GGMLType.values()) {
            TensorFormat f = TensorFormats.ofOrNull(t);
            if (f != null && f.gemvAt128Bits()) sb.append(sb.isEmpty() ? "" : ", ").append(t);
        }
        return sb.toString();
    }
}
