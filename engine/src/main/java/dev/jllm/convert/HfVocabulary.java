package dev.jllm.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jllm.gguf.GGUFArray;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.GGUFValueType;

/**
 * A checkpoint's tokenizer as GGUF's {@code tokenizer.ggml.*} keys, following llama.cpp's
 * converter so that the file tokenizes as one made by {@code convert_hf_to_gguf.py} would:
 * <ul>
 * <li>a SentencePiece {@code tokenizer.model} (Llama 2, Mistral, TinyLlama) gives model
 *     {@code llama}: pieces, scores and types as SentencePiece has them (its user-defined
 *     pieces counted as normal), slots beyond them {@code [PADn]} unused with score −10000, and
 *     the added tokens of {@code tokenizer_config.json} over them (score −1000, control when
 *     special or special-looking, else user-defined). LLaMA-family models prefer it, as
 *     llama.cpp does.</li>
 * <li>a byte-level BPE {@code tokenizer.json} (Llama 3, Qwen, SmolLM, GPT-2) gives model
 *     {@code gpt2}: the vocabulary in id order, added tokens as control or user-defined, ids
 *     up to config.json's {@code vocab_size} without a token as {@code [PADn]} unused, the merges
 *     as "a b" strings, and the pre-tokenizer named after the split rules of its
 *     {@code pre_tokenizer} section ({@link #preTokenizer}). llama.cpp names it from a hash of
 *     how a test text tokenizes, which needs the Python tokenizer; matching the rules themselves
 *     names the same four families without it, and anything else is an error that says how to
 *     name it by hand.</li>
 * </ul>
 * Special tokens, add-BOS/EOS flags and the chat template are {@link HfSpecialTokens}'s.
 */
final class HfVocabulary {
    private HfVocabulary() {}

    static final int NORMAL = 1, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5;

    /** Llama 3's split rule as tokenizer.json spells it. */
    static final String LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen2's: Llama 3's with single digits. */
    static final String QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /**
     * Writes the vocabulary of the checkpoint in {@code dir} into {@code md}.
     *
     * @param preOverride the {@code tokenizer.ggml.pre} to record instead of the detected one, or null
     * @return the token texts by id (to resolve special tokens)
     */
    static List<String> addTo(GGUFMetadata md, Path dir, HfModelConfig config, String preOverride) throws IOException {
        Path spm = dir.resolve("tokenizer.model"), json = dir.resolve("tokenizer.json");
        JsonNode tokenizerConfig = HfCheckpoint.readJsonIfPresent(dir.resolve("tokenizer_config.json"));
        // Phi-4 ships a GPT-2 tokenizer under Phi-3's architecture
        boolean gpt2Tokenizer = tokenizerConfig != null && tokenizerConfig.path("tokenizer_class").asText().equals("GPT2Tokenizer");
        if (config.architecture().sentencePieceFirst && !gpt2Tokenizer && Files.isRegularFile(spm)) {
            return sentencePiece(md, dir, spm, config, tokenizerConfig);
        }
        if (Files.isRegularFile(json)) return byteLevelBpe(md, HfCheckpoint.readJson(json), config, tokenizerConfig, preOverride);
        if (Files.isRegularFile(spm)) return sentencePiece(md, dir, spm, config, tokenizerConfig);
        throw new ConversionException(dir + " has neither tokenizer.json nor tokenizer.model: the model's tokenizer is needed to convert it");
    }

    /**
     * The added tokens a SentencePiece vocabulary takes over its pieces, in llama.cpp's order:
     * {@code added_tokens.json} (user-defined), tokenizer_config.json's {@code added_tokens_decoder},
     * and for Phi-3 also tokenizer.json's {@code added_tokens}.
     */
    private static List<AddedToken> addedTokensOverPieces(Path dir, HfModelConfig config, JsonNode tokenizerConfig) throws IOException {
        List<AddedToken> out = new ArrayList<>();
        JsonNode addedJson = HfCheckpoint.readJsonIfPresent(dir.resolve("added_tokens.json"));
        if (addedJson != null) {
            addedJson.fields().forEachRemaining(e -> {
                if (!e.getValue().canConvertToInt()) throw new ConversionException("added_tokens.json: " + e.getKey() + " has id " + e.getValue());
                out.add(new AddedToken(e.getValue().asInt(), e.getKey(), false));
            });
        }
        out.addAll(addedTokensOfConfig(tokenizerConfig));
        JsonNode json = config.architecture() == HfArchitecture.PHI3 ? HfCheckpoint.readJsonIfPresent(dir.resolve("tokenizer.json")) : null;
        if (json != null) out.addAll(addedTokens(json.path("added_tokens")));
        return out;
    }

    private static List<String> sentencePiece(GGUFMetadata md, Path dir, Path file, HfModelConfig config, JsonNode tokenizerConfig) throws IOException {
        SentencePieceModel model = SentencePieceModel.parse(Files.readAllBytes(file), file.getFileName().toString());
        int size = config.vocabSize(); // pieces beyond the embedding's rows are dropped, as llama.cpp does
        String[] tokens = new String[size];
        float[] scores = new float[size];
        int[] types = new int[size];
        for (int i = 0; i < size; i++) {
            tokens[i] = "[PAD" + i + "]";
            scores[i] = -10000f;
            types[i] = UNUSED;
        }
        for (int i = 0; i < Math.min(size, model.pieces().size()); i++) {
            SentencePieceModel.Piece p = model.pieces().get(i);
            tokens[i] = p.text();
            scores[i] = p.score();
            types[i] = p.type() == USER_DEFINED ? NORMAL : p.type(); // as llama.cpp: only unknown, control, unused and byte are told apart
        }
        for (AddedToken t : addedTokensOverPieces(dir, config, tokenizerConfig)) {
            if (t.id < 0 || t.id >= size) continue;
            tokens[t.id] = t.looksControl() ? t.content : t.content.replace('\u2581', ' ');
            scores[t.id] = -1000f;
            types[t.id] = t.looksControl() ? CONTROL : USER_DEFINED;
        }
        md.putString("tokenizer.ggml.model", "llama");
        md.putString("tokenizer.ggml.pre", "default");
        md.putArray("tokenizer.ggml.tokens", new GGUFArray(GGUFValueType.STRING, tokens));
        md.putArray("tokenizer.ggml.scores", new GGUFArray(GGUFValueType.FLOAT32, scores));
        md.putArray("tokenizer.ggml.token_type", new GGUFArray(GGUFValueType.INT32, types));
        // llama.cpp's converter records no space prefix for Gemma; for the others it leaves the key to the loader's default
        if (config.architecture().ggufName.startsWith("gemma")) md.putBool("tokenizer.ggml.add_space_prefix", false);
        return Arrays.asList(tokens);
    }

    private static List<String> byteLevelBpe(GGUFMetadata md, JsonNode tokenizer, HfModelConfig config, JsonNode tokenizerConfig, String preOverride) {
        JsonNode model = tokenizer.path("model");
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) throw new ConversionException("tokenizer.json has a " + type + " model; jllm convert reads BPE tokenizers (and SentencePiece tokenizer.model files)");
        if (model.path("byte_fallback").asBoolean(false)) {
            throw new ConversionException("tokenizer.json is a SentencePiece-style BPE (byte_fallback) without its tokenizer.model: put tokenizer.model beside it");
        }
        JsonNode vocab = model.get("vocab");
        if (vocab == null || !vocab.isObject() || vocab.isEmpty()) throw new ConversionException("tokenizer.json has no model.vocab");
        Map<Integer, String> byId = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) throw new ConversionException("tokenizer.json: token " + e.getKey() + " has id " + e.getValue());
            byId.put(e.getValue().asInt(), e.getKey());
        }
        Map<Integer, AddedToken> added = new HashMap<>();
        for (AddedToken t : addedTokens(tokenizer.path("added_tokens"))) {
            added.put(t.id, t);
            byId.put(t.id, t.content);
        }
        int maxId = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
        if (maxId >= config.vocabSize()) {
            throw new ConversionException("tokenizer.json has token id " + maxId + " but config.json's vocab_size is " + config.vocabSize() + ": tokenizer and model do not match");
        }
        String[] tokens = new String[config.vocabSize()];
        int[] types = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            String text = byId.get(i);
            AddedToken a = added.get(i);
            if (text == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = UNUSED;
            } else if (a != null) {
                tokens[i] = a.looksControl() ? text : text.replace('\u2581', ' ');
                types[i] = a.looksControl() ? CONTROL : USER_DEFINED;
            } else {
                tokens[i] = text;
                types[i] = NORMAL;
            }
        }
        md.putString("tokenizer.ggml.model", "gpt2");
        md.putString("tokenizer.ggml.pre", preOverride != null ? preOverride : preTokenizer(tokenizer.path("pre_tokenizer")));
        md.putArray("tokenizer.ggml.tokens", new GGUFArray(GGUFValueType.STRING, tokens));
        md.putArray("tokenizer.ggml.token_type", new GGUFArray(GGUFValueType.INT32, types));
        md.putArray("tokenizer.ggml.merges", new GGUFArray(GGUFValueType.STRING, merges(model.path("merges"))));
        return Arrays.asList(tokens);
    }

    /**
     * The merges as "a b" strings. Since transformers 4.45 they may be pairs ["a", "b"], which
     * allows spaces inside a part; llama.cpp writes such a space as U+0120 (byte-level space).
     */
    static String[] merges(JsonNode merges) {
        if (!merges.isArray() || merges.isEmpty()) throw new ConversionException("tokenizer.json has no model.merges");
        String[] out = new String[merges.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode m = merges.get(i);
            if (m.isTextual()) {
                out[i] = m.asText();
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                out[i] = m.get(0).asText().replace(' ', '\u0120') + " " + m.get(1).asText().replace(' ', '\u0120');
            } else {
                throw new ConversionException("tokenizer.json: merge " + i + " is " + m + ", neither \"a b\" nor [\"a\", \"b\"]");
            }
        }
        return out;
    }

    /**
     * llama.cpp's name for the split rules of a {@code pre_tokenizer} section: Llama 3's regex
     * then byte-level → {@code llama-bpe}; Qwen2's → {@code qwen2}; byte-level with GPT-2's own
     * regex → {@code gpt-2}; single digits then that → {@code smollm}.
     */
    static String preTokenizer(JsonNode pre) {
        List<String> steps = new ArrayList<>();
        List<JsonNode> list = new ArrayList<>();
        if (pre.path("type").asText().equals("Sequence")) pre.path("pretokenizers").forEach(list::add);
        else if (!pre.isMissingNode() && !pre.isNull()) list.add(pre);
        for (JsonNode p : list) {
            String t = p.path("type").asText();
            steps.add(switch (t) {
                case "Split" -> p.path("pattern").has("Regex") ? "Split " + p.path("pattern").path("Regex").asText() : "Split string " + p.path("pattern");
                case "ByteLevel" -> p.path("use_regex").asBoolean(true) ? "ByteLevel+regex" : "ByteLevel";
                case "Digits" -> p.path("individual_digits").asBoolean(false) ? "Digits individual" : "Digits";
                default -> t;
            });
        }
        if (steps.equals(List.of("Split " + LLAMA3_SPLIT, "ByteLevel"))) return "llama-bpe";
        if (steps.equals(List.of("Split " + QWEN2_SPLIT, "ByteLevel"))) return "qwen2";
        if (steps.equals(List.of("ByteLevel+regex"))) return "gpt-2";
        if (steps.equals(List.of("Digits individual", "ByteLevel+regex"))) return "smollm";
        throw new ConversionException("tokenizer.json's pre-tokenizer " + steps + " is not one jllm convert recognises (Llama 3, Qwen2, GPT-2, SmolLM); "
                + "if you know which llama.cpp pre-tokenizer it is, pass it with --pre NAME");
    }

    /** An added token: from tokenizer.json's {@code added_tokens} or tokenizer_config.json's {@code added_tokens_decoder}. */
    record AddedToken(int id, String content, boolean special) {
        /** llama.cpp's test: marked special, or shaped like a control token though not marked. */
        boolean looksControl() {
            return special || content.equals("<pad>") || content.equals("<mask>") || content.equals("<2mass>") || content.equals("[@BOS@]")
                    || (content.startsWith("<|") && content.endsWith("|>")) || (content.startsWith("<\uff5c") && content.endsWith("\uff5c>"))
                    || (content.startsWith("<unused") && content.endsWith(">"));
        }
    }

    static List<AddedToken> addedTokens(JsonNode list) {
        List<AddedToken> out = new ArrayList<>();
        if (!list.isArray()) return out;
        for (JsonNode t : list) {
            if (!t.path("id").canConvertToInt() || !t.path("content").isTextual()) throw new ConversionException("tokenizer.json: added token " + t + " has no id or content");
            out.add(new AddedToken(t.path("id").asInt(), t.path("content").asText(), t.path("special").asBoolean(false)));
        }
        return out;
    }

    private static List<AddedToken> addedTokensOfConfig(JsonNode tokenizerConfig) {
        List<AddedToken> out = new ArrayList<>();
        JsonNode decoder = tokenizerConfig == null ? null : tokenizerConfig.get("added_tokens_decoder");
        if (decoder == null || !decoder.isObject()) return out;
        for (Iterator<Map.Entry<String, JsonNode>> it = decoder.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException x) {
                throw new ConversionException("tokenizer_config.json: added_tokens_decoder key " + e.getKey() + " is not a token id");
            }
            if (!e.getValue().path("content").isTextual()) throw new ConversionException("tokenizer_config.json: added token " + id + " has no content");
            out.add(new AddedToken(id, e.getValue().path("content").asText(), e.getValue().path("special").asBoolean(false)));
        }
        return out;
    }
}
