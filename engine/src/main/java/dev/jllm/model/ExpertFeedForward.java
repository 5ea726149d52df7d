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
 */
final class ExpertFeedForward {
    private ExpertFeedForward() {}

    /** Writes the layer's feed-forward output for the {@code n} normalized rows of {@code xb} into {@code out} (n × dim). */
    static void apply(ExpertWeights w, ModelConfig.Experts spec, float[] xb, int n, int dim, float[] out, ForwardBuffers b, WorkerPool pool) {
        int count = spec.count(), used = spec.used(), ffn = spec.ffnDim();
        MatMul.multiply(w.router(), xb, 0, n, b.routerLogits, b.act, pool);
        for (int t = 0; t < n; t++) route(b.routerLogits, t * count, count, used, b.expertOf, b.expertWeight, t * used);
        if (spec.weightsScale() != 1f) for (int i = 0; i < n * used; i++) b.expertWeight[i] *= spec.weightsScale();
        if (n == 1) {
            applyOneToken(w, used, ffn, xb, dim, out, b, pool);
            return;
        }

        for (int e = 0; e < count; e++) {
            int rows = 0;
            for (int slot = 0; slot < n * used; slot++) {
                if (b.expertOf[slot] != e) continue;
                System.arraycopy(xb, slot / used * dim, b.expertIn, rows * dim, dim);
                b.expertSlot[rows++] = slot;
            }
            if (rows == 0) continue;
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
     * Decoding: the same arithmetic for one token, with the chosen experts' gate and up
     * products in one pass over the worker pool and their down products in another (per
     * expert and matrix, a dozen small products a layer, each hand-off cost more than the
     * work it split). Slot s's gate values are row s of {@code b.gate}, its up values row
     * {@code used + s}; SwiGLU then leaves its hidden values in row s.
     */
    private static void applyOneToken(ExpertWeights w, int used, int ffn, float[] xb, int dim, float[] out, ForwardBuffers b, WorkerPool pool) {
        Tensor[] mats = b.expertMats;
        int[] rows = b.expertRows, offsets = b.expertOffsets;
        GGMLType gateIn = w.gate()[0].format().activationType(), upIn = w.up()[0].format().activationType();
        ActivationQuantizer.prepare(gateIn, xb, 0, dim, 1, b.act);
        int m = 0;
        for (int s = 0; s < used; s++, m++) {
            mats[m] = w.gate()[b.expertOf[s]];
            rows[m] = 0;
            offsets[m] = s * ffn;
        }
        if (upIn != gateIn) { // the up matrices need activations of their own type: a pass of their own
            MatMul.multiplyEach(mats, m, b.act, rows, b.gate, offsets, pool);
            ActivationQuantizer.prepare(upIn, xb, 0, dim, 1, b.act);
            m = 0;
        }
        for (int s = 0; s < used; s++, m++) {
            mats[m] = w.up()[b.expertOf[s]];
            rows[m] = 0;
            offsets[m] = (used + s) * ffn;
        }
        MatMul.multiplyEach(mats, m, b.act, rows, b.gate, offsets, pool);
        Ops.swiglu(b.gate, 0, b.gate, used * ffn, used * ffn);

        ActivationQuantizer.prepare(w.down()[0].format().activationType(), b.gate, 0, ffn, used, b.act);
        for (int s = 0; s < used; s++) {
            mats[s] = w.down()[b.expertOf[s]];
            rows[s] = s;
            offsets[s] = s * dim;
        }
        MatMul.multiplyEach(mats, used, b.act, rows, b.slotOut, offsets, pool);
        for (int s = 0; s < used; s++) {
            float weight = b.expertWeight[s];
            for (int i = 0; i < dim; i++) b.slotOut[s * dim + i] *= weight;
        }
        System.arraycopy(b.slotOut, 0, out, 0, dim);
        for (int s = 1; s < used; s++) Ops.addInPlace(out, 0, b.slotOut, s * dim, dim);
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
