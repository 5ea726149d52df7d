package dev.jllm.tensor;

/**
 * Matrix products with weight tensors, the operation decoding and prompt processing spend
 * nearly all their time in. Activations are converted once per product to the weight type's
 * encoding ({@link TensorFormat#activationType()}), then the rows of the weight matrix are split
 * across the worker pool. Which kernel runs depends on the vector width: the format's gemv or
 * batched kernel with 512 or 256 bits; with 128 its gemv, token by token, where it has one for
 * that width, else its scalar twin (see {@link Simd#WIDE}); with 256 or 512 bits, fewer than
 * {@link #GEMV_BELOW_TOKENS} tokens go through the gemv one by one too.
 */
public final class MatMul {
    private MatMul() {}

    /** Below this many weight values a product runs on one thread: hand-off would cost more than it saves. */
    private static final long PARALLEL_THRESHOLD = 1 << 15;
    /** Rows per chunk: a multiple of the row counts that multi-row kernels process together. */
    private static final int ROW_GRAIN = 16;
    /**
     * Fewer tokens than this go through the gemv token by token rather than the batched kernel,
     * whose tiles of FLEN tokens (two at a time) cost about as much for 4 tokens as for 16.
     * JMH 2048×2048, one thread, 3 forks (jmh-results, MatMulBenchmark matmul against
     * gemvPerToken), ops/s batched / as gemvs: Q4_K 4 tokens 393 / 904, 8 tokens 367 / 459,
     * 16 tokens 394 / 233; Q6_K 365 / 1111, 338 / 569, 391 / 280; Q4_0 1131 / 1151,
     * 416 / 590, 457 / 277 — the gemvs' cost grows with the tokens and meets the batched
     * kernel's flat one at 9-12 tokens. A mixture of experts' prompt sends each expert a few
     * tokens; a short chat turn is a few tokens too.
     */
    public static final int GEMV_BELOW_TOKENS = 10;

    /**
     * {@code out[t * w.rows() + r] = Σ_c w[r][c] · x[xOffset + t * w.cols() + c]} for the
     * {@code tokens} activation rows. {@code scratch} holds the converted activations and is
     * reused between calls.
     */
    public static void multiply(Tensor w, float[] x, int xOffset, int tokens, float[] out, Activations scratch, WorkerPool pool) {
        TensorFormat f = w.format();
        ActivationQuantizer.prepare(f.activationType(), x, xOffset, w.cols(), tokens, scratch);
        multiplyPrepared(w, scratch, out, pool);
    }

    /** As {@link #multiply} with activations already converted (several weights sharing one input). */
    public static void multiplyPrepared(Tensor w, Activations x, float[] out, WorkerPool pool) {
        TensorFormat f = w.format();
        if (x.type() != f.activationType() || x.cols() != w.cols()) {
            throw new IllegalArgumentException("activations are " + x.type() + "×" + x.cols() + ", " + w.name() + " needs " + f.activationType() + "×" + w.cols());
        }
        int rows = w.rows();
        int tokens = x.count();
        long rowBytes = w.rowBytes();
        WorkerPool.RangeTask task;
        if (Simd.WIDE ? tokens < GEMV_BELOW_TOKENS : Simd.NARROW_128) {
            task = (r0, r1) -> multiplyByRows(f, w, x, r0, r1, out);
        } else if (!Simd.WIDE) {
            task = (r0, r1) -> multiplyScalar(f, w, x, r0, r1, out);
        } else {
            task = (r0, r1) -> f.matmul(w.data(), rowBytes, r0, r1, x, out, rows);
        }
        if ((long) rows * w.cols() * tokens < PARALLEL_THRESHOLD) {
            task.run(0, rows);
        } else {
            pool.parallelFor(rows, ROW_GRAIN, task);
        }
    }

    /**
     * {@code out[i] = w[i] · x} for several weights that read the same input (attention's Q, K
     * and V; the feed-forward's gate and up): the input is converted once for all of them when
     * their activation types agree, and a few tokens (the gemv path: decoding) go to the pool
     * as one hand-off over all the matrices' rows instead of one hand-off each, which saves a
     * wake-up and a wait for the slowest worker per matrix.
     */
    public static void multiplyShared(Tensor[] w, float[] x, int tokens, float[][] out, Activations scratch, WorkerPool pool) {
        GGMLType type = w[0].format().activationType();
        int cols = w[0].cols();
        boolean shared = true;
        for (Tensor t : w) shared &= t.format().activationType() == type && t.cols() == cols;
        if (!shared) {
            for (int i = 0; i < w.length; i++) multiply(w[i], x, 0, tokens, out[i], scratch, pool);
            return;
        }
        ActivationQuantizer.prepare(type, x, 0, cols, tokens, scratch);
        boolean gemv = Simd.WIDE ? tokens < GEMV_BELOW_TOKENS : Simd.NARROW_128;
        if (!gemv) {
            for (int i = 0; i < w.length; i++) multiplyPrepared(w[i], scratch, out[i], pool);
            return;
        }
        int[] start = new int[w.length + 1];
        for (int i = 0; i < w.length; i++) start[i + 1] = start[i] + w[i].rows();
        WorkerPool.RangeTask task = (r0, r1) -> {
            for (int i = 0; i < w.length; i++) {
                int a = Math.max(r0, start[i]) - start[i], b = Math.min(r1, start[i + 1]) - start[i];
                if (a < b) for (int t = 0; t < tokens; t++) {
                    w[i].format().matvec(w[i].data(), w[i].rowBytes(), a, b, scratch, t, out[i], t * w[i].rows() + a);
                }
            }
        };
        int rows = start[w.length];
        if ((long) rows * cols * tokens < PARALLEL_THRESHOLD) task.run(0, rows);
        else pool.parallelFor(rows, ROW_GRAIN, task);
    }

    /**
     * Several matrix-vector products in one pass over the pool: {@code out[outOffset[i] + r] =
     * Σ_c w[i][r][c] · x[xRow[i]][c]} for i &lt; {@code count} — one hand-off for all of them
     * instead of one each (decoding a mixture of experts: the chosen experts' matrices, a
     * dozen small products a layer). The matrices share {@code x}'s activation type and width.
     */
    public static void multiplyEach(Tensor[] w, int count, Activations x, int[] xRow, float[] out, int[] outOffset, WorkerPool pool) {
        int[] start = new int[count + 1];
        for (int i = 0; i < count; i++) {
            TensorFormat f = w[i].format();
            if (x.type() != f.activationType() || x.cols() != w[i].cols()) {
                throw new IllegalArgumentException("activations are " + x.type() + "×" + x.cols() + ", " + w[i].name() + " needs " + f.activationType() + "×" + w[i].cols());
            }
            start[i + 1] = start[i] + w[i].rows();
        }
        WorkerPool.RangeTask task = (r0, r1) -> {
            for (int i = 0; i < count; i++) {
                int a = Math.max(r0, start[i]) - start[i], b = Math.min(r1, start[i + 1]) - start[i];
                if (a < b) oneToken(w[i], x, xRow[i], a, b, out, outOffset[i]);
            }
        };
        if ((long) start[count] * x.cols() < PARALLEL_THRESHOLD) task.run(0, start[count]);
        else pool.parallelFor(start[count], ROW_GRAIN, task);
    }

    /** Rows [r0, r1) of one matrix times activation row {@code xRow}, by the kernel {@link #multiplyPrepared} uses for one token. */
    private static void oneToken(Tensor w, Activations x, int xRow, int r0, int r1, float[] out, int outOffset) {
        TensorFormat f = w.format();
        long rowBytes = w.rowBytes();
        if (Simd.WIDE || Simd.NARROW_128) {
            f.matvec(w.data(), rowBytes, r0, r1, x, xRow, out, outOffset + r0);
        } else {
            for (int r = r0; r < r1; r++) out[outOffset + r] = f.dotScalarInBatch(w.data(), r * rowBytes, x, xRow, w.cols());
        }
    }

    /** Rows [r0, r1) of the product token by token through the gemv: for small batches, and for 128-bit vectors, which have no batched kernels. */
    private static void multiplyByRows(TensorFormat f, Tensor w, Activations x, int r0, int r1, float[] out) {
        for (int t = 0; t < x.count(); t++) f.matvec(w.data(), w.rowBytes(), r0, r1, x, t, out, t * w.rows() + r0);
    }

    /** Rows [r0, r1) of the product by the scalar twin: for hardware whose vectors are too narrow for the SIMD kernels. */
    private static void multiplyScalar(TensorFormat f, Tensor w, Activations x, int r0, int r1, float[] out) {
        long rowBytes = w.rowBytes();
        int rows = w.rows(), cols = w.cols();
        for (int r = r0; r < r1; r++) {
            for (int t = 0; t < x.count(); t++) out[t * rows + r] = f.dotScalarInBatch(w.data(), r * rowBytes, x, t, cols);
        }
    }
}
