package dev.jllm.tokenizer;

import java.util.Arrays;
import java.util.Map;

import dev.jllm.gguf.GGUFMetadata;

/**
 * A model's vocabulary as llama.cpp loads it: token texts, scores and attributes, the special
 * token ids, the tokenizer flags, and the derived facts (end-of-generation set, special-token
 * list used to parse special tokens in text). Immutable; build one with {@link #fromMetadata}.
 *
 * <p>Token ids that are not set are {@link #NULL} (-1), as llama.cpp's LLAMA_TOKEN_NULL.
 */
public final class Vocabulary {
    /** "No token", as llama.cpp's LLAMA_TOKEN_NULL. */
    public static final int NULL = -1;

    /** Special token ids of a vocabulary. {@link #NULL} where not set. */
    public record SpecialIds(int bos, int eos, int eot, int eom, int unk, int sep, int pad, int mask,
                             int fimPre, int fimSuf, int fimMid, int fimPad, int fimRep, int fimSep) {}

    /** Flags that steer tokenization and detokenization. */
    public record Flags(boolean addBos, boolean addEos, boolean addSep, boolean addSpacePrefix,
                        boolean cleanSpaces, boolean ignoreMerges, boolean lowercase, boolean stripAccents) {}

    private final VocabType type;
    private final String preName;
    private final String[] texts;
    private final float[] scores;
    private final int[] types;
    private final int[] attrs;
    private final Map<String, Integer> ids;
    private final SpecialIds special;
    private final Flags flags;
    private final int[] eogIds;
    private final int[] specialTokensByLength;
    private final int maxTokenLength;
    private final int[] byteTokens = new int[256];

    Vocabulary(VocabType type, String preName, String[] texts, float[] scores, int[] types, int[] attrs,
               Map<String, Integer> ids, SpecialIds special, Flags flags, int[] eogIds,
               int[] specialTokensByLength, int maxTokenLength) {
        this.type = type;
        this.preName = preName;
        this.texts = texts;
        this.scores = scores;
        this.types = types;
        this.attrs = attrs;
        this.ids = ids;
        this.special = special;
        this.flags = flags;
        this.eogIds = eogIds;
        this.specialTokensByLength = specialTokensByLength;
        this.maxTokenLength = maxTokenLength;
        for (int b = 0; b < 256; b++) {
            // llama.cpp's byte_to_token for SPM: "<0xXX>", else the one-byte text
            int id = id(String.format("<0x%02X>", b));
            if (id == NULL && b < 0x80) id = id(String.valueOf((char) b));
            byteTokens[b] = id;
        }
    }

    /**
     * Reads the {@code tokenizer.ggml.*} metadata with llama.cpp's defaults and load-time rules.
     *
     * @throws TokenizerException if the tokenizer model or pre-tokenizer is unknown or the
     *                            vocabulary metadata is missing or inconsistent
     */
    public static Vocabulary fromMetadata(GGUFMetadata metadata) {
        return VocabularyLoader.load(metadata);
    }

    public VocabType type() { return type; }
    /** {@code tokenizer.ggml.pre} as given (empty when absent). */
    public String preTokenizerName() { return preName; }
    public int size() { return texts.length; }

    /** The token's text as stored in the vocabulary (e.g. {@code ▁the}, {@code Ġthe}, {@code <0x0A>}). */
    public String text(int id) { return texts[id]; }
    public float score(int id) { return scores[id]; }
    /** The GGUF token type (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte). */
    public int tokenType(int id) { return types[id]; }
    /** The attribute bits ({@link TokenAttr}) after llama.cpp's load-time adjustments. */
    public int attributes(int id) { return attrs[id]; }

    public boolean isNormal(int id) { return (attrs[id] & TokenAttr.NORMAL) != 0; }
    public boolean isUnknown(int id) { return (attrs[id] & TokenAttr.UNKNOWN) != 0; }
    public boolean isControl(int id) { return (attrs[id] & TokenAttr.CONTROL) != 0; }
    public boolean isByte(int id) { return (attrs[id] & TokenAttr.BYTE) != 0; }
    public boolean isUserDefined(int id) { return (attrs[id] & TokenAttr.USER_DEFINED) != 0; }
    public boolean isUnused(int id) { return (attrs[id] & TokenAttr.UNUSED) != 0; }

    /** True for tokens that end generation (EOS, EOT, and the end-of-turn tokens llama.cpp recognises). */
    public boolean isEndOfGeneration(int id) {
        return id != NULL && Arrays.binarySearch(eogIds, id) >= 0;
    }

    /** The end-of-generation token ids, ascending. */
    public int[] endOfGenerationIds() { return eogIds.clone(); }

    /** The id of the token with exactly this text, or {@link #NULL}. */
    public int id(String text) {
        Integer id = ids.get(text);
        return id == null ? NULL : id;
    }

    public SpecialIds specialIds() { return special; }
    public int bos() { return special.bos(); }
    public int eos() { return special.eos(); }
    public int eot() { return special.eot(); }
    public int unk() { return special.unk(); }
    public int sep() { return special.sep(); }
    public int pad() { return special.pad(); }

    public Flags flags() { return flags; }
    public boolean addBos() { return flags.addBos(); }
    public boolean addEos() { return flags.addEos(); }
    public boolean addSpacePrefix() { return flags.addSpacePrefix(); }

    /** Longest token text in UTF-8 bytes. */
    int maxTokenLength() { return maxTokenLength; }

    /** Control, user-defined and unknown tokens, longest text first: what special-token parsing looks for. */
    int[] specialTokensByLength() { return specialTokensByLength; }

    /** The token for a raw byte in an SPM vocabulary ({@code <0xXX>}, else the one-byte text), or {@link #NULL}. */
    int spmByteToken(int b) {
        return byteTokens[b & 0xFF];
    }
}
