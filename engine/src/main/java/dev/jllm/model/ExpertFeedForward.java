package dev.jllm.model;

import dev.jllm.tensor.ActivationQuantizer;
import dev.jllm.tensor.GGMLType;
import dev.jllm.tensor.MatMul;
import dev.jllm.tensor.Ops;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.WorkerPool;

/**
 * The feed-forward of a mixture-of-experts layer for a batch of tokens, as llama.cpp's
 * {@code build_moe_ffn} computes it for Mixtral and Qwen3-MoE:
 * <ol>
 * <li>router logits (one per expert) for every token, softmax over them;</li>
 * <li>per token the {@code used} most probable experts (ties: the lower index), in order of
 *     probability — the token's slots — with their probabilities divided by their sum as
 *     weights (times the file's {@code expert_weights_scale}, if it has one);</li>
 * <li>per expert, the tokens that chose it gathered into one batch and run through its SwiGLU
 *     (so each expert's weights are read once per batch, however many tokens use it), each
 *     result times its weight;</li>
 * <li>per token, the slots' results summed in slot order.</li>
 * </ol>
 * Experts no token chose are not read at all: decoding reads {@code used} of them a layer.
 * Experts chosen by fewer than {@link MatMul#GEMV_BELOW_TOKENS} tokens of the batch run as
 * matrix-vector products instead, all in two passes over the worker pool.
 */
final class ExpertFeedForward {
    private ExpertFeedForward() {}

    /** Writes the layer's feed-forward output for the {@code n} normalized rows of {@code xb} into {@code out} (n × dim). */
    static void apply(ExpertWeights w, ModelConfig.Experts spec, float[] xb, int n, int dim, float[] out, ForwardBuffers b, WorkerPool pool) {
        int count = spec.count(), used = spec.used(), ffn = spec.ffnDim();
        MatMul.multiply(w.router(), xb, 0, n, b.routerLogits, b.act, pool);
        for (int t = 0; t < n; t++) route(b.routerLogits, t * count, count, used, b.expertOf, b.expertWeight, t * used);
        if (spec.weightsScale() != 1f) for (int i = 0; i < n * used; i++) b.expertWeight[i] *= spec.weightsScale();

        // experts that many tokens chose: their tokens gathered into one batch each; the slots
        // of the others (all of them when decoding) as gemvs, all in two pool passes
        java.util.Arrays.fill(b.expertTokens, 0);
        for (int slot = 0; slot < n * used; slot++) b.expertTokens[b.expertOf[slot]]++;
        int few = 0;
        for (int slot = 0; slot < n * used; slot++) {
            if (b.expertTokens[b.expertOf[slot]] < MatMul.GEMV_BELOW_TOKENS) b.fewSlots[few++] = slot;
        }
        if (few > 0) slotsAsGemvs(w, b.fewSlots, few, used, ffn, xb, n, dim, b, pool);
        for (int e = 0; e < count; e++) {
            if (b.expertTokens[e] < MatMul.GEMV_BELOW_TOKENS) continue;
            int rows = 0;
            for (int slot = 0; slot < n * used; slot++) {
                if (b.expertOf[slot] != e) continue;
                System.arraycopy(xb, slot / used * dim, b.expertIn, rows * dim, dim);
                b.expertSlot[rows++] = slot;
            }
            MatMul.multiply(w.gate()[e], b.expertIn, 0, rows, b.gate, b.act, pool);
            MatMul.multiply(w.up()[e], b.expertIn, 0, rows, b.up, b.act, pool);
            Ops.swiglu(b.gate, 0, b.up, 0, rows * ffn);
            MatMul.multiply(w.down()[e], b.gate, 0, rows, b.expertOut, b.act, pool);
            for (int r = 0; r < rows; r++) {
                int slot = b.expertSlot[r];
                float weight = b.expertWeight[slot];
                for (int i = 0; i < dim; i++) b.slotOut[slot * dim + i] = weight * b.expertOut[r * dim + i];
            }
        }

        for (int t = 0; t < n; t++) {
            System.arraycopy(b.slotOut, t * used * dim, out, t * dim, dim);
            for (int s = 1; s < used; s++) Ops.addInPlace(out, t * dim, b.slotOut, (t * used + s) * dim, dim);
        }
    }

    /**
     * The given slots (token · used + s) through their experts as matrix-vector products: every
     * slot's gate and up products in one pass over the worker pool, the down products in
     * another (a dozen or a few hundred small products a layer; one hand-off each cost more
     * than the work it split). The same arithmetic as a batch of fewer than
     * {@link MatMul#GEMV_BELOW_TOKENS} tokens, which MatMul runs as gemvs too. The i-th slot's
     * gate values go to row i of {@code b.gate}, its up values to row {@code k + i}, where
     * SwiGLU leaves the hidden values in row i.
     */
    private static void slotsAsGemvs(ExpertWeights w, int[] slots, int k, int used, int ffn, float[] xb, int n, int dim,
                                     ForwardBuffers b, WorkerPool pool) {
        Tensor[] mats = b.expertMats;
        int[] rows = b.expertRows, offsets = b.expertOffsets;
        GGMLType gateIn = w.gate()[0].format().activationType(), upIn = w.up()[0].format().activationType();
        ActivationQuantizer.prepare(gateIn, xb, 0, dim, n, b.act);
        int m = 0;
        for (int i = 0; i < k; i++, m++) {
            mats[m] = w.gate()[b.expertOf[slots[i]]];
            rows[m] = slots[i] / used;
            offsets[m] = i * ffn;
        }
        if (upIn != gateIn) { // the up matrices need activations of their own type: a pass of their own
            MatMul.multiplyEach(mats, m, b.act, rows, b.gate, offsets, pool);
            ActivationQuantizer.prepare(upIn, xb, 0, dim, n, b.act);
            m = 0;
        }
        for (int i = 0; i < k; i++, m++) {
            mats[m] = w.up()[b.expertOf[slots[i]]];
            rows[m] = slots[i] / used;
            offsets[m] = (k + i) * ffn;
        }
        MatMul.multiplyEach(mats, m, b.act, rows, b.gate, offsets, pool);
        Ops.swiglu(b.gate, 0, b.gate, k * ffn, k * ffn);

        ActivationQuantizer.prepare(w.down()[0].format().activationType(), b.gate, 0, ffn, k, b.act);
        for (int i = 0; i < k; i++) {
            mats[i] = w.down()[b.expertOf[slots[i]]];
            rows[i] = i;
            offsets[i] = slots[i] * dim;
        }
        MatMul.multiplyEach(mats, k, b.act, rows, b.slotOut, offsets, pool);
        for (int i = 0; i < k; i++) {
            float weight = b.expertWeight[slots[i]];
            for (int d = 0; d < dim; d++) b.slotOut[slots[i] * dim + d] *= weight;
        }
    }

    /**
     * One token's routing: softmax over {@code logits[off …off+count)} (in place: the logits
     * become probabilities, then −1 where taken), then the {@code used} largest probabilities in
     * descending order (ties: lower expert first) into {@code experts[at …]}, and their share of
     * the chosen ones' sum into {@code weights[at …]}.
     */
    private static final float TAKEN = -1f; // no probability is negative

    static void route(float[] logits, int off, int count, int used, int[] experts, float[] weights, int at) {
        Ops.softmaxScalar(logits, off, count);
        float chosen = 0;
        for (int s = 0; s < used; s++) {
            int best = -1;
            for (int e = 0; e < count; e++) {
                // (a NaN probability, from broken weights, is never best but still fills a slot)
                if (logits[off + e] != TAKEN && (best < 0 || logits[off + e] > logits[off + best])) best = e;
            }
            experts[at + s] = best;
            weights[at + s] = logits[off + best];
            chosen += logits[off + best];
            logits[off + best] = TAKEN;
        }
        for (int s = 0; s < used; s++) weights[at + s] /= chosen;
    }
}
