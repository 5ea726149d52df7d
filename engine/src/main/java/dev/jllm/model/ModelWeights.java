package dev.jllm.model;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import dev.jllm.ModelLoadException;
import dev.jllm.gguf.GGUFFile;
import dev.jllm.gguf.TensorInfo;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.TensorFormat;
import dev.jllm.tensor.TensorFormats;

/**
 * All weights of a model, located by their llama.cpp tensor names. Fused tensors are split into
 * row ranges here — Phi-3's {@code attn_qkv} into Q, K and V, its double-height {@code ffn_up}
 * into gate and up — so the forward pass sees the same shapes for every family.
 */
public record ModelWeights(
        Tensor tokenEmbedding,
        float[] outputNorm,
        Tensor output,
        float[] ropeFreqFactors,
        List<LayerWeights> layers) {

    public static ModelWeights load(GGUFFile file, ModelConfig c) {
        Loader l = new Loader(file);
        Tensor embd = l.matrix("token_embd.weight", c.dim(), -1);
        int vocab = embd.rows();
        Tensor output = l.has("output.weight") ? l.matrix("output.weight", c.dim(), vocab) : embd;
        float[] outNorm = l.vector("output_norm.weight", c.dim());
        float[] freqFactors = l.has("rope_freqs.weight") ? l.vector("rope_freqs.weight", c.ropeDim() / 2) : null;

        List<LayerWeights> layers = new ArrayList<>(c.layerCount());
        for (int i = 0; i < c.layerCount(); i++) {
            String p = "blk." + i + ".";
            Tensor wq, wk, wv;
            if (l.has(p + "attn_qkv.weight")) {
                Tensor qkv = l.matrix(p + "attn_qkv.weight", c.dim(), c.qDim() + c.kvDim() + c.vDim());
                wq = rows(qkv, "attn_q", 0, c.qDim());
                wk = rows(qkv, "attn_k", c.qDim(), c.kvDim());
                wv = rows(qkv, "attn_v", c.qDim() + c.kvDim(), c.vDim());
            } else {
                wq = l.matrix(p + "attn_q.weight", c.dim(), c.qDim());
                wk = l.matrix(p + "attn_k.weight", c.dim(), c.kvDim());
                wv = l.matrix(p + "attn_v.weight", c.dim(), c.vDim());
            }
            Tensor gate, up;
            if (l.has(p + "ffn_gate.weight")) {
                gate = l.matrix(p + "ffn_gate.weight", c.dim(), c.ffnDim());
                up = l.matrix(p + "ffn_up.weight", c.dim(), c.ffnDim());
            } else {
                Tensor gateUp = l.matrix(p + "ffn_up.weight", c.dim(), 2 * c.ffnDim());
                gate = rows(gateUp, "ffn_gate", 0, c.ffnDim());
                up = rows(gateUp, "ffn_up", c.ffnDim(), c.ffnDim());
            }
            layers.add(new LayerWeights(
                    l.vector(p + "attn_norm.weight", c.dim()),
                    wq, wk, wv,
                    l.optionalVector(p + "attn_q.bias", c.qDim()),
                    l.optionalVector(p + "attn_k.bias", c.kvDim()),
                    l.optionalVector(p + "attn_v.bias", c.vDim()),
                    l.optionalVector(p + "attn_q_norm.weight", c.headDim()),
                    l.optionalVector(p + "attn_k_norm.weight", c.headDim()),
                    l.matrix(p + "attn_output.weight", c.heads() * c.valueDim(), c.dim()),
                    l.optionalVector(p + "post_attention_norm.weight", c.dim()),
                    l.vector(p + "ffn_norm.weight", c.dim()),
                    gate, up,
                    l.matrix(p + "ffn_down.weight", c.ffnDim(), c.dim()),
                    l.optionalVector(p + "post_ffw_norm.weight", c.dim())));
        }
        return new ModelWeights(embd, outNorm, output, freqFactors, layers);
    }

    public int vocabSize() {
        return tokenEmbedding.rows();
    }

    /** Rows [first, first+count) of a matrix, as a matrix of its own (rows are contiguous, so this is a slice). */
    private static Tensor rows(Tensor t, String name, int first, int count) {
        long rb = t.rowBytes();
        MemorySegment slice = t.data().asSlice(first * rb, count * rb);
        return new Tensor(t.name() + "[" + name + "]", t.format(), slice, count, t.cols());
    }

    /** Looks tensors up by name and checks their shapes, with errors that name the tensor. */
    private record Loader(GGUFFile file) {
        boolean has(String name) {
            return file.tensorInfo(name) != null;
        }

        TensorInfo info(String name) {
            TensorInfo t = file.tensorInfo(name);
            if (t == null) throw new ModelLoadException("model file lacks required tensor " + name);
            return t;
        }

        /** A matrix of {@code rows} rows × {@code cols} columns (rows = -1: any). */
        Tensor matrix(String name, int cols, int rows) {
            TensorInfo t = info(name);
            TensorFormat f = TensorFormats.of(t.type(), name);
            if (t.dims() != 2 || t.dim(0) != cols || (rows >= 0 && t.dim(1) != rows)) {
                throw new ModelLoadException("tensor " + name + " has shape " + java.util.Arrays.toString(t.shape())
                        + ", expected [" + cols + ", " + (rows >= 0 ? rows : "n") + "]");
            }
            return new Tensor(name, f, file.data(t), Math.toIntExact(t.dim(1)), cols);
        }

        float[] vector(String name, int length) {
            TensorInfo t = info(name);
            if (t.elementCount() != length) {
                throw new ModelLoadException("tensor " + name + " has " + t.elementCount() + " values, expected " + length);
            }
            TensorFormat f = TensorFormats.of(t.type(), name);
            float[] out = new float[length];
            f.dequantize(file.data(t), 0, out, 0, length);
            return out;
        }

        float[] optionalVector(String name, int length) {
            return has(name) ? vector(name, length) : null;
        }
    }
}
