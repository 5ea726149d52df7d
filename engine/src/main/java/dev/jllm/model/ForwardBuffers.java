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

    ForwardBuffers(ModelConfig c, int batch) {
        this.batch = batch;
        x = new float[batch * c.dim()];
        xb = new float[batch * Math.max(c.dim(), c.heads() * c.valueDim())];
        q = new float[batch * c.qDim()];
        k = new float[batch * c.kvDim()];
        v = new float[batch * c.vDim()];
        att = new float[batch * c.heads() * c.valueDim()];
        tmp = new float[batch * c.dim()];
        gate = new float[batch * c.ffnDim()];
        up = new float[batch * c.ffnDim()];
        ropeCos = new float[batch * c.ropeDim() / 2];
        ropeSin = new float[batch * c.ropeDim() / 2];
    }
}
