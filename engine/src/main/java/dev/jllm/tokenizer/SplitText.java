package dev.jllm.tokenizer;

/**
 * The text being pre-tokenized, in the three forms the split rules need: its code points, the
 * "collapsed" string (one char per code point: ASCII kept, anything else replaced by a stand-in
 * for its category) and the "wide" string (the text with non-ASCII whitespace replaced by
 * U+000B). The two strings are built on first use.
 */
final class SplitText {
    // Stand-ins, as llama.cpp: 0xD1 number, 0xD2 letter, 0xD3 punctuation, 0xD4 mark, 0xD5 symbol,
    // 0xD0 anything else (control, separator that is not whitespace, undefined).
    private static final char OTHER = '\u00D0';
    private static final char WHITESPACE = '\u000B';

    private final int[] cpts;
    private String collapsed;
    private String wide;
    private int[] charIndex;

    SplitText(int[] cpts) {
        this.cpts = cpts;
    }

    int[] codePoints() {
        return cpts;
    }

    String collapsed() {
        if (collapsed == null) {
            char[] c = new char[cpts.length];
            for (int i = 0; i < cpts.length; i++) c[i] = collapse(cpts[i]);
            collapsed = new String(c);
        }
        return collapsed;
    }

    private static char collapse(int cp) {
        if (cp < 128) return (char) cp;
        int f = UnicodeFlags.flags(cp);
        if ((f & UnicodeFlags.WHITESPACE) != 0) return WHITESPACE;
        return switch (f & UnicodeFlags.CATEGORY_MASK) {
            case UnicodeFlags.NUMBER -> '\u00D1';
            case UnicodeFlags.LETTER -> '\u00D2';
            case UnicodeFlags.PUNCTUATION -> '\u00D3';
            case UnicodeFlags.ACCENT_MARK -> '\u00D4';
            case UnicodeFlags.SYMBOL -> '\u00D5';
            default -> OTHER;
        };
    }

    String wide() {
        if (wide == null) {
            StringBuilder sb = new StringBuilder(cpts.length);
            charIndex = new int[cpts.length + 1];
            for (int i = 0; i < cpts.length; i++) {
                charIndex[i] = sb.length();
                int cp = cpts[i];
                if (cp > 0x7F && UnicodeFlags.isWhitespace(cp)) sb.append(WHITESPACE);
                else sb.appendCodePoint(cp);
            }
            charIndex[cpts.length] = sb.length();
            wide = sb.toString();
        }
        return wide;
    }

    /** The char position in {@link #wide()} of a code point position. */
    int charIndex(int cpIndex) {
        wide();
        return charIndex[cpIndex];
    }
}
