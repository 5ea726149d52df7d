package dev.jllm.model;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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
        RopeFactors ropeFactors,
        List<LayerWeights> layers) {

    public static ModelWeights load(GGUFFile file, ModelConfig c) {
        Loader l = new Loader(file);
        Tensor embd = l.matrix("token_embd.weight", c.dim(), -1);
        int vocab = embd.rows();
        Tensor output = l.has("output.weight") ? l.matrix("output.weight", c.dim(), vocab) : embd;
        float[] outNorm = l.vector("output_norm.weight", c.dim());
        RopeFactors ropeFactors = ropeFactors(l, c);

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
            Tensor gate = null, up = null, down = null;
            ExpertWeights experts = null;
            ModelConfig.Experts moe = c.experts();
            if (moe != null) {
                experts = new ExpertWeights(l.matrix(p + "ffn_gate_inp.weight", c.dim(), moe.count()),
                        l.experts(p + "ffn_gate_exps.weight", c.dim(), moe.ffnDim(), moe.count()),
                        l.experts(p + "ffn_up_exps.weight", c.dim(), moe.ffnDim(), moe.count()),
                        l.experts(p + "ffn_down_exps.weight", moe.ffnDim(), c.dim(), moe.count()));
            } else if (l.has(p + "ffn_gate.weight")) {
                gate = l.matrix(p + "ffn_gate.weight", c.dim(), c.ffnDim());
                up = l.matrix(p + "ffn_up.weight", c.dim(), c.ffnDim());
            } else {
                Tensor gateUp = l.matrix(p + "ffn_up.weight", c.dim(), 2 * c.ffnDim());
                gate = rows(gateUp, "ffn_gate", 0, c.ffnDim());
                up = rows(gateUp, "ffn_up", c.ffnDim(), c.ffnDim());
            }
            if (moe == null) down = l.matrix(p + "ffn_down.weight", c.ffnDim(), c.dim());
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
                    gate, up, down,
                    l.optionalVector(p + "post_ffw_norm.weight", c.dim()),
                    experts));
        }
        l.requireAllUsed();
        return new ModelWeights(embd, outNorm, output, ropeFactors, layers);
    }

    private static RopeFactors ropeFactors(Loader l, ModelConfig c) {
        int pairs = c.ropeDim() / 2;
        boolean freqs = l.has("rope_freqs.weight");
        boolean shortSet = l.has("rope_factors_short.weight"), longSet = l.has("rope_factors_long.weight");
        if (freqs && (shortSet || longSet)) throw new ModelLoadException("model file has both rope_freqs and LongRoPE factors (rope_factors_short/long)");
        if (shortSet != longSet) {
            throw new ModelLoadException("model file has " + (shortSet ? "rope_factors_short" : "rope_factors_long")
                    + " without " + (shortSet ? "rope_factors_long" : "rope_factors_short") + " (LongRoPE needs both)");
        }
        if (freqs) return new RopeFactors(l.vector("rope_freqs.weight", pairs), null, null, 0);
        if (shortSet) {
            return new RopeFactors(null, l.vector("rope_factors_short.weight", pairs), l.vector("rope_factors_long.weight", pairs),
                    c.ropeOriginalContext());
        }
        return RopeFactors.NONE;
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

    /**
     * Looks tensors up by name and checks their shapes, with errors that name the tensor. It
     * remembers what was taken, so that a tensor the forward pass would ignore (a bias, an
     * expert, a factor table jllm does not know) is an error, as in llama.cpp, not a silently
     * different model.
     */
    private static final class Loader {
        private final GGUFFile file;
        private final Set<String> used = new HashSet<>();

        Loader(GGUFFile file) {
            this.file = file;
        }

        boolean has(String name) {
            return file.tensorInfo(name) != null;
        }

        TensorInfo info(String name) {
            TensorInfo t = file.tensorInfo(name);
            if (t == null) throw new ModelLoadException("model file lacks required tensor " + name);
            used.add(name);
            return t;
        }

        void requireAllUsed() {
            List<String> unused = file.tensors().keySet().stream().filter(n -> !used.contains(n)).sorted().toList();
            if (unused.isEmpty()) return;
            throw new ModelLoadException("model file has " + unused.size() + " tensor" + (unused.size() == 1 ? "" : "s")
                    + " this architecture does not use (" + String.join(", ", unused.subList(0, Math.min(3, unused.size())))
                    + (unused.size() > 3 ? ", …" : "") + "): a variant jllm does not support");
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

        /**
         * The {@code count} experts of a 3-D tensor [cols, rows, count]: expert e is the e-th
         * block of {@code rows} consecutive rows, as a matrix of its own (a slice of the file).
         */
        Tensor[] experts(String name, int cols, int rows, int count) {
            TensorInfo t = info(name);
            TensorFormat f = TensorFormats.of(t.type(), name);
            if (t.dims() != 3 || t.dim(0) != cols || t.dim(1) != rows || t.dim(2) != count) {
                throw new ModelLoadException("tensor " + name + " has shape " + java.util.Arrays.toString(t.shape())
                        + ", expected [" + cols + ", " + rows + ", " + count + "]");
            }
            MemorySegment data = file.data(t);
            long bytes = (long) rows * f.rowBytes(cols);
            Tensor[] out = new Tensor[count];
            for (int e = 0; e < count; e++) out[e] = new Tensor(name + "[" + e + "]", f, data.asSlice(e * bytes, bytes), rows, cols);
            return out;
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
