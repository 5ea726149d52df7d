package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.FLEN;

import java.lang.foreign.MemorySegment;

/**
 * The driver the lanes = tokens batched kernels share ({@link Block32Gemm},
 * {@link SuperBlockGemm}, {@link FloatGemm}): the tokens {@link Activations#laneTiledTokens}
 * gives go through the kernel in tile pairs, a bounded number of weight rows per call, and
 * the rest one at a time through the format's {@code dot}.
 */
final class LaneTiling {
    private LaneTiling() {}

    /** Weight rows [rowStart, rowEnd) times token tiles {@code tile} and {@code tile + 1}, of whose tokens the first {@code valid} and {@code valid2} are wanted. */
    @FunctionalInterface
    interface TilePairKernel {
        void run(int rowStart, int rowEnd, int tile, int valid, int valid2);
    }

    /**
     * {@link TensorFormat#matmul} through {@code kernel}, {@code rowsPerCall} rows per call: one
     * call per range would run long, and C2 compiles a method once it has been called often
     * enough — a long-running call stays in slower code meanwhile (and a kernel's per-row
     * accumulators spill out of L1).
     */
    static void matmul(TensorFormat format, MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x,
                       float[] out, int outStride, int rowsPerCall, TilePairKernel kernel) {
        int tiled = x.laneTiledTokens();
        for (int tile = 0; tile * FLEN < tiled; tile += 2) {
            int valid = Math.min(FLEN, tiled - tile * FLEN), valid2 = Math.max(0, Math.min(FLEN, tiled - (tile + 1) * FLEN));
            for (int r = rowStart; r < rowEnd; r += rowsPerCall) kernel.run(r, Math.min(r + rowsPerCall, rowEnd), tile, valid, valid2);
        }
        for (int t = tiled; t < x.count(); t++) {
            for (int r = rowStart; r < rowEnd; r++) out[t * outStride + r] = format.dot(data, r * rowBytes, x, t, x.cols());
        }
    }
}
