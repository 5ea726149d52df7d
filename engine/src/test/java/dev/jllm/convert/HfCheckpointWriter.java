package dev.jllm.convert;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jllm.gguf.GGUFFile;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.TensorInfo;
import dev.jllm.tensor.GGMLType;

/**
 * Test fixture: writes an F32 GGUF model out as the Hugging Face checkpoint it could have been
 * converted from — config.json, safetensors (F32 or BF16, optionally in shards with an index),
 * tokenizer.model (SentencePiece vocabularies) or tokenizer.json (byte-level BPE), and
 * tokenizer_config.json — in the formats transformers writes. Q and K rows of {@code llama}
 * models go back to Hugging Face's half-split order (the inverse of {@link QkPermutation},
 * whose meaning {@code HfConverterTest} checks against RoPE itself).
 */
public final class HfCheckpointWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How to write the checkpoint. */
    public record Options(boolean bf16, int shards, boolean mergesAsPairs, ObjectNode ropeScaling, Integer topLevelOriginalContext) {
        public static Options defaults() {
            return new Options(false, 1, false, null, null);
        }
    }

    private HfCheckpointWriter() {}

    public static void write(Path gguf, Path dir, Options o) throws IOException {
        Files.createDirectories(dir);
        try (GGUFFile f = GGUFFile.open(gguf)) {
            GGUFMetadata md = f.metadata();
            String arch = md.getString("general.architecture");
            writeConfig(md, arch, f.tensorInfo("output.weight") == null, o, dir);
            writeWeights(f, arch, o, dir);
            if (md.getString("tokenizer.ggml.model").equals("llama")) writeSentencePiece(md, dir);
            else writeTokenizerJson(md, o, dir);
            writeTokenizerConfig(md, dir);
        }
    }

    private static void writeConfig(GGUFMetadata md, String arch, boolean tied, Options o, Path dir) throws IOException {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add(switch (arch) {
            case "llama" -> "LlamaForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            case "qwen3" -> "Qwen3ForCausalLM";
            case "gemma2" -> "Gemma2ForCausalLM";
            case "gemma3" -> "Gemma3ForCausalLM";
            case "phi3" -> "Phi3ForCausalLM";
            default -> throw new IllegalArgumentException(arch);
        });
        c.put("model_type", arch);
        c.put("hidden_size", md.getInt(arch + ".embedding_length"));
        c.put("intermediate_size", md.getInt(arch + ".feed_forward_length"));
        c.put("num_hidden_layers", md.getInt(arch + ".block_count"));
        c.put("num_attention_heads", md.getInt(arch + ".attention.head_count"));
        c.put("num_key_value_heads", md.getInt(arch + ".attention.head_count_kv"));
        if (md.contains(arch + ".attention.key_length")) c.put("head_dim", md.getInt(arch + ".attention.key_length"));
        c.put("rms_norm_eps", (double) md.getFloat(arch + ".attention.layer_norm_rms_epsilon"));
        c.put("rope_theta", (double) md.getFloat(arch + ".rope.freq_base", 10000f));
        if (md.contains(arch + ".attn_logit_softcapping")) c.put("attn_logit_softcapping", (double) md.getFloat(arch + ".attn_logit_softcapping"));
        if (md.contains(arch + ".final_logit_softcapping")) c.put("final_logit_softcapping", (double) md.getFloat(arch + ".final_logit_softcapping"));
        if (md.contains(arch + ".attention.sliding_window")) c.put("sliding_window", md.getInt(arch + ".attention.sliding_window"));
        if (arch.equals("gemma3")) c.put("sliding_window_pattern", 6);
        if (md.contains(arch + ".rope.scaling.type")) {
            c.putObject("rope_scaling").put("rope_type", md.getString(arch + ".rope.scaling.type")).put("factor", (double) md.getFloat(arch + ".rope.scaling.factor"));
        }
        if (md.contains(arch + ".rope.scaling.original_context_length")) c.put("original_max_position_embeddings", md.getInt(arch + ".rope.scaling.original_context_length"));
        c.put("max_position_embeddings", md.getInt(arch + ".context_length"));
        c.put("vocab_size", md.getArray("tokenizer.ggml.tokens").length());
        c.put("tie_word_embeddings", tied);
        c.put("torch_dtype", o.bf16 ? "bfloat16" : "float32");
        if (o.ropeScaling != null) c.set("rope_scaling", o.ropeScaling);
        if (o.topLevelOriginalContext != null) c.put("original_max_position_embeddings", o.topLevelOriginalContext);
        if (md.contains("tokenizer.ggml.bos_token_id")) c.put("bos_token_id", md.getInt("tokenizer.ggml.bos_token_id"));
        if (md.contains("tokenizer.ggml.eos_token_id")) c.put("eos_token_id", md.getInt("tokenizer.ggml.eos_token_id"));
        Files.writeString(dir.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(c));
    }

    /** GGUF name → Hugging Face name (the inverse of {@link HfTensorNames}) in architecture {@code arch}. */
    static String hfName(String gguf, String arch) {
        boolean gemma = arch.startsWith("gemma");
        if (gemma && gguf.endsWith(".post_attention_norm.weight")) return "model.layers." + gguf.split("\\.")[1] + ".post_attention_layernorm.weight";
        if (gemma && gguf.endsWith(".ffn_norm.weight")) return "model.layers." + gguf.split("\\.")[1] + ".pre_feedforward_layernorm.weight";
        if (gemma && gguf.endsWith(".post_ffw_norm.weight")) return "model.layers." + gguf.split("\\.")[1] + ".post_feedforward_layernorm.weight";
        if (arch.equals("phi3") && gguf.endsWith(".attn_qkv.weight")) return "model.layers." + gguf.split("\\.")[1] + ".self_attn.qkv_proj.weight";
        if (arch.equals("phi3") && gguf.endsWith(".ffn_up.weight")) return "model.layers." + gguf.split("\\.")[1] + ".mlp.gate_up_proj.weight";
        switch (gguf) {
            case "token_embd.weight": return "model.embed_tokens.weight";
            case "output_norm.weight": return "model.norm.weight";
            case "output.weight": return "lm_head.weight";
            default: break;
        }
        String[] p = gguf.split("\\.", 3);
        String part = switch (p[2]) {
            case "attn_norm.weight" -> "input_layernorm.weight";
            case "attn_q.weight" -> "self_attn.q_proj.weight";
            case "attn_k.weight" -> "self_attn.k_proj.weight";
            case "attn_v.weight" -> "self_attn.v_proj.weight";
            case "attn_q.bias" -> "self_attn.q_proj.bias";
            case "attn_k.bias" -> "self_attn.k_proj.bias";
            case "attn_v.bias" -> "self_attn.v_proj.bias";
            case "attn_output.weight" -> "self_attn.o_proj.weight";
            case "attn_q_norm.weight" -> "self_attn.q_norm.weight";
            case "attn_k_norm.weight" -> "self_attn.k_norm.weight";
            case "ffn_norm.weight" -> "post_attention_layernorm.weight";
            case "ffn_gate.weight" -> "mlp.gate_proj.weight";
            case "ffn_up.weight" -> "mlp.up_proj.weight";
            case "ffn_down.weight" -> "mlp.down_proj.weight";
            default -> throw new IllegalArgumentException(gguf);
        };
        return "model.layers." + p[1] + "." + part;
    }

    record Entry(String name, long[] shape, byte[] data) {}

    private static void writeWeights(GGUFFile f, String arch, Options o, Path dir) throws IOException {
        int headDim = f.metadata().getInt(arch + ".attention.key_length", f.metadata().getInt(arch + ".embedding_length") / f.metadata().getInt(arch + ".attention.head_count"));
        List<Entry> entries = new ArrayList<>();
        for (TensorInfo t : f.tensors().values()) {
            if (t.name().equals("rope_freqs.weight")) continue; // computed by the converter from rope_scaling
            if (t.type() != GGMLType.F32) throw new IllegalArgumentException("fixture needs an F32 model, " + t.name() + " is " + t.type());
            MemorySegment data = f.data(t);
            int cols = (int) t.dim(0), rows = t.dims() == 1 ? 1 : (int) t.dim(1);
            boolean permute = arch.equals("llama") && (t.name().contains("attn_q.") || t.name().contains("attn_k."));
            float[] hf = new float[rows * cols];
            if (t.dims() == 1 && permute) { // a bias: its elements reorder like rows
                for (int i = 0; i < cols; i++) hf[QkPermutation.sourceRow(i, headDim)] = data.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
            } else {
                for (int r = 0; r < rows; r++) {
                    int to = permute ? QkPermutation.sourceRow(r, headDim) : r;
                    for (int c = 0; c < cols; c++) hf[to * cols + c] = data.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, (long) r * cols + c);
                }
            }
            if (arch.startsWith("gemma") && t.name().endsWith("norm.weight")) {
                for (int i = 0; i < hf.length; i++) hf[i] -= 1; // Gemma stores w for its (1 + w) norms; exact for these values
            }
            long[] shape = t.dims() == 1 ? new long[]{cols} : new long[]{rows, cols};
            entries.add(new Entry(hfName(t.name(), arch), shape, o.bf16 ? bf16(hf) : f32(hf)));
        }
        if (o.shards == 1) {
            writeSafetensors(dir.resolve("model.safetensors"), entries, o.bf16);
            return;
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", entries.stream().mapToLong(e -> e.data.length).sum());
        ObjectNode map = index.putObject("weight_map");
        int per = (entries.size() + o.shards - 1) / o.shards;
        for (int s = 0; s < o.shards; s++) {
            String file = String.format("model-%05d-of-%05d.safetensors", s + 1, o.shards);
            List<Entry> part = entries.subList(s * per, Math.min(entries.size(), (s + 1) * per));
            part.forEach(e -> map.put(e.name, file));
            writeSafetensors(dir.resolve(file), part, o.bf16);
        }
        Files.writeString(dir.resolve("model.safetensors.index.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index));
    }

    static byte[] f32(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return b.array();
    }

    /** Round to nearest even, as PyTorch's {@code .to(torch.bfloat16)}. */
    static byte[] bf16(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putShort(bf16Bits(x));
        return b.array();
    }

    static short bf16Bits(float x) {
        int bits = Float.floatToRawIntBits(x);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    static void writeSafetensors(Path file, List<Entry> entries, boolean bf16) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name);
            t.put("dtype", bf16 ? "BF16" : "F32");
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape) shape.add(d);
            t.putArray("data_offsets").add(offset).add(offset + e.data.length);
            offset += e.data.length;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int pad = (8 - json.length % 8) % 8; // transformers pads the header with spaces to 8 bytes
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length + pad).array());
        out.write(json);
        for (int i = 0; i < pad; i++) out.write(' ');
        for (Entry e : entries) out.write(e.data);
        Files.write(file, out.toByteArray());
    }

    /** tokenizer.model: ModelProto { repeated SentencePiece pieces = 1 { piece = 1, score = 2, type = 3 }; NormalizerSpec = 3 }. */
    private static void writeSentencePiece(GGUFMetadata md, Path dir) throws IOException {
        String[] tokens = (String[]) md.getArray("tokenizer.ggml.tokens").values();
        float[] scores = (float[]) md.getArray("tokenizer.ggml.scores").values();
        int[] types = (int[]) md.getArray("tokenizer.ggml.token_type").values();
        // trailing added tokens (Phi-3's, control with score −1000) live in tokenizer_config.json, not in the model
        int pieces = tokens.length;
        while (pieces > 0 && types[pieces - 1] == 3 && scores[pieces - 1] == -1000f) pieces--;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < pieces; i++) {
            ByteArrayOutputStream piece = new ByteArrayOutputStream();
            byte[] text = tokens[i].getBytes(StandardCharsets.UTF_8);
            piece.write(0x0a);
            varint(piece, text.length);
            piece.write(text);
            piece.write(0x15);
            piece.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(scores[i]).array());
            if (types[i] != 1) {
                piece.write(0x18);
                varint(piece, types[i]);
            }
            out.write(0x0a);
            varint(out, piece.size());
            piece.writeTo(out);
        }
        // trainer_spec (field 2) with model_type BPE, which the converter skips; normalizer_spec (field 3) with add_dummy_prefix = true
        out.write(new byte[]{0x12, 0x02, 0x18, 0x02});
        out.write(new byte[]{0x1a, 0x02, 0x18, 0x01});
        Files.write(dir.resolve("tokenizer.model"), out.toByteArray());
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static void writeTokenizerJson(GGUFMetadata md, Options o, Path dir) throws IOException {
        String[] tokens = (String[]) md.getArray("tokenizer.ggml.tokens").values();
        int[] types = (int[]) md.getArray("tokenizer.ggml.token_type").values();
        String[] merges = (String[]) md.getArray("tokenizer.ggml.merges").values();
        String pre = md.getString("tokenizer.ggml.pre");
        ObjectNode t = JSON.createObjectNode();
        t.put("version", "1.0");
        t.putNull("truncation");
        t.putNull("padding");
        ArrayNode added = t.putArray("added_tokens");
        for (int i = 0; i < tokens.length; i++) {
            if (types[i] != 3) continue;
            added.addObject().put("id", i).put("content", tokens[i]).put("single_word", false).put("lstrip", false).put("rstrip", false)
                    .put("normalized", false).put("special", true);
        }
        t.putNull("normalizer");
        ObjectNode preTok = t.putObject("pre_tokenizer");
        preTok.put("type", "Sequence");
        ArrayNode steps = preTok.putArray("pretokenizers");
        switch (pre) {
            case "qwen2", "llama-bpe" -> {
                steps.addObject().put("type", "Split").<ObjectNode>set("pattern", JSON.createObjectNode().put("Regex",
                        pre.equals("qwen2") ? HfVocabulary.QWEN2_SPLIT : HfVocabulary.LLAMA3_SPLIT)).put("behavior", "Isolated").put("invert", false);
                steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
            }
            default -> throw new IllegalArgumentException("fixture writes qwen2 and llama-bpe pre-tokenizers, not " + pre);
        }
        t.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
        t.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
        ObjectNode model = t.putObject("model");
        model.put("type", "BPE").putNull("dropout").putNull("unk_token").put("continuing_subword_prefix", "").put("end_of_word_suffix", "")
                .put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < tokens.length; i++) if (types[i] != 3) vocab.put(tokens[i], i);
        ArrayNode m = model.putArray("merges");
        for (String merge : merges) {
            if (o.mergesAsPairs) {
                String[] ab = merge.split(" ", 2);
                m.addArray().add(ab[0]).add(ab[1]);
            } else {
                m.add(merge);
            }
        }
        Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(t));
    }

    private static void writeTokenizerConfig(GGUFMetadata md, Path dir) throws IOException {
        String[] tokens = (String[]) md.getArray("tokenizer.ggml.tokens").values();
        int[] types = (int[]) md.getArray("tokenizer.ggml.token_type").values();
        ObjectNode c = JSON.createObjectNode();
        if (md.contains("tokenizer.ggml.add_bos_token")) c.put("add_bos_token", md.getBoolean("tokenizer.ggml.add_bos_token"));
        if (md.contains("tokenizer.ggml.add_eos_token")) c.put("add_eos_token", md.getBoolean("tokenizer.ggml.add_eos_token"));
        ObjectNode decoder = c.putObject("added_tokens_decoder");
        for (int i = 0; i < tokens.length; i++) {
            if (types[i] != 3) continue;
            decoder.putObject(Integer.toString(i)).put("content", tokens[i]).put("lstrip", false).put("normalized", false).put("rstrip", false)
                    .put("single_word", false).put("special", true);
        }
        Map<String, String> specials = new LinkedHashMap<>();
        specials.put("bos_token", "tokenizer.ggml.bos_token_id");
        specials.put("eos_token", "tokenizer.ggml.eos_token_id");
        specials.put("unk_token", "tokenizer.ggml.unknown_token_id");
        specials.put("pad_token", "tokenizer.ggml.padding_token_id");
        specials.forEach((field, key) -> {
            if (md.contains(key)) c.put(field, tokens[md.getInt(key)]);
            else c.putNull(field);
        });
        if (md.contains("tokenizer.chat_template")) c.put("chat_template", md.getString("tokenizer.chat_template"));
        c.put("model_max_length", 131072);
        c.put("tokenizer_class", md.getString("tokenizer.ggml.model").equals("llama") ? "LlamaTokenizer" : "Qwen2Tokenizer");
        Files.writeString(dir.resolve("tokenizer_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(c));
    }
}
