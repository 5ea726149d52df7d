package dev.jllm.model;

import dev.jllm.KvCacheType;
import dev.jllm.tensor.AttentionKernel;

/**
 * The second step of a model's warm-up: decoding-shaped attention (one token, a KV head's group
 * of query heads, over 64 cached positions) on its own, often enough for the JIT to compile it,
 * with the kernel of the cache type the model's sessions use. A warm-up prompt and three decoded
 * tokens call the softmax helpers inside (the running maximum's rescaling, the F16-rounded
 * accumulations) too few times for C2; left to the measured tokens, they were compiled mid-run,
 * or not at all before the run ended, and while interpreted or C1-compiled their vectors are
 * objects: one jllm bench run in five decoded with 20-35 MiB of garbage per token and 10-20%
 * slower.
 */
final class AttentionWarmUp {
    private AttentionWarmUp() {}

    private static final int POSITIONS = 64;
    /**
     * Enough calls for C2's thresholds (thousands of invocations of each helper; a call makes
     * dozens), which then compiles in the background; waiting for the JIT to fall quiet instead
     * took seconds while it was still busy with the gemv kernels.
     */
    private static final int CALLS = 2000;
    private static final long MAX_NANOS = 1_000_000_000L;

    static void run(ModelConfig c, KvCacheType type) {
        int hd = c.headDim(), group = c.heads() / c.kvHeads();
        KVCache cache = KVCache.allocate(c, POSITIONS, type);
        float[] k = new float[hd], v = new float[hd];
        for (int p = 0; p < POSITIONS; p++) {
            for (int i = 0; i < hd; i++) {
                k[i] = ((((p * hd + i) * 7919) % 251) - 125) / 64f;
                v[i] = ((((p * hd + i) * 104729) % 241) - 120) / 64f;
            }
            cache.store(0, 0, p, k, v, 0);
        }
        float[] q = new float[group * hd], out = new float[group * hd];
        var rows = new AttentionKernel.Rows(1, group, POSITIONS - 1, 0, 0, group * hd, 0, group * hd);
        long start = System.nanoTime();
        for (int i = 0; i < CALLS && System.nanoTime() - start < MAX_NANOS; i++) {
            for (int j = 0; j < q.length; j++) q[j] = (((j * 31) % 61) - 30) / 16f;
            cache.prepareQueries(q, q.length);
            cache.attend(0, 0, rows, q, c.attentionScale(), c.attnSoftcap(), out);
        }
    }
}
