package dev.jllm.tokenizer;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import dev.jllm.gguf.GGUFMetadata;

/**
 * llama.cpp's load-time guesses about special tokens, made from token texts because converters
 * do not always write the ids: end-of-turn (EOT), end-of-message and fill-in-the-middle tokens,
 * "unused" tokens, the end-of-generation (EOG) set, and per-model attribute fixes (Phi-3's
 * RSTRIP, the gpt-oss tokens that are always rendered).
 *
 * <p>One deliberate difference: when several tokens of a vocabulary match the EOT (or a FIM)
 * list, llama.cpp takes the first one its hash map happens to yield; here the list order
 * decides, which gives the ids llama.cpp reports for Llama 3 ({@code <|eot_id|>}), Qwen 2.5
 * ({@code <|im_end|>}) and Phi-3 ({@code <|end|>}). The EOG set does not depend on this.
 */
final class SpecialTokenRules {
    private SpecialTokenRules() {}

    private static final int NULL = Vocabulary.NULL;

    private static final String END_OF_SENTENCE_DEEPSEEK = "<\uFF5Cend\u2581of\u2581sentence\uFF5C>";

    static final List<String> EOT_NAMES = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
        "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", END_OF_SENTENCE_DEEPSEEK, "<end_of_utterance>");
    static final List<String> EOM_NAMES = List.of("<|eom_id|>");
    static final List<String> FIM_PRE_NAMES = List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
        "<\uFF5Cfim\u2581begin\uFF5C>", "<PRE>", "\u2581<PRE>", "<|code_prefix|>", "<|prefix|>");
    static final List<String> FIM_SUF_NAMES = List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
        "<\uFF5Cfim\u2581hole\uFF5C>", "<SUF>", "\u2581<SUF>", "<|code_suffix|>", "<|suffix|>");
    static final List<String> FIM_MID_NAMES = List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>",
        "<\uFF5Cfim\u2581end\uFF5C>", "<MID>", "\u2581<MID>", "<|code_middle|>", "<|middle|>");
    static final List<String> FIM_PAD_NAMES = List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    static final List<String> FIM_REP_NAMES = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>");
    static final List<String> FIM_SEP_NAMES = List.of("<|file_sep|>");

    /** Token texts that end generation wherever they occur. */
    static final List<String> EOG_NAMES = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>",
        "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>",
        "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        END_OF_SENTENCE_DEEPSEEK, "[e~[");

    /** gpt-oss tokens llama.cpp always renders (their attribute becomes USER_DEFINED). */
    private static final List<String> ALWAYS_RENDERED = List.of("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>");

    /**
     * Applies the rules in llama.cpp's order, adjusting {@code attrs} and {@code ids}.
     *
     * @return the end-of-generation ids, ascending
     */
    static int[] applyLoadTimeRules(String[] texts, Map<String, Integer> textToId, int[] attrs, VocabularyLoader.Ids ids) {
        // auto-detect EOT, EOM and FIM tokens by text; a detected token becomes CONTROL
        if (ids.eot == NULL) ids.eot = detect(EOT_NAMES, textToId, attrs);
        if (ids.eom == NULL) ids.eom = detect(EOM_NAMES, textToId, attrs);
        if (ids.fimPre == NULL) ids.fimPre = detect(FIM_PRE_NAMES, textToId, attrs);
        if (ids.fimSuf == NULL) ids.fimSuf = detect(FIM_SUF_NAMES, textToId, attrs);
        if (ids.fimMid == NULL) ids.fimMid = detect(FIM_MID_NAMES, textToId, attrs);
        if (ids.fimPad == NULL) ids.fimPad = detect(FIM_PAD_NAMES, textToId, attrs);
        if (ids.fimRep == NULL) ids.fimRep = detect(FIM_REP_NAMES, textToId, attrs);
        if (ids.fimSep == NULL) ids.fimSep = detect(FIM_SEP_NAMES, textToId, attrs);

        // control tokens whose text says "unused" are marked UNUSED
        for (int i = 0; i < texts.length; i++) {
            if ((attrs[i] & TokenAttr.CONTROL) != 0 && texts[i].contains("unused")) attrs[i] |= TokenAttr.UNUSED;
        }

        TreeSet<Integer> eog = new TreeSet<>();
        if (ids.fimPad != NULL) eog.add(ids.fimPad);
        if (ids.fimRep != NULL) eog.add(ids.fimRep);
        if (ids.fimSep != NULL) eog.add(ids.fimSep);
        for (String name : EOG_NAMES) {
            Integer id = textToId.get(name);
            if (id != null) {
                eog.add(id);
                attrs[id] |= TokenAttr.CONTROL;
            }
        }

        for (String name : ALWAYS_RENDERED) {
            Integer id = textToId.get(name);
            if (id != null) attrs[id] = TokenAttr.USER_DEFINED;
        }

        if (ids.eos != NULL) eog.add(ids.eos);
        if (ids.eot != NULL) eog.add(ids.eot);
        if (ids.eom != NULL) eog.add(ids.eom);

        // o200k_harmony / solar-open: "<|end|>" ends a message, not the generation
        boolean hasReturn = false, hasCall = false, hasFlush = false;
        int endId = NULL;
        for (int id : eog) {
            String t = texts[id];
            switch (t) {
                case "<|return|>" -> hasReturn = true;
                case "<|call|>", "<|calls|>" -> hasCall = true;
                case "<|flush|>" -> hasFlush = true;
                case "<|end|>" -> endId = id;
                default -> { }
            }
        }
        if (endId != NULL && hasCall && (hasReturn || hasFlush)) {
            eog.remove(endId);
            attrs[endId] = TokenAttr.USER_DEFINED;
        }

        // gemma4 / paddleocr: "</s>" is not an end of generation there
        boolean hasToolResponse = false;
        int sId = NULL;
        for (int id : eog) {
            if (texts[id].equals("<|tool_response>")) hasToolResponse = true;
            else if (texts[id].equals("</s>")) sId = id;
        }
        if (hasToolResponse && sId != NULL) {
            eog.remove(sId);
            attrs[sId] = TokenAttr.NORMAL;
        }

        return eog.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int detect(List<String> names, Map<String, Integer> textToId, int[] attrs) {
        for (String name : names) {
            Integer id = textToId.get(name);
            if (id != null) {
                attrs[id] |= TokenAttr.CONTROL;
                return id;
            }
        }
        return NULL;
    }

    /**
     * Attributes llama.cpp sets from the model, tokenizer or architecture name after the
     * special-token list is built: LSTRIP on the mask token of some Jina/ModernBERT models, and
     * for Phi-3 RSTRIP on every special token (whitespace after it is dropped when it is parsed
     * from text) except {@code <unk>}, {@code <s>} and {@code <|endoftext|>}.
     */
    static void applyNameBasedAttributes(GGUFMetadata m, String pre, Map<String, Integer> textToId, int[] attrs, int[] specials) {
        String name = asciiLower(m.getString("general.name", ""));
        String arch = m.getString("general.architecture", "");
        if (containsAny(pre, "jina-v2-de", "jina-v2-es", "jina-v2-code") || containsAny(arch, "nomic-bert-moe", "jina-bert-v3")) {
            Integer mask = textToId.get("<mask>");
            if (mask != null) attrs[mask] |= TokenAttr.LSTRIP;
        } else if (containsAny(name, "phi-3", "phi3")) {
            for (int id : specials) attrs[id] |= TokenAttr.RSTRIP;
            attrs[require(textToId, "</s>")] |= TokenAttr.RSTRIP;
            for (String t : List.of("<unk>", "<s>", "<|endoftext|>")) attrs[require(textToId, t)] &= ~TokenAttr.RSTRIP;
        } else if (containsAny(name, "modern-bert")) {
            Integer mask = textToId.get("[MASK]");
            if (mask != null) attrs[mask] |= TokenAttr.LSTRIP;
        }
    }

    private static int require(Map<String, Integer> textToId, String text) {
        Integer id = textToId.get(text);
        if (id == null) throw new TokenizerException("Phi-3 vocabulary without the token " + text);
        return id;
    }

    private static boolean containsAny(String s, String... parts) {
        for (String p : parts) if (s.contains(p)) return true;
        return false;
    }

    private static String asciiLower(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return sb.toString();
    }
}
