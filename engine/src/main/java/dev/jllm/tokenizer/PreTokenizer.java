package dev.jllm.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A byte-level BPE vocabulary's pre-tokenizer, chosen by {@code tokenizer.ggml.pre}: the list of
 * split rules llama.cpp applies for that pre-type, plus the flags llama.cpp sets with it.
 *
 * @param name         the canonical llama.cpp pre-type this name maps to
 * @param rules        split rules, applied in order
 * @param cleanSpaces  detokenizer removes spaces before punctuation (llama.cpp's clean_spaces)
 * @param ignoreMerges a word that is a token as a whole is emitted without merging
 * @param addBos       default for add_bos before {@code tokenizer.ggml.add_bos_token} is read
 * @param noBos        the pre-type clears the default BOS id (ChatGLM)
 * @param addSep       default for add_sep
 */
record PreTokenizer(String name, List<SplitRule> rules, boolean cleanSpaces, boolean ignoreMerges,
                    boolean addBos, boolean noBos, boolean addSep) {

    /** Splits a text fragment into the words BPE merges within (not yet byte-encoded). */
    List<String> split(String text) {
        int[] cpts = UnicodeFlags.codePoints(text);
        SplitText st = new SplitText(cpts);
        OffsetList offsets = OffsetList.of(cpts.length);
        for (SplitRule rule : rules) offsets = rule.apply(st, offsets);
        List<String> words = new ArrayList<>(offsets.size());
        int start = 0;
        for (int k = 0; k < offsets.size(); k++) {
            int len = offsets.get(k);
            words.add(new String(cpts, start, len));
            start += len;
        }
        return words;
    }

    // ---- the regexes, as llama.cpp lists them per pre-type --------------------------------

    private static final String QWEN2 =
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN35 =
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String TEKKEN =
        "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String GPT4O =
        "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String BAILINGMOE =
        "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";
    private static final String SEED_CODER =
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    // DeepSeek V3: contains literal CR/LF characters inside classes, as llama.cpp's source does.
    private static final String DEEPSEEK3_MAIN =
        "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";

    // Literal (non-category) regexes, written in Java syntax with escapes for non-ASCII text.
    private static final String NEWLINE = "[\r\n]";
    private static final String THREE_DIGITS = "[0-9][0-9][0-9]";
    /** CJK runs of the DeepSeek tokenizers: 一-龥, ࠀ-一 (sic, U+0800–U+4E00) and 가-퟿. */
    private static final String DEEPSEEK_CJK = "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+";
    /** DeepSeek LLM's letter class: the cased letters (Lu, Ll, Lt) spelled out as ranges. */
    private static final String DEEPSEEK_LLM_LETTERS = "\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF"
        + "\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C"
        + "\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5"
        + "\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15"
        + "\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4"
        + "\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4"
        + "\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D"
        + "\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4"
        + "\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E"
        + "\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A"
        + "\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}"
        + "\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}]+";
    /** DeepSeek LLM's punctuation class: ASCII and full-width punctuation, quotes, 　-。. */
    private static final String DEEPSEEK_LLM_PUNCT = "\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+";
    /** {@code \s+$}: C++'s {@code $} is the end of the segment, Java's would also match before a final newline. */
    private static final String TRAILING_SPACE = "\\s+\\z";
    private static final String DEEPSEEK3_CJK = "[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+";
    private static final String PORO = " ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+";

    private static SplitRule re(String llamaRegex) {
        return SplitRule.of(llamaRegex);
    }

    private static SplitRule lit(String javaRegex) {
        return new SplitRule.LiteralRegex(javaRegex);
    }

    private static final Supplier<List<SplitRule>> DEFAULT = () -> List.of(
        re("[\\p{P}\\$\\+<=>\\^~\\|]+"), re(CustomSplits.GPT2_REGEX), re("\\p{N}+"), lit(THREE_DIGITS));
    private static final Supplier<List<SplitRule>> LLAMA3 = () -> List.of(re(CustomSplits.LLAMA3_REGEX));
    private static final Supplier<List<SplitRule>> GPT2 = () -> List.of(re(CustomSplits.GPT2_REGEX));
    private static final Supplier<List<SplitRule>> STARCODER = () -> List.of(re("\\p{N}"), re(CustomSplits.GPT2_REGEX));
    private static final Supplier<List<SplitRule>> FALCON = () -> List.of(
        re("[\\p{P}\\$\\+<=>\\^~\\|`]+"), re(CustomSplits.GPT2_REGEX), lit(THREE_DIGITS));
    private static final Supplier<List<SplitRule>> DEEPSEEK_LLM = () -> List.of(
        lit(NEWLINE), lit(DEEPSEEK_LLM_LETTERS), lit(DEEPSEEK_LLM_PUNCT), lit(TRAILING_SPACE), lit(DEEPSEEK_CJK), re("\\p{N}+"));
    private static final Supplier<List<SplitRule>> DEEPSEEK_CODER = () -> List.of(
        lit(NEWLINE), re("\\s?\\p{L}+"), re("\\s?\\p{P}+"), lit(DEEPSEEK_CJK), re("\\p{N}"));
    private static final Supplier<List<SplitRule>> DEEPSEEK3 = () -> List.of(
        re("\\p{N}{1,3}"), lit(DEEPSEEK3_CJK), re(DEEPSEEK3_MAIN));
    private static final Supplier<List<SplitRule>> QWEN2_RULES = () -> List.of(re(QWEN2));
    private static final Supplier<List<SplitRule>> QWEN35_RULES = () -> List.of(re(QWEN35));
    private static final Supplier<List<SplitRule>> PORO_RULES = () -> List.of(lit(PORO));
    private static final Supplier<List<SplitRule>> VIKING = () -> List.of(lit(PORO), re("\\p{N}"));
    private static final Supplier<List<SplitRule>> TEKKEN_RULES = () -> List.of(re(TEKKEN));
    private static final Supplier<List<SplitRule>> GPT4O_RULES = () -> List.of(re(GPT4O));
    private static final Supplier<List<SplitRule>> BAILINGMOE_RULES = () -> List.of(re(BAILINGMOE));
    private static final Supplier<List<SplitRule>> SEED_CODER_RULES = () -> List.of(re(SEED_CODER));
    private static final Supplier<List<SplitRule>> CHAMELEON = () -> List.of(
        lit("<sentinel:[0-9]+>"), lit("(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z"), lit("([\\t\\n]|    |  )"),
        re("\\p{N}"), re("[\\p{P}!-/:-@\\[-`{-~]"), re(CustomSplits.GPT2_REGEX));

    /** How a pre-type name is handled: rules and flags. */
    private record Kind(String canonical, Supplier<List<SplitRule>> rules, boolean cleanSpaces, boolean ignoreMerges,
                        boolean addBos, boolean noBos, boolean addSep) {
        static Kind of(String canonical, Supplier<List<SplitRule>> rules, boolean cleanSpaces) {
            return new Kind(canonical, rules, cleanSpaces, false, false, false, false);
        }
    }

    // Names and flags as in llama.cpp's llama_vocab::impl::load (clean_spaces defaults to true for BPE).
    private static final Map<String, Kind> KINDS = buildKinds();

    private static Map<String, Kind> buildKinds() {
        Map<String, Kind> m = new java.util.HashMap<>();
        m.put("default", Kind.of("default", DEFAULT, true));
        Kind llama3 = new Kind("llama3", LLAMA3, true, true, true, false, false);
        for (String n : List.of("llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano")) m.put(n, llama3);
        m.put("deepseek-llm", Kind.of("deepseek-llm", DEEPSEEK_LLM, false));
        m.put("deepseek-coder", Kind.of("deepseek-coder", DEEPSEEK_CODER, false));
        m.put("deepseek-v3", Kind.of("deepseek-v3", DEEPSEEK3, false));
        for (String n : List.of("hunyuan-dense", "hy_v4", "joyai-llm")) m.put(n, Kind.of("deepseek-v3", DEEPSEEK3, false));
        m.put("falcon", Kind.of("falcon", FALCON, true));
        m.put("mpt", Kind.of("mpt", GPT2, true));
        m.put("starcoder", Kind.of("starcoder", STARCODER, true));
        for (String n : List.of("gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "modern-bert", "exaone4")) {
            m.put(n, Kind.of("gpt-2", GPT2, true));
        }
        for (String n : List.of("jina-v1-en", "jina-v2-code", "roberta-bpe")) m.put(n, new Kind("gpt-2", GPT2, true, false, false, false, true));
        m.put("refact", Kind.of("refact", STARCODER, true));
        m.put("command-r", Kind.of("command-r", STARCODER, false));
        for (String n : List.of("qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2")) m.put(n, Kind.of("qwen2", QWEN2_RULES, false));
        m.put("megrez", Kind.of("qwen2", QWEN2_RULES, true));
        m.put("qwen35", Kind.of("qwen35", QWEN35_RULES, false));
        m.put("stablelm2", Kind.of("stablelm2", QWEN2_RULES, true));
        m.put("hunyuan", Kind.of("hunyuan", QWEN2_RULES, false));
        m.put("solar-open", Kind.of("solar-open", QWEN2_RULES, false));
        m.put("grok-2", Kind.of("grok-2", QWEN2_RULES, false));
        m.put("olmo", Kind.of("olmo", GPT2, true));
        m.put("jais", Kind.of("jais", GPT2, true));
        m.put("trillion", Kind.of("trillion", GPT2, false));
        m.put("granite-docling", Kind.of("granite-docling", GPT2, false));
        m.put("dbrx", Kind.of("dbrx", LLAMA3, true));
        m.put("smaug-bpe", Kind.of("smaug-bpe", LLAMA3, true));
        m.put("poro-chat", Kind.of("poro-chat", PORO_RULES, false));
        m.put("bloom", Kind.of("bloom", PORO_RULES, true));
        m.put("gpt3-finnish", Kind.of("gpt3-finnish", PORO_RULES, true));
        m.put("viking", Kind.of("viking", VIKING, false));
        Kind chatglm = new Kind("chatglm4", LLAMA3, true, false, false, true, false);
        m.put("glm4", chatglm);
        m.put("chatglm-bpe", chatglm);
        m.put("tekken", new Kind("tekken", TEKKEN_RULES, false, true, true, false, false));
        m.put("smollm", Kind.of("smollm", STARCODER, false));
        m.put("codeshell", Kind.of("codeshell", STARCODER, true));
        m.put("exaone", Kind.of("exaone", STARCODER, true));
        m.put("minerva-7b", Kind.of("minerva-7b", STARCODER, true));
        m.put("mellum2", Kind.of("mellum2", STARCODER, true));
        m.put("chameleon", new Kind("chameleon", CHAMELEON, false, false, true, false, false));
        for (String n : List.of("gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2")) m.put(n, Kind.of("gpt-4o", GPT4O_RULES, false));
        for (String n : List.of("bailingmoe", "bailingmoe2", "llada-moe")) m.put(n, Kind.of("bailingmoe", BAILINGMOE_RULES, false));
        m.put("seed-coder", Kind.of("seed-coder", SEED_CODER_RULES, false));
        return Map.copyOf(m);
    }

    /**
     * The pre-tokenizer for a {@code tokenizer.ggml.pre} value; a missing value means "default"
     * (llama.cpp warns that quality will suffer, but accepts it).
     *
     * @throws TokenizerException for a name jllm does not know
     */
    static PreTokenizer forName(String pre) {
        String key = pre == null || pre.isEmpty() ? "default" : pre;
        Kind k = KINDS.get(key);
        if (k == null) {
            throw new TokenizerException("unknown pre-tokenizer type (tokenizer.ggml.pre): '" + pre + "'");
        }
        return new PreTokenizer(k.canonical(), k.rules().get(), k.cleanSpaces(), k.ignoreMerges(), k.addBos(), k.noBos(), k.addSep());
    }
}
