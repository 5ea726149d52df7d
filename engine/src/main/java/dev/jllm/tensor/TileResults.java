package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.FLEN;

/**
 * How the lanes = tokens kernels with four weight rows and a tile pair ({@link Block32Gemm},
 * {@link FloatGemm}) hand back their results. The kernels store their eight accumulators to
 * scratch themselves: a helper taking the vectors would box them whenever C2 leaves it out of
 * line (F16's batched product ran at 22 instead of 55 GMAC/s in some JVM runs).
 */
final class TileResults {
    private TileResults() {}

    /**
     * {@code scratch[at + (4·half + i)·FLEN + lane]} is row {@code rows[i]}'s result for token
     * lane of tile {@code half} (0 or 1, whose first {@code valid} / {@code valid2} tokens are
     * wanted); it goes to {@code out[tileStart + (half·FLEN + lane)·outStride + row]}.
     */
    static void copy(float[] scratch, int at, int valid, int valid2, float[] out, int tileStart, int outStride,
                     int r0, int r1, int r2, int r3) {
        for (int half = 0; half < 2; half++) {
            int n = half == 0 ? valid : valid2, o = tileStart + half * FLEN * outStride;
            for (int i = 0; i < 4; i++) {
                int row = i == 0 ? r0 : i == 1 ? r1 : i == 2 ? r2 : r3, from = at + (4 * half + i) * FLEN;
                for (int lane = 0; lane < n; lane++) out[o + lane * outStride + row] = scratch[from + lane];
            }
        }
    }
}
