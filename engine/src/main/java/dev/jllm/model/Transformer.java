package dev.jllm.model;

import dev.jllm.KvCacheType;
import dev.jllm.tensor.AttentionKernel;
import dev.jllm.tensor.MatMul;
import dev.jllm.tensor.Ops;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.WorkerPool;

/**
 * The forward pass of a decoder-only transformer, for every supported family: which optional
 * steps run (biases, Q/K norms, post-norms, soft-caps, sliding windows) is decided by the
 * {@link ModelConfig} and the weights the file has, not by the family's name.
 *
 * <p>A call processes a batch of consecutive tokens (a prompt chunk, or one token when
 * decoding): every matrix product multiplies all the batch's rows at once, so weights are read
 * once per batch.
 */
public final class Transformer {
    private final ModelConfig c;
    private final ModelWeights w;
    private final WorkerPool pool;
    private final KvCacheType cacheType;

    /** A model whose sessions keep their keys and values in {@code cacheType}. */
    public Transformer(ModelConfig config, ModelWeights weights, WorkerPool pool, KvCacheType cacheType) {
        this.c = config;
        this.w = weights;
        this.pool = pool;
        this.cacheType = cacheType;
    }

    /** A model whose sessions keep an F16 KV cache. */
    public Transformer(ModelConfig config, ModelWeights weights, WorkerPool pool) {
        this(config, weights, pool, KvCacheType.F16);
    }

    public ModelConfig config() { return c; }
    public ModelWeights weights() { return w; }
    public KvCacheType cacheType() { return cacheType; }

    /**
     * Compiles each weight type's decoding kernel on its own, before the rest of the forward pass
     * runs (see {@link GemvWarmUp}), then decoding-shaped attention ({@link AttentionWarmUp}).
     */
    public void warmUpKernels() {
        GemvWarmUp.run(w, pool);
        AttentionWarmUp.run(c, cacheType);
    }
    public int vocabSize() { return w.vocabSize(); }

    /**
     * Runs {@code n} tokens at positions {@code pos … pos+n−1} through the model, storing their
     * keys and values in {@code cache}. Writes logits into {@code logits}: for every token
     * ({@code n × vocab} values) if {@code allLogits}, else for the last token only.
     */
    void forward(int[] tokens, int tokOff, int n, int pos, KVCache cache, ForwardBuffers b, float[] logits, boolean allLogits) {
        runLayers(tokens, tokOff, n, pos, cache, b);
        int dim = c.dim();

        // final norm and output projection, for the rows whose logits are wanted
        int first = allLogits ? 0 : n - 1;
        int rows = n - first;
        rmsnormRows(b.xb, 0, b.x, first * dim, w.outputNorm(), rows, dim);
        MatMul.multiply(w.output(), b.xb, 0, rows, logits, b.act, pool);
        if (c.finalSoftcap() > 0) {
            float cap = c.finalSoftcap();
            int vocab = w.vocabSize();
            for (int i = 0; i < rows * vocab; i++) logits[i] = cap * (float) Math.tanh(logits[i] / cap);
        }
    }

    /**
     * As {@link #forward}, but writes each token's hidden state after the final norm ({@code n ×
     * dim} values at {@code outOff}) instead of logits: what llama.cpp's embeddings pool
     * (its {@code t_embd}, the output projection's input).
     */
    void hiddenStates(int[] tokens, int tokOff, int n, int pos, KVCache cache, ForwardBuffers b, float[] out, int outOff) {
        runLayers(tokens, tokOff, n, pos, cache, b);
        rmsnormRows(out, outOff, b.x, 0, w.outputNorm(), n, c.dim());
    }

    /** Embeds the tokens and runs them through every layer: their residual stream ends in {@code b.x}. */
    private void runLayers(int[] tokens, int tokOff, int n, int pos, KVCache cache, ForwardBuffers b) {
        if (n > b.batch) throw new IllegalArgumentException("batch of " + n + " exceeds buffer size " + b.batch);
        if (pos + n > cache.capacity()) throw new IllegalArgumentException("positions up to " + (pos + n) + " exceed the cache capacity " + cache.capacity());
        int dim = c.dim();

        // token embeddings (Gemma scales them by √dim)
        for (int t = 0; t < n; t++) {
            int id = tokens[tokOff + t];
            if (id < 0 || id >= w.vocabSize()) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (w.vocabSize() - 1) + ")");
            w.tokenEmbedding().dequantizeRow(id, b.x, t * dim);
            if (c.embeddingScale() != 1f) for (int i = 0; i < dim; i++) b.x[t * dim + i] *= c.embeddingScale();
        }

        for (int l = 0; l < c.layerCount(); l++) {
            LayerWeights lw = w.layers().get(l);
            LayerSpec spec = c.layer(l);

            // attention block
            rmsnormRows(b.xb, b.x, lw.attnNorm(), n, dim);
            MatMul.multiplyShared(new Tensor[]{lw.wq(), lw.wk(), lw.wv()}, b.xb, n, new float[][]{b.q, b.k, b.v}, b.act, pool);
            addBias(b.q, lw.bq(), n);
            addBias(b.k, lw.bk(), n);
            addBias(b.v, lw.bv(), n);
            if (lw.qNorm() != null) headNorm(b.q, lw.qNorm(), n * c.heads());
            if (lw.kNorm() != null) headNorm(b.k, lw.kNorm(), n * c.kvHeads());
            rope(b, n, pos, spec, cache.capacity());
            storeKV(cache, l, b, n, pos);
            attention(cache, l, b, n, pos, spec);
            matmul(lw.wo(), b.att, n, b.tmp, b);
            if (lw.postAttnNorm() != null) rmsnormRows(b.tmp, b.tmp, lw.postAttnNorm(), n, dim);
            Ops.addInPlace(b.x, 0, b.tmp, 0, n * dim);

            // feed-forward block
            rmsnormRows(b.xb, b.x, lw.ffnNorm(), n, dim);
            if (lw.experts() != null) {
                ExpertFeedForward.apply(lw.experts(), c.experts(), b.xb, n, dim, b.tmp, b, pool);
            } else {
                MatMul.multiplyShared(new Tensor[]{lw.ffnGate(), lw.ffnUp()}, b.xb, n, new float[][]{b.gate, b.up}, b.act, pool);
                int ffn = c.ffnDim();
                switch (c.activation()) {
                    case SILU -> Ops.swiglu(b.gate, 0, b.up, 0, n * ffn);
                    case GELU_TANH -> Gelu.geglu(b.gate, 0, b.up, 0, n * ffn);
                }
                matmul(lw.ffnDown(), b.gate, n, b.tmp, b);
            }
            if (lw.postFfnNorm() != null) rmsnormRows(b.tmp, b.tmp, lw.postFfnNorm(), n, dim);
            Ops.addInPlace(b.x, 0, b.tmp, 0, n * dim);
        }
    }

    private void matmul(Tensor weight, float[] in, int n, float[] out, ForwardBuffers b) {
        MatMul.multiply(weight, in, 0, n, out, b.act, pool);
    }

    private void rmsnormRows(float[] out, float[] x, float[] weight, int n, int dim) {
        rmsnormRows(out, 0, x, 0, weight, n, dim);
    }

    private void rmsnormRows(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, int dim) {
        for (int t = 0; t < n; t++) Ops.rmsnorm(out, outOff + t * dim, x, xOff + t * dim, weight, dim, c.rmsEps());
    }

    private static void addBias(float[] x, float[] bias, int n) {
        if (bias == null) return;
        for (int t = 0; t < n; t++) Ops.addInPlace(x, t * bias.length, bias, 0, bias.length);
    }

    /** RMSNorm over each head's vector separately (Qwen3 and Gemma 3 Q/K norms). */
    private void headNorm(float[] x, float[] weight, int headCount) {
        int hd = c.headDim();
        for (int h = 0; h < headCount; h++) Ops.rmsnorm(x, h * hd, x, h * hd, weight, hd, c.rmsEps());
    }

    private void rope(ForwardBuffers b, int n, int pos, LayerSpec spec, int contextLength) {
        float[] factors = w.ropeFactors().forContext(contextLength);
        Rope.tables(pos, n, c.ropeDim(), spec.ropeBase(), spec.ropeScale(), factors, c.ropeAttnFactor(), spec.yarn(), b.ropeCos, b.ropeSin);
        int half = c.ropeDim() / 2;
        for (int t = 0; t < n; t++) {
            Rope.apply(b.q, t * c.qDim(), c.heads(), c.headDim(), c.ropeDim(), c.ropeLayout(), b.ropeCos, b.ropeSin, t * half);
            Rope.apply(b.k, t * c.kvDim(), c.kvHeads(), c.headDim(), c.ropeDim(), c.ropeLayout(), b.ropeCos, b.ropeSin, t * half);
        }
    }

    private void storeKV(KVCache cache, int layer, ForwardBuffers b, int n, int pos) {
        for (int t = 0; t < n; t++) {
            for (int h = 0; h < c.kvHeads(); h++) cache.store(layer, h, pos + t, b.k, b.v, t * c.kvDim() + h * c.headDim());
        }
    }

    /**
     * Causal attention for every (token, head) of the batch, split across the worker pool by KV
     * head: the query heads that share a KV head attend in one kernel call, which converts each
     * cached key and value once for all of them. Token t
     * (position pos+t) sees positions up to its own, or only the last {@code slidingWindow} of
     * them on sliding-window layers. The cache's kernel does the arithmetic (and rounds or
     * quantizes the queries first as llama.cpp's flash attention does for that cache type).
     */
    private void attention(KVCache cache, int layer, ForwardBuffers b, int n, int pos, LayerSpec spec) {
        int heads = c.heads(), hd = c.headDim(), kvHeads = c.kvHeads(), group = heads / kvHeads;
        cache.prepareQueries(b.q, n * c.qDim());
        float scale = c.attentionScale(), cap = c.attnSoftcap();
        // Work units: a KV head with a slice of its query heads and a block of the tokens. Whole
        // groups and all tokens share each key and value conversion the most; they are split
        // only as far as it takes to give every worker two units.
        int wanted = 2 * pool.threads();
        int tokenBlocks = Math.min(n, ceilDiv(wanted, kvHeads));
        int headSlices = Math.min(group, ceilDiv(wanted, kvHeads * tokenBlocks));
        int perHead = headSlices * tokenBlocks;
        WorkerPool.RangeTask task = (start, end) -> {
            for (int u = start; u < end; u++) {
                int kv = u / perHead, slice = u % perHead / tokenBlocks, block = u % tokenBlocks;
                int g0 = slice * group / headSlices, g1 = (slice + 1) * group / headSlices;
                int t0 = block * n / tokenBlocks, t1 = (block + 1) * n / tokenBlocks;
                int h0 = kv * group + g0;
                var rows = new AttentionKernel.Rows(t1 - t0, g1 - g0, pos + t0, spec.slidingWindow(),
                        t0 * c.qDim() + h0 * hd, c.qDim(), t0 * heads * hd + h0 * hd, heads * hd);
                cache.attend(layer, kv, rows, b.q, scale, cap, b.att);
            }
        };
        int units = kvHeads * perHead;
        long work = (long) n * heads * (pos + n) * hd;
        if (work < (1 << 15)) task.run(0, units);
        else pool.parallelFor(units, 1, task);
    }

    private static int ceilDiv(int a, int b) {
        return Math.max(1, (a + b - 1) / b);
    }
}
