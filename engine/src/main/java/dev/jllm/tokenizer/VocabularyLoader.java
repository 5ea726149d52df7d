package dev.jllm.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.jllm.gguf.GGUFArray;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.GGUFValueType;

/**
 * Builds a {@link Vocabulary} from GGUF metadata following llama.cpp's llama_vocab::impl::load:
 * per-model defaults, the {@code tokenizer.ggml.*} keys, then the load-time adjustments of
 * {@link SpecialTokenRules}.
 */
final class VocabularyLoader {
    private VocabularyLoader() {}

    static final String KEY_MODEL = "tokenizer.ggml.model";
    static final String KEY_PRE = "tokenizer.ggml.pre";
    static final String KEY_TOKENS = "tokenizer.ggml.tokens";
    static final String KEY_SCORES = "tokenizer.ggml.scores";
    static final String KEY_TOKEN_TYPE = "tokenizer.ggml.token_type";
    static final String KEY_MERGES = "tokenizer.ggml.merges";

    private static final int NULL = Vocabulary.NULL;

    /** Special ids, mutable while loading. */
    static final class Ids {
        int bos, eos, eot = NULL, eom = NULL, unk, sep, pad, mask;
        int fimPre = NULL, fimSuf = NULL, fimMid = NULL, fimPad = NULL, fimRep = NULL, fimSep = NULL;

        Vocabulary.SpecialIds freeze() {
            return new Vocabulary.SpecialIds(bos, eos, eot, eom, unk, sep, pad, mask, fimPre, fimSuf, fimMid, fimPad, fimRep, fimSep);
        }
    }

    static Vocabulary load(GGUFMetadata m) {
        if (!m.contains(KEY_MODEL)) throw new TokenizerException("the model has no tokenizer: " + KEY_MODEL + " is missing");
        String model = string(m, KEY_MODEL, null);
        String pre = string(m, KEY_PRE, "");
        Ids ids = new Ids();
        VocabType type;
        boolean addSep = false;
        switch (model) {
            case "llama" -> {
                type = VocabType.SPM;
                ids.bos = 1; ids.eos = 2; ids.unk = 0; ids.sep = NULL; ids.pad = NULL; ids.mask = NULL;
            }
            case "bert" -> {
                type = VocabType.WPM;
                ids.bos = 101; ids.eos = NULL; ids.unk = 100; ids.sep = 102; ids.pad = 0; ids.mask = 103;
                addSep = true;
            }
            case "gpt2" -> {
                type = VocabType.BPE;
                if (!m.contains(KEY_MERGES)) throw new TokenizerException("BPE vocabulary without merges: " + KEY_MERGES + " is missing");
                ids.bos = 11; ids.eos = 11; ids.unk = NULL; ids.sep = NULL; ids.pad = NULL; ids.mask = NULL;
            }
            case "no_vocab", "none" -> throw new TokenizerException("the model has no vocabulary (" + KEY_MODEL + " = '" + model + "')");
            case "t5", "rwkv", "plamo2", "gemma4", "hybriddna", "whitespace" ->
                throw new TokenizerException("unsupported tokenizer model (" + KEY_MODEL + "): '" + model + "'");
            default -> throw new TokenizerException("unknown tokenizer model (" + KEY_MODEL + "): '" + model + "'");
        }

        boolean addSpacePrefix;
        boolean cleanSpaces;
        boolean addBos = false;
        boolean addEos = false;
        boolean ignoreMerges = false;
        switch (type) {
            case BPE -> {
                PreTokenizer p = PreTokenizer.forName(pre);
                addSpacePrefix = false;
                cleanSpaces = p.cleanSpaces();
                ignoreMerges = p.ignoreMerges();
                if (p.addBos()) addBos = true;
                if (p.noBos()) ids.bos = NULL;
                if (p.addSep()) addSep = true;
            }
            case SPM -> {
                // the pre-tokenizer name is ignored for SentencePiece vocabularies, as in llama.cpp
                addSpacePrefix = true;
                cleanSpaces = false;
                addBos = true;
            }
            default -> { // WPM
                addSpacePrefix = false;
                cleanSpaces = true;
                addBos = true;
                addSep = true;
            }
        }
        addSpacePrefix = m.getBoolean("tokenizer.ggml.add_space_prefix", addSpacePrefix);

        if (!m.contains(KEY_TOKENS)) throw new TokenizerException("vocabulary is missing: " + KEY_TOKENS);
        String[] raw = stringArray(m, KEY_TOKENS);
        if (type == VocabType.BPE) stringArray(m, KEY_MERGES); // type check, as llama.cpp at load
        int n = raw.length;
        float[] scores = readScores(m, n);
        int[] rawTypes = readTypes(m, n);

        String[] texts = new String[n];
        int[] types = new int[n];
        int[] attrs = new int[n];
        Map<String, Integer> textToId = new HashMap<>(n * 4 / 3 + 16);
        int maxLen = 0;
        for (int i = 0; i < n; i++) {
            String word = raw[i];
            if (word.isEmpty()) word = "[EMPTY_" + i + "]"; // as llama.cpp
            Integer prev = textToId.putIfAbsent(word, i);
            if (prev != null) {
                throw new TokenizerException("duplicate token in vocabulary: '" + word + "' has ids " + prev + " and " + i);
            }
            maxLen = Math.max(maxLen, utf8Length(word));
            texts[i] = word;
            types[i] = rawTypes == null ? TokenAttr.TYPE_NORMAL : rawTypes[i];
            attrs[i] = rawTypes == null ? TokenAttr.NORMAL : TokenAttr.fromType(rawTypes[i]);
        }

        readSpecialIds(m, ids, n);

        addBos = m.getBoolean("tokenizer.ggml.add_bos_token", addBos);
        addEos = m.getBoolean("tokenizer.ggml.add_eos_token", addEos);
        addSep = m.getBoolean("tokenizer.ggml.add_sep_token", addSep);
        requireId(addBos, ids.bos, "tokenizer.ggml.add_bos_token", "tokenizer.ggml.bos_token_id");
        requireId(addEos, ids.eos, "tokenizer.ggml.add_eos_token", "tokenizer.ggml.eos_token_id");
        requireId(addSep, ids.sep, "tokenizer.ggml.add_sep_token", "tokenizer.ggml.seperator_token_id");

        // BERT normalizer: lowercase (default on) and strip accents (defaults to lowercase)
        boolean lowercase = m.getBoolean("tokenizer.ggml.normalizer.lowercase", true);
        boolean stripAccents = m.getBoolean("tokenizer.ggml.normalizer.strip_accents", lowercase);

        int[] eog = SpecialTokenRules.applyLoadTimeRules(texts, textToId, attrs, ids);
        int[] specials = specialTokensByLength(texts, attrs);
        SpecialTokenRules.applyNameBasedAttributes(m, pre, textToId, attrs, specials);

        Vocabulary.Flags flags = new Vocabulary.Flags(addBos, addEos, addSep, addSpacePrefix, cleanSpaces, ignoreMerges, lowercase, stripAccents);
        return new Vocabulary(type, pre, texts, scores, types, attrs, java.util.Collections.unmodifiableMap(textToId), ids.freeze(), flags, eog, specials, maxLen);
    }

    private static String string(GGUFMetadata m, String key, String fallback) {
        try {
            return m.getString(key, fallback);
        } catch (RuntimeException e) {
            throw new TokenizerException("invalid " + key + ": " + e.getMessage());
        }
    }

    /** A string-array value; a value of another type is a tokenizer error naming the key. */
    static String[] stringArray(GGUFMetadata m, String key) {
        try {
            return m.getStringArray(key);
        } catch (RuntimeException e) {
            throw new TokenizerException("invalid " + key + ": " + e.getMessage());
        }
    }

    private static float[] readScores(GGUFMetadata m, int n) {
        if (!m.contains(KEY_SCORES)) return new float[n];
        GGUFArray a;
        try {
            a = m.getArray(KEY_SCORES);
        } catch (RuntimeException e) {
            throw new TokenizerException("invalid " + KEY_SCORES + ": " + e.getMessage());
        }
        float[] scores;
        if (a.elementType() == GGUFValueType.FLOAT32) {
            scores = (float[]) a.values();
        } else if (a.elementType() == GGUFValueType.INT32) {
            int[] is = (int[]) a.values();
            scores = new float[is.length];
            for (int i = 0; i < is.length; i++) scores[i] = is[i];
        } else {
            throw new TokenizerException("invalid type for " + KEY_SCORES + ": " + a.elementType());
        }
        if (scores.length < n) throw new TokenizerException(KEY_SCORES + " has " + scores.length + " entries for " + n + " tokens");
        return scores;
    }

    private static int[] readTypes(GGUFMetadata m, int n) {
        if (!m.contains(KEY_TOKEN_TYPE)) return null;
        int[] t;
        try {
            t = m.getIntArray(KEY_TOKEN_TYPE);
        } catch (RuntimeException e) {
            throw new TokenizerException("invalid " + KEY_TOKEN_TYPE + ": " + e.getMessage());
        }
        if (t.length < n) throw new TokenizerException(KEY_TOKEN_TYPE + " has " + t.length + " entries for " + n + " tokens");
        return t;
    }

    /** Reads the special-token id keys; an id outside the vocabulary keeps the default, as llama.cpp. */
    private static void readSpecialIds(GGUFMetadata m, Ids ids, int n) {
        ids.bos = readId(m, "tokenizer.ggml.bos_token_id", ids.bos, n);
        ids.eos = readId(m, "tokenizer.ggml.eos_token_id", ids.eos, n);
        ids.eot = readId(m, "tokenizer.ggml.eot_token_id", ids.eot, n);
        ids.eom = readId(m, "tokenizer.ggml.eom_token_id", ids.eom, n);
        ids.unk = readId(m, "tokenizer.ggml.unknown_token_id", ids.unk, n);
        ids.sep = readId(m, "tokenizer.ggml.seperator_token_id", ids.sep, n); // sic: llama.cpp's spelling
        ids.pad = readId(m, "tokenizer.ggml.padding_token_id", ids.pad, n);
        ids.mask = readId(m, "tokenizer.ggml.mask_token_id", ids.mask, n);
        ids.fimPre = readId(m, "tokenizer.ggml.fim_pre_token_id", ids.fimPre, n);
        ids.fimSuf = readId(m, "tokenizer.ggml.fim_suf_token_id", ids.fimSuf, n);
        ids.fimMid = readId(m, "tokenizer.ggml.fim_mid_token_id", ids.fimMid, n);
        ids.fimPad = readId(m, "tokenizer.ggml.fim_pad_token_id", ids.fimPad, n);
        ids.fimRep = readId(m, "tokenizer.ggml.fim_rep_token_id", ids.fimRep, n);
        ids.fimSep = readId(m, "tokenizer.ggml.fim_sep_token_id", ids.fimSep, n);
        // deprecated names, read after the new ones as llama.cpp does
        ids.fimPre = readId(m, "tokenizer.ggml.prefix_token_id", ids.fimPre, n);
        ids.fimSuf = readId(m, "tokenizer.ggml.suffix_token_id", ids.fimSuf, n);
        ids.fimMid = readId(m, "tokenizer.ggml.middle_token_id", ids.fimMid, n);
    }

    private static int readId(GGUFMetadata m, String key, int current, int n) {
        int id = current >= n ? NULL : current; // a default outside the vocabulary is disabled
        if (!m.contains(key)) return id;
        long v;
        try {
            v = m.getLong(key);
        } catch (RuntimeException e) {
            throw new TokenizerException("invalid " + key + ": " + e.getMessage());
        }
        // llama.cpp reads the id as uint32: -1 and other out-of-range values keep the default
        return v >= 0 && v < n ? (int) v : id;
    }

    private static void requireId(boolean add, int id, String addKey, String idKey) {
        if (add && id == NULL) throw new TokenizerException(addKey + " is true, but " + idKey + " is not set");
    }

    /** Control, user-defined and unknown tokens, longest text (in bytes) first, ties by id. */
    private static int[] specialTokensByLength(String[] texts, int[] attrs) {
        List<Integer> list = new ArrayList<>();
        int mask = TokenAttr.CONTROL | TokenAttr.USER_DEFINED | TokenAttr.UNKNOWN;
        for (int i = 0; i < texts.length; i++) if ((attrs[i] & mask) != 0) list.add(i);
        int[] len = new int[texts.length];
        for (int id : list) len[id] = utf8Length(texts[id]);
        // llama.cpp uses std::sort (unstable) by length; equal lengths are ordered by id here
        list.sort(Comparator.<Integer>comparingInt(id -> -len[id]).thenComparingInt(id -> id));
        return list.stream().mapToInt(Integer::intValue).toArray();
    }

    static int utf8Length(String s) {
        int len = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) len += 1;
            else if (c < 0x800) len += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                len += 4;
                i++;
            } else len += 3;
        }
        return len;
    }
}
