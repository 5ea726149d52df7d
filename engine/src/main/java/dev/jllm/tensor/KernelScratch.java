package dev.jllm.tensor;

/**
 * Per-thread scratch arrays for kernels that stage data (decoded weights, accumulators of rows
 * waiting for the next super-block): grown on demand, never shrunk, so a steady state of
 * kernel calls allocates nothing.
 */
final class KernelScratch {
    private KernelScratch() {}

    private static final ThreadLocal<float[][]> FLOATS = ThreadLocal.withInitial(() -> new float[][]{new float[1024]});

    private static final ThreadLocal<float[]> SMALL = ThreadLocal.withInitial(() -> new float[64]);

    /** 64 floats (e.g. a super-block's decoded scales), distinct from {@link #floats}. */
    static float[] small() {
        return SMALL.get();
    }

    private static final ThreadLocal<int[][]> INTS = ThreadLocal.withInitial(() -> new int[][]{new int[64]});

    /** An int array of at least {@code n} elements, owned by the calling thread until its next call. */
    static int[] ints(int n) {
        int[][] holder = INTS.get();
        if (holder[0].length < n) holder[0] = new int[Math.max(n, 2 * holder[0].length)];
        return holder[0];
    }

    /** A float array of at least {@code n} elements, owned by the calling thread until its next call. */
    static float[] floats(int n) {
        float[][] holder = FLOATS.get();
        if (holder[0].length < n) holder[0] = new float[Math.max(n, 2 * holder[0].length)];
        return holder[0];
    }
}
