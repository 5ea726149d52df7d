package dev.jllm.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Hugging Face model classes {@code jllm convert --hf} turns into GGUF, each with the GGUF
 * architecture llama.cpp's {@code convert_hf_to_gguf.py} writes for it and what sets it apart —
 * as data: the per-layer tensors and their shapes, Hugging Face names that mean something else
 * in this family, and three traits.
 *
 * <p>{@code permuteQK}: Hugging Face's LLaMA implementation rotates the two halves of each head
 * (NeoX style), while GGUF's {@code llama} architecture rotates adjacent pairs, so the rows of
 * Q and K are reordered on the way ({@link QkPermutation}); the other GGUF architectures use the
 * NeoX layout themselves. {@code normPlusOne}: Gemma's RMSNorm multiplies by 1 + w, and llama.cpp
 * stores 1 + w. {@code sentencePieceFirst}: a {@code tokenizer.model} beside
 * {@code tokenizer.json} is the vocabulary (LLaMA, Gemma, Phi-3), not the JSON.
 */
public enum HfArchitecture {
    LLAMA("LlamaForCausalLM", "llama", true, false, true, Layer.LLAMA, Map.of()),
    MISTRAL("MistralForCausalLM", "llama", true, false, true, Layer.LLAMA, Map.of()),
    QWEN2("Qwen2ForCausalLM", "qwen2", false, false, false, Layer.QWEN2, Map.of()),
    QWEN3("Qwen3ForCausalLM", "qwen3", false, false, false, Layer.QWEN3, Map.of()),
    GEMMA2("Gemma2ForCausalLM", "gemma2", false, true, true, Layer.GEMMA2, Layer.GEMMA_NAMES),
    GEMMA3("Gemma3ForCausalLM", "gemma3", false, true, true, Layer.GEMMA3, Layer.GEMMA_NAMES),
    GEMMA3_MULTIMODAL("Gemma3ForConditionalGeneration", "gemma3", false, true, true, Layer.GEMMA3, Layer.GEMMA_NAMES),
    PHI3("Phi3ForCausalLM", "phi3", false, false, true, Layer.PHI3,
            Map.of("self_attn.qkv_proj.weight", "attn_qkv.weight", "mlp.gate_up_proj.weight", "ffn_up.weight"));

    final String hfName;
    final String ggufName;
    final boolean permuteQK;
    final boolean normPlusOne;
    final boolean sentencePieceFirst;
    /** The tensors of every layer, in file order (GGUF names after {@code blk.N.}). */
    final List<LayerTensor> layerTensors;
    /** Hugging Face per-layer names (after {@code model.layers.N.}) whose GGUF name differs in this family. */
    final Map<String, String> layerNames;

    HfArchitecture(String hfName, String ggufName, boolean permuteQK, boolean normPlusOne, boolean sentencePieceFirst,
                   List<LayerTensor> layerTensors, Map<String, String> layerNames) {
        this.hfName = hfName;
        this.ggufName = ggufName;
        this.permuteQK = permuteQK;
        this.normPlusOne = normPlusOne;
        this.sentencePieceFirst = sentencePieceFirst;
        this.layerTensors = layerTensors;
        this.layerNames = layerNames;
    }

    /** The rows × columns of a tensor (a vector has one row), in terms of the configuration. */
    enum Dims {
        HIDDEN, HEAD, Q, KV, Q_BY_HIDDEN, KV_BY_HIDDEN, HIDDEN_BY_Q, FFN_BY_HIDDEN, HIDDEN_BY_FFN, QKV_BY_HIDDEN, FFN2_BY_HIDDEN;

        /** PyTorch's shape: [n] for vectors, [rows, cols] for matrices. */
        long[] shape(HfModelConfig c) {
            long h = c.hiddenSize(), q = (long) c.heads() * c.headDim(), kv = c.kvDim(), f = c.intermediateSize();
            return switch (this) {
                case HIDDEN -> new long[]{h};
                case HEAD -> new long[]{c.headDim()};
                case Q -> new long[]{q};
                case KV -> new long[]{kv};
                case Q_BY_HIDDEN -> new long[]{q, h};
                case KV_BY_HIDDEN -> new long[]{kv, h};
                case HIDDEN_BY_Q -> new long[]{h, q};
                case FFN_BY_HIDDEN -> new long[]{f, h};
                case HIDDEN_BY_FFN -> new long[]{h, f};
                case QKV_BY_HIDDEN -> new long[]{q + 2 * kv, h};
                case FFN2_BY_HIDDEN -> new long[]{2 * f, h};
            };
        }
    }

    /** One tensor of a layer: its GGUF name after {@code blk.N.}, its dimensions, and whether its rows are RoPE-reordered. */
    record LayerTensor(String name, Dims dims, boolean rope) {}

    /** The per-layer tensor lists, built from LLaMA's, and Gemma's names. */
    private static final class Layer {
        /** Gemma's norms around attention and the feed-forward. */
        static final Map<String, String> GEMMA_NAMES = Map.of("post_attention_layernorm.weight", "post_attention_norm.weight",
                "pre_feedforward_layernorm.weight", "ffn_norm.weight", "post_feedforward_layernorm.weight", "post_ffw_norm.weight");

        static final List<LayerTensor> LLAMA = List.of(
                new LayerTensor("attn_norm.weight", Dims.HIDDEN, false),
                new LayerTensor("attn_q.weight", Dims.Q_BY_HIDDEN, true),
                new LayerTensor("attn_k.weight", Dims.KV_BY_HIDDEN, true),
                new LayerTensor("attn_v.weight", Dims.KV_BY_HIDDEN, false),
                new LayerTensor("attn_output.weight", Dims.HIDDEN_BY_Q, false),
                new LayerTensor("ffn_norm.weight", Dims.HIDDEN, false),
                new LayerTensor("ffn_gate.weight", Dims.FFN_BY_HIDDEN, false),
                new LayerTensor("ffn_up.weight", Dims.FFN_BY_HIDDEN, false),
                new LayerTensor("ffn_down.weight", Dims.HIDDEN_BY_FFN, false));
        static final List<LayerTensor> QWEN2 = with(LLAMA, "attn_v.weight",
                new LayerTensor("attn_q.bias", Dims.Q, false), new LayerTensor("attn_k.bias", Dims.KV, false), new LayerTensor("attn_v.bias", Dims.KV, false));
        static final List<LayerTensor> QWEN3 = with(LLAMA, "attn_v.weight",
                new LayerTensor("attn_q_norm.weight", Dims.HEAD, false), new LayerTensor("attn_k_norm.weight", Dims.HEAD, false));
        static final List<LayerTensor> GEMMA2 = with(with(LLAMA, "attn_output.weight", new LayerTensor("post_attention_norm.weight", Dims.HIDDEN, false)),
                "ffn_down.weight", new LayerTensor("post_ffw_norm.weight", Dims.HIDDEN, false));
        static final List<LayerTensor> GEMMA3 = with(GEMMA2, "attn_v.weight",
                new LayerTensor("attn_q_norm.weight", Dims.HEAD, false), new LayerTensor("attn_k_norm.weight", Dims.HEAD, false));
        static final List<LayerTensor> PHI3 = List.of(
                new LayerTensor("attn_norm.weight", Dims.HIDDEN, false),
                new LayerTensor("attn_qkv.weight", Dims.QKV_BY_HIDDEN, false),
                new LayerTensor("attn_output.weight", Dims.HIDDEN_BY_Q, false),
                new LayerTensor("ffn_norm.weight", Dims.HIDDEN, false),
                new LayerTensor("ffn_up.weight", Dims.FFN2_BY_HIDDEN, false),
                new LayerTensor("ffn_down.weight", Dims.HIDDEN_BY_FFN, false));

        /** {@code base} with {@code extra} inserted after the tensor named {@code after}. */
        private static List<LayerTensor> with(List<LayerTensor> base, String after, LayerTensor... extra) {
            List<LayerTensor> out = new ArrayList<>();
            for (LayerTensor t : base) {
                out.add(t);
                if (t.name().equals(after)) out.addAll(List.of(extra));
            }
            return List.copyOf(out);
        }
    }
}
