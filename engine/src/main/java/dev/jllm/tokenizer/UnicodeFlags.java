package dev.jllm.tokenizer;

import java.util.Arrays;

/**
 * Unicode character classes exactly as llama.cpp's tokenizer sees them.
 *
 * <p>llama.cpp does not ask the C library: it carries tables generated from the Unicode Character
 * Database (UCD) 15.1 — one general-category class per code point (letter, number, punctuation,
 * symbol, mark, separator, control, undefined), its own list of whitespace code points, simple
 * lowercase mappings and a "first code point of the NFD decomposition" map. This class rebuilds
 * the same answers from {@link Character} and {@link java.text.Normalizer}. JDK 25 implements
 * Unicode 16.0, whose only differences from 15.1 for these tables are the 5,185 code points that
 * 16.0 newly assigned (measured against ICU4J 74, which is Unicode 15.1: no existing character
 * changed class, lowercase or decomposition). Those code points are listed in
 * {@link #ASSIGNED_AFTER_15_1} and treated as llama.cpp treats them: undefined, no lowercase, no
 * decomposition.
 */
final class UnicodeFlags {
    private UnicodeFlags() {}

    // Class bits, same values as llama.cpp's unicode_cpt_flags so the code reads alike.
    static final int UNDEFINED = 0x0001;
    static final int NUMBER = 0x0002;       // \p{N}
    static final int LETTER = 0x0004;       // \p{L}
    static final int SEPARATOR = 0x0008;    // \p{Z}
    static final int ACCENT_MARK = 0x0010;  // \p{M}
    static final int PUNCTUATION = 0x0020;  // \p{P}
    static final int SYMBOL = 0x0040;       // \p{S}
    static final int CONTROL = 0x0080;      // \p{C}
    static final int CATEGORY_MASK = 0x00FF;
    static final int WHITESPACE = 0x0100;

    static final int MAX_CODEPOINT = 0x10FFFF;

    /** Code points assigned in Unicode 16.0 (inclusive ranges): unassigned for llama.cpp's 15.1 tables. */
    private static final int[] ASSIGNED_AFTER_15_1 = {
        0x897, 0x897, 0x1B4E, 0x1B4F, 0x1B7F, 0x1B7F, 0x1C89, 0x1C8A, 0x2427, 0x2429, 0x31E4, 0x31E5,
        0xA7CB, 0xA7CD, 0xA7DA, 0xA7DC, 0x105C0, 0x105F3, 0x10D40, 0x10D65, 0x10D69, 0x10D85,
        0x10D8E, 0x10D8F, 0x10EC2, 0x10EC4, 0x10EFC, 0x10EFC, 0x11380, 0x11389, 0x1138B, 0x1138B,
        0x1138E, 0x1138E, 0x11390, 0x113B5, 0x113B7, 0x113C0, 0x113C2, 0x113C2, 0x113C5, 0x113C5,
        0x113C7, 0x113CA, 0x113CC, 0x113D5, 0x113D7, 0x113D8, 0x113E1, 0x113E2, 0x116D0, 0x116E3,
        0x11BC0, 0x11BE1, 0x11BF0, 0x11BF9, 0x11F5A, 0x11F5A, 0x13460, 0x143FA, 0x16100, 0x16139,
        0x16D40, 0x16D79, 0x18CFF, 0x18CFF, 0x1CC00, 0x1CCF9, 0x1CD00, 0x1CEB3, 0x1E5D0, 0x1E5FA,
        0x1E5FF, 0x1E5FF, 0x1F8B2, 0x1F8BB, 0x1F8C0, 0x1F8C1, 0x1FA89, 0x1FA89, 0x1FA8F, 0x1FA8F,
        0x1FABE, 0x1FABE, 0x1FAC6, 0x1FAC6, 0x1FADC, 0x1FADC, 0x1FADF, 0x1FADF, 0x1FAE9, 0x1FAE9,
        0x1FBCB, 0x1FBEF,
    };

    /**
     * llama.cpp's whitespace set (the UCD White_Space property). Note that it differs from
     * {@link Character#isWhitespace}: U+0085, U+00A0, U+2007 and U+202F are in, U+001C–U+001F are out.
     */
    private static final int[] WHITESPACE_CODEPOINTS = {
        0x0009, 0x000A, 0x000B, 0x000C, 0x000D, 0x0020, 0x0085, 0x00A0, 0x1680,
        0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A,
        0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
    };

    /** Flags of the first 64K code points, computed once; the rest is computed on demand. */
    private static final short[] BMP = new short[0x10000];

    static {
        for (int cp = 0; cp < BMP.length; cp++) BMP[cp] = (short) compute(cp);
    }

    /** The class bits (one of the category bits, plus {@link #WHITESPACE}) of a code point. */
    static int flags(int cp) {
        if (cp >= 0 && cp < 0x10000) return BMP[cp];
        if (cp > MAX_CODEPOINT || cp < 0) return UNDEFINED;
        return compute(cp);
    }

    static boolean isLetter(int cp) { return (flags(cp) & LETTER) != 0; }
    static boolean isNumber(int cp) { return (flags(cp) & NUMBER) != 0; }
    static boolean isWhitespace(int cp) { return (flags(cp) & WHITESPACE) != 0; }

    /** Simple lowercase mapping, as llama.cpp's unicode_tolower. */
    static int toLower(int cp) {
        if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
        if (cp > MAX_CODEPOINT || isNewerThan151(cp)) return cp;
        return Character.toLowerCase(cp);
    }

    /**
     * The first code point of the canonical decomposition (NFD), as llama.cpp's
     * unicode_cpts_normalize_nfd: it keeps only that one code point, so "é" becomes "e" and a
     * Hangul syllable becomes its leading consonant jamo.
     */
    static int nfdFirst(int cp) {
        if (cp < 0xC0 || cp > MAX_CODEPOINT || isNewerThan151(cp)) return cp;
        if (cp >= 0xD800 && cp <= 0xDFFF) return cp;
        String s = Character.toString(cp);
        String d = java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFD);
        return d.codePointAt(0);
    }

    private static int compute(int cp) {
        int category = isNewerThan151(cp) ? UNDEFINED : category(Character.getType(cp));
        if (Arrays.binarySearch(WHITESPACE_CODEPOINTS, cp) >= 0) category |= WHITESPACE;
        return category;
    }

    private static boolean isNewerThan151(int cp) {
        if (cp < 0x897) return false;
        int[] r = ASSIGNED_AFTER_15_1;
        int lo = 0, hi = r.length / 2 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (cp < r[2 * mid]) hi = mid - 1;
            else if (cp > r[2 * mid + 1]) lo = mid + 1;
            else return true;
        }
        return false;
    }

    private static int category(int javaType) {
        return switch (javaType) {
            case Character.UNASSIGNED -> UNDEFINED;
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE -> CONTROL;
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> ACCENT_MARK;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            case Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                 Character.CONNECTOR_PUNCTUATION, Character.OTHER_PUNCTUATION,
                 Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> SYMBOL;
            default -> UNDEFINED;
        };
    }

    /** The code points of a string (Java strings are UTF-16; llama.cpp works on code points). */
    static int[] codePoints(String s) {
        return s.codePoints().toArray();
    }
}
