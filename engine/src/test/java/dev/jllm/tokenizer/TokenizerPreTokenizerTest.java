package dev.jllm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The pre-tokenizer splits and the Unicode tables under them, on cases worked out by hand from
 * the regexes (and llama.cpp's hand-written versions of them).
 */
class TokenizerPreTokenizerTest {

    @Test
    void llama3Split() {
        PreTokenizer p = PreTokenizer.forName("llama-bpe");
        assertEquals(List.of("Hello", " ", " world", "\n\n", " ", "123", "456", " '", "S"), p.split("Hello  world\n\n 123456 'S"));
        assertEquals(List.of("'S", " don", "'t", "  ", "\t\u00E9t\u00E9"), p.split("'S don't  \t\u00E9t\u00E9"),
            "case-insensitive contractions; a tab is the optional non-letter before a word");
        assertEquals(List.of("\u00A0x", "?!\n", "a"), p.split("\u00A0x?!\na"), "NBSP is the optional non-letter before a word");
    }

    @Test
    void gpt2Split() {
        PreTokenizer p = PreTokenizer.forName("gpt-2");
        assertEquals(List.of("Hello", ",", " y", "'", "all", "!", "  ", " 123", " '", "S", "'s"), p.split("Hello, y'all!   123 'S's"),
            "GPT-2 contractions are case-sensitive: 'S is not one, 's is");
        assertEquals(List.of("a", "\n\n"), p.split("a\n\n"), "trailing whitespace stays together");
    }

    @Test
    void qwen2SplitUsesTheCollapsedRegex() {
        PreTokenizer p = PreTokenizer.forName("qwen2");
        assertEquals(List.of("Hello", ",", " y", "'all", "!", " ", "1", "2", "3", " ", "4", "5", "\n\n", " ", " x"),
            p.split("Hello, y'all! 123 45\n\n  x"));
        assertEquals(List.of("\u043F\u0440\u0438\u0432\u0435\u0442", " \u043C\u0438\u0440", " \u2026\u2026"), p.split("\u043F\u0440\u0438\u0432\u0435\u0442 \u043C\u0438\u0440 \u2026\u2026"));
    }

    @Test
    void starcoderSplitsEveryDigit() {
        assertEquals(List.of("x", "1", "2", " ", "3"), PreTokenizer.forName("starcoder").split("x12 3"));
    }

    /**
     * Cross-check of the two ways llama.cpp splits: its hand-written GPT-2 and Llama-3 scanners
     * against the same patterns run through the collapsed-regex path (which is what qwen2,
     * starcoder, deepseek and others use), on every test string and a few more.
     */
    @Test
    void handWrittenSplittersAgreeWithTheirRegexes() {
        List<String> texts = new java.util.ArrayList<>();
        for (TokenizerFixtures.Vector v : TokenizerFixtures.vectors(dev.jllm.testing.TestData.require("vocab/ggml-vocab-gpt-2.gguf"))) texts.add(v.text());
        texts.addAll(List.of("a\u00A0\u00A0b \u3000x\u2028y", "x  \n \r\n z", "it's IT'S 'LL 'll", "\u0661\u0662\u0663\u0664 \u00BD", "  \u0300a \uD83D\uDE00!!\n\n"));
        for (String regex : List.of(CustomSplits.GPT2_REGEX, CustomSplits.LLAMA3_REGEX)) {
            SplitRule custom = SplitRule.of(regex);
            SplitRule viaRegex = new SplitRule.CategoryRegex(regex);
            for (String text : texts) {
                SplitText st = new SplitText(UnicodeFlags.codePoints(text));
                OffsetList all = OffsetList.of(st.codePoints().length);
                assertEquals(java.util.Arrays.toString(custom.apply(st, all).toArray()), java.util.Arrays.toString(viaRegex.apply(st, all).toArray()),
                    regex + " on " + TokenizerFixtures.show(text));
            }
        }
    }

    @Test
    void collapsedRegexRewriting() {
        assertEquals("[^\\s\u00D2A-Za-z\u00D10-9]+", SplitRule.CategoryRegex.collapse("[^\\s\\p{L}\\p{N}]+"));
        assertEquals("[\u00D2A-Za-z]+[\u00D5\\$\\+<->^`\\|]", SplitRule.CategoryRegex.collapse("\\p{L}+\\p{S}"));
        assertThrows(IllegalArgumentException.class, () -> SplitRule.CategoryRegex.collapse("\\p{L}+|\u00E9"));
    }

    @Test
    void unicodeClassesAsLlamaCpp() {
        assertEquals(UnicodeFlags.LETTER, UnicodeFlags.flags('a'));
        assertEquals(UnicodeFlags.NUMBER, UnicodeFlags.flags('7'));
        assertEquals(UnicodeFlags.SYMBOL, UnicodeFlags.flags('~'));
        assertEquals(UnicodeFlags.SEPARATOR | UnicodeFlags.WHITESPACE, UnicodeFlags.flags(' '));
        assertEquals(UnicodeFlags.CONTROL | UnicodeFlags.WHITESPACE, UnicodeFlags.flags(0x85));
        assertEquals(UnicodeFlags.CONTROL, UnicodeFlags.flags(0x1C), "U+001C is not whitespace for llama.cpp");
        assertEquals(UnicodeFlags.SEPARATOR | UnicodeFlags.WHITESPACE, UnicodeFlags.flags(0x202F));
        assertEquals(UnicodeFlags.ACCENT_MARK, UnicodeFlags.flags(0x0301));
        assertEquals(UnicodeFlags.PUNCTUATION, UnicodeFlags.flags(0x3001));
        assertEquals(UnicodeFlags.UNDEFINED, UnicodeFlags.flags(0x1C89), "assigned in Unicode 16, unknown to llama.cpp's 15.1 tables");
        assertEquals(0x1C89, UnicodeFlags.toLower(0x1C89));
        assertEquals('i', UnicodeFlags.toLower(0x130));
        assertEquals('e', UnicodeFlags.nfdFirst(0xE9));
        assertEquals(0x1112, UnicodeFlags.nfdFirst(0xD55C), "a Hangul syllable keeps only its first jamo, as llama.cpp");
    }

    /**
     * The class tables are JDK's minus the code points Unicode 16.0 added: together they must be
     * exactly Unicode 15.1's 289,394 assigned code points. A JDK with a newer Unicode fails here;
     * extend {@code UnicodeFlags.ASSIGNED_AFTER_15_1} then.
     */
    @Test
    void classTablesAreUnicode15_1() {
        int assigned = 0;
        for (int cp = 0; cp <= UnicodeFlags.MAX_CODEPOINT; cp++) {
            if ((UnicodeFlags.flags(cp) & UnicodeFlags.UNDEFINED) == 0) assigned++;
        }
        assertEquals(289_394, assigned, "code points with a class (Unicode 15.1 has 289,394)");
    }

    @Test
    void gpt2ByteTable() {
        assertEquals('\u0120', ByteUnicode.encode(' '));
        assertEquals('\u010A', ByteUnicode.encode('\n'));
        assertEquals('!', ByteUnicode.encode('!'));
        assertEquals('\u0100', ByteUnicode.encode(0));
        for (int b = 0; b < 256; b++) assertEquals(b, ByteUnicode.decode(ByteUnicode.encode(b)));
        assertEquals(-1, ByteUnicode.decode(0x2581));
    }
}
