package dev.jllm.tools.convert;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face LLaMA-family tensor names to GGUF's, as llama.cpp's tensor map has them:
 * {@code model.layers.N.self_attn.q_proj.weight} is {@code blk.N.attn_q.weight}, and so on.
 * The {@code model.} prefix is optional (some checkpoints are saved from the bare decoder).
 */
final class HfTensorNames {
    private HfTensorNames() {}

    private static final Pattern LAYER = Pattern.compile("(?:model\\.)?layers\\.(\\d+)\\.(.+)");

    /**
     * The GGUF name of {@code hf}, or null for a tensor that is not part of the model's weights
     * (the precomputed {@code rotary_emb.inv_freq}).
     *
     * @throws ConversionException for a tensor the converter does not know
     */
    static String ggufName(String hf) {
        String bare = hf.startsWith("model.") ? hf.substring("model.".length()) : hf;
        switch (bare) {
            case "embed_tokens.weight": return "token_embd.weight";
            case "norm.weight": return "output_norm.weight";
            case "lm_head.weight": return "output.weight";
            default: break;
        }
        Matcher m = LAYER.matcher(hf);
        if (m.matches()) {
            String part = switch (m.group(2)) {
                case "input_layernorm.weight" -> "attn_norm.weight";
                case "self_attn.q_proj.weight" -> "attn_q.weight";
                case "self_attn.k_proj.weight" -> "attn_k.weight";
                case "self_attn.v_proj.weight" -> "attn_v.weight";
                case "self_attn.q_proj.bias" -> "attn_q.bias";
                case "self_attn.k_proj.bias" -> "attn_k.bias";
                case "self_attn.v_proj.bias" -> "attn_v.bias";
                case "self_attn.o_proj.weight" -> "attn_output.weight";
                case "self_attn.q_norm.weight" -> "attn_q_norm.weight";
                case "self_attn.k_norm.weight" -> "attn_k_norm.weight";
                case "post_attention_layernorm.weight" -> "ffn_norm.weight";
                case "mlp.gate_proj.weight" -> "ffn_gate.weight";
                case "mlp.up_proj.weight" -> "ffn_up.weight";
                case "mlp.down_proj.weight" -> "ffn_down.weight";
                case "self_attn.rotary_emb.inv_freq" -> null;
                default -> throw new ConversionException("checkpoint tensor " + hf + " is not part of a model jllm convert knows (LLaMA, Mistral, Qwen2, Qwen3)");
            };
            return part == null ? null : "blk." + Integer.parseInt(m.group(1)) + "." + part;
        }
        throw new ConversionException("checkpoint tensor " + hf + " is not part of a model jllm convert knows (LLaMA, Mistral, Qwen2, Qwen3)");
    }
}
