package dev.jllm.model;

import dev.jllm.tensor.Activations;

/**
 * Scratch memory for running up to {@code batch} tokens through the model at once: activations
 * of every intermediate, row-major by token. Allocated once per session and reused, so the
 * forward pass does not allocate.
 */
final class ForwardBuffers {
    final int batch;
    final float[] x, xb, q, k, v, att, tmp, gate, up;
    final float[] ropeCos, ropeSin;
    final Activations act = new Activations();
    /** Mixture-of-experts layers only (empty otherwise); slot = token · used + s. See {@link ExpertFeedForward}. */
    final float[] routerLogits, expertWeight, expertIn, expertOut, slotOut;
    final int[] expertOf, expertSlot;
    /** Decoding through experts: the matrices of one {@code MatMul.multiplyEach} pass, their input rows and output offsets. */
    final dev.jllm.tensor.Tensor[] expertMats;
    final int[] expertRows, expertOffsets;
    /** Slots whose expert few tokens chose, and how many tokens chose each expert. */
    final int[] fewSlots, expertTokens;

    ForwardBuffers(ModelConfig c, int batch) {
        this.batch = batch;
        x = new float[batch * c.dim()];
        xb = new float[batch * Math.max(c.dim(), c.heads() * c.valueDim())];
        q = new float[batch * c.qDim()];
        k = new float[batch * c.kvDim()];
        v = new float[batch * c.vDim()];
        att = new float[batch * c.heads() * c.valueDim()];
        tmp = new float[batch * c.dim()];
        ModelConfig.Experts moe = c.experts();
        int ffn = moe == null ? c.ffnDim() : Math.max(c.ffnDim(), moe.ffnDim());
        // experts run as gemvs put every slot's gate and up outputs side by side in gate
        gate = new float[(moe == null ? batch : 2 * batch * moe.used()) * ffn];
        up = new float[batch * ffn];
        int count = moe == null ? 0 : moe.count(), slots = moe == null ? 0 : batch * moe.used(), gathered = moe == null ? 0 : batch;
        routerLogits = new float[batch * count];
        expertOf = new int[slots];
        expertWeight = new float[slots];
        expertSlot = new int[slots];
        expertIn = new float[gathered * c.dim()];
        expertOut = new float[gathered * c.dim()];
        slotOut = new float[slots * c.dim()];
        expertMats = new dev.jllm.tensor.Tensor[2 * slots];
        expertRows = new int[2 * slots];
        expertOffsets = new int[2 * slots];
        fewSlots = new int[slots];
        expertTokens = new int[count];
        ropeCos = new float[batch * c.ropeDim() / 2];
        ropeSin = new float[batch * c.ropeDim() / 2];
    }
}
