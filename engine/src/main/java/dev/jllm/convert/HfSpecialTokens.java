package dev.jllm.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jllm.gguf.GGUFArray;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.GGUFValueType;

/**
 * Special token ids, whether BOS/EOS are added, and the chat template, found where llama.cpp's
 * {@code gguf.SpecialVocab} looks: {@code tokenizer_config.json}'s {@code bos_token} etc.
 * (a string or {@code {"content": …}}) resolved to ids by tokenizer.json's added tokens (or the
 * vocabulary), else config.json's {@code bos_token_id} etc.; {@code add_bos_token} /
 * {@code add_eos_token}, else what tokenizer.json's template post-processor adds; the chat
 * template from tokenizer_config.json, {@code chat_template.jinja} or {@code chat_template.json}.
 */
final class HfSpecialTokens {
    private HfSpecialTokens() {}

    /** GGUF key suffix ({@code tokenizer.ggml.<suffix>_token_id}) for each kind of special token. */
    private static final Map<String, String> KEYS = Map.of("bos", "bos", "eos", "eos", "unk", "unknown", "sep", "seperator", "pad", "padding", "mask", "mask");

    static void addTo(GGUFMetadata md, Path dir, HfModelConfig config, List<String> tokens) throws IOException {
        JsonNode tokenizerConfig = HfCheckpoint.readJsonIfPresent(dir.resolve("tokenizer_config.json"));
        JsonNode tokenizer = HfCheckpoint.readJsonIfPresent(dir.resolve("tokenizer.json"));
        JsonNode configJson = HfCheckpoint.readJson(dir.resolve("config.json"));
        Map<String, Integer> ids = new HashMap<>();
        if (tokenizer != null) for (HfVocabulary.AddedToken t : HfVocabulary.addedTokens(tokenizer.path("added_tokens"))) ids.putIfAbsent(t.content(), t.id());
        for (int i = 0; i < tokens.size(); i++) ids.putIfAbsent(tokens.get(i), i);

        for (String kind : List.of("bos", "eos", "unk", "sep", "pad", "mask")) {
            Integer id = null;
            if (tokenizerConfig != null) {
                String text = tokenText(tokenizerConfig.get(kind + "_token"));
                if (text == null && kind.equals("bos")) text = tokenText(tokenizerConfig.get("cls_token"));
                if (text == null && kind.equals("eos")) text = tokenText(tokenizerConfig.get("sep_token"));
                if (text != null) id = ids.get(text);
            }
            if (id == null && configJson.path(kind + "_token_id").canConvertToInt() && configJson.path(kind + "_token_id").isIntegralNumber()) {
                id = configJson.path(kind + "_token_id").asInt();
            }
            if (id != null && id >= 0 && id < tokens.size()) md.putUInt32("tokenizer.ggml." + KEYS.get(kind) + "_token_id", id);
        }

        Boolean addBos = null, addEos = null;
        JsonNode template = templateProcessing(tokenizer == null ? null : tokenizer.get("post_processor"));
        if (template != null) {
            List<JsonNode> single = new ArrayList<>();
            template.path("single").forEach(single::add);
            addBos = !single.isEmpty() && single.getFirst().has("SpecialToken");
            addEos = single.size() > 1 && single.getLast().has("SpecialToken");
        }
        if (tokenizerConfig != null && tokenizerConfig.path("add_bos_token").isBoolean()) addBos = tokenizerConfig.path("add_bos_token").asBoolean();
        if (tokenizerConfig != null && tokenizerConfig.path("add_eos_token").isBoolean()) addEos = tokenizerConfig.path("add_eos_token").asBoolean();
        // llama.cpp's converter turns BOS off for LLaMA-architecture models with a 49152-token
        // vocabulary (written for Granite; SmolLM's share the size): files converted by it behave so.
        if (config.architecture().ggufName.equals("llama") && config.vocabSize() == 49152) addBos = false;
        if (addBos != null) md.putBool("tokenizer.ggml.add_bos_token", addBos);
        if (addEos != null) md.putBool("tokenizer.ggml.add_eos_token", addEos);
        if (config.architecture().ggufName.equals("llama") && tokenizerConfig != null && tokenizerConfig.path("add_prefix_space").isBoolean()) {
            md.putBool("tokenizer.ggml.add_space_prefix", tokenizerConfig.path("add_prefix_space").asBoolean());
        }
        chatTemplate(md, dir, tokenizerConfig);
    }

    private static String tokenText(JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (n.isTextual()) return n.asText();
        if (n.path("content").isTextual()) return n.path("content").asText();
        return null;
    }

    /** The TemplateProcessing post-processor, alone or inside a Sequence (Llama 3 puts it after ByteLevel). */
    private static JsonNode templateProcessing(JsonNode post) {
        if (post == null || post.isNull()) return null;
        if (post.path("type").asText().equals("TemplateProcessing")) return post;
        if (post.path("type").asText().equals("Sequence")) {
            return StreamSupport.stream(post.path("processors").spliterator(), false)
                    .filter(p -> p.path("type").asText().equals("TemplateProcessing")).findFirst().orElse(null);
        }
        return null;
    }

    /**
     * {@code chat_template}: a string, or a list of {name, template} whose "default" becomes
     * {@code tokenizer.chat_template} and the others {@code tokenizer.chat_template.<name>}
     * (names listed in {@code tokenizer.chat_templates}), as llama.cpp writes them.
     */
    private static void chatTemplate(GGUFMetadata md, Path dir, JsonNode tokenizerConfig) throws IOException {
        JsonNode t = tokenizerConfig == null ? null : tokenizerConfig.get("chat_template");
        if (t == null || t.isNull()) {
            Path jinja = dir.resolve("chat_template.jinja"), json = dir.resolve("chat_template.json");
            if (Files.isRegularFile(jinja)) {
                md.putString("tokenizer.chat_template", Files.readString(jinja));
                return;
            }
            if (Files.isRegularFile(json)) t = HfCheckpoint.readJson(json).get("chat_template");
        }
        if (t == null || t.isNull()) return;
        if (t.isTextual()) {
            md.putString("tokenizer.chat_template", t.asText());
        } else if (t.isArray()) {
            List<String> names = new ArrayList<>();
            for (JsonNode entry : t) {
                String name = entry.path("name").asText("").replaceAll("[^A-Za-z0-9_]", "_"), text = entry.path("template").asText(null);
                if (text == null) throw new ConversionException("chat_template entry " + entry.path("name") + " has no template text");
                if (name.equals("default")) {
                    md.putString("tokenizer.chat_template", text);
                } else {
                    md.putString("tokenizer.chat_template." + name, text);
                    names.add(name);
                }
            }
            if (!names.isEmpty()) md.putArray("tokenizer.chat_templates", new GGUFArray(GGUFValueType.STRING, names.toArray(String[]::new)));
        } else {
            throw new ConversionException("tokenizer_config.json: chat_template is neither text nor a list of named templates");
        }
    }
}
