package dev.jllm.convert;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face tensor names to GGUF's, as llama.cpp's tensor map has them:
 * {@code model.layers.N.self_attn.q_proj.weight} is {@code blk.N.attn_q.weight}, and so on, with
 * each family's own meanings ({@link HfArchitecture#layerNames}). The {@code model.} prefix is
 * optional (some checkpoints are saved from the bare decoder); a multimodal checkpoint's
 * {@code language_model.} part is the text model, its vision tower and projector are left out.
 */
final class HfTensorNames {
    private HfTensorNames() {}

    private static final Pattern LAYER = Pattern.compile("(?:model\\.)?layers\\.(\\d+)\\.(.+)");

    /**
     * The GGUF name of {@code hf}, or null for a tensor that is not part of the language model's
     * weights (the precomputed {@code rotary_emb.inv_freq}, vision tensors, Gemma 2's copy of the
     * tied output matrix).
     *
     * @throws ConversionException for a tensor the converter does not know
     */
    static String ggufName(String hf, HfArchitecture arch) {
        String name = hf.replace("language_model.", "");
        if (name.startsWith("vision_tower.") || name.startsWith("vision_model.") || name.startsWith("multi_modal_projector.")
                || name.startsWith("multimodal_projector.") || name.startsWith("model.vision_tower.") || name.startsWith("model.multi_modal_projector.")) {
            return null;
        }
        String bare = name.startsWith("model.") ? name.substring("model.".length()) : name;
        switch (bare) {
            case "embed_tokens.weight": return "token_embd.weight";
            case "norm.weight": return "output_norm.weight";
            case "lm_head.weight": return arch == HfArchitecture.GEMMA2 ? null : "output.weight"; // llama.cpp drops it: Gemma 2 ties the output
            default: break;
        }
        Matcher m = LAYER.matcher(name);
        if (!m.matches()) throw unknown(hf, arch);
        String own = arch.layerNames.get(m.group(2));
        String part = own != null ? own : switch (m.group(2)) {
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
            default -> throw unknown(hf, arch);
        };
        return part == null ? null : "blk." + Integer.parseInt(m.group(1)) + "." + part;
    }

    private static ConversionException unknown(String hf, HfArchitecture arch) {
        return new ConversionException("checkpoint tensor " + hf + " is not part of a " + arch.hfName + " as jllm convert knows it");
    }
}
