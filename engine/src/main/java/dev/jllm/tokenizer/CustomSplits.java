package dev.jllm.tokenizer;

/**
 * llama.cpp's hand-written replacements for the two most common pre-tokenizer regexes.
 *
 * <p>llama.cpp does not run the GPT-2 and Llama-3 regexes through a regex engine: it recognises
 * the exact pattern strings and runs a hand-written scanner instead. The scanners are not exactly
 * the regexes (for example the Llama-3 punctuation branch tests the flags of the current code
 * point, not those of the one after the optional space), so they are reproduced here branch by
 * branch. Both work on code points and on one segment at a time: a segment is a span produced by
 * an earlier split rule, and nothing outside it is visible (a position outside reads as "no
 * code point, no flags").
 */
final class CustomSplits {
    private CustomSplits() {}

    /** The GPT-2 pattern llama.cpp replaces by {@link #gpt2}. */
    static final String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";

    /** The Llama-3 patterns (original and llama.cpp's case-expanded form) replaced by {@link #llama3}. */
    static final String LLAMA3_REGEX_ORIGINAL =
        "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String LLAMA3_REGEX =
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final int OUT_OF_RANGE = -1;

    /** A view of one segment: code points and flags, empty outside the segment. */
    private static final class Segment {
        final int[] cpts;
        final int begin;
        final int end;
        final OffsetList out;
        int prevEnd;

        Segment(int[] cpts, int begin, int end, OffsetList out) {
            this.cpts = cpts;
            this.begin = begin;
            this.end = end;
            this.out = out;
            this.prevEnd = begin;
        }

        int cpt(int pos) {
            return pos >= begin && pos < end ? cpts[pos] : OUT_OF_RANGE;
        }

        /** Flags of the code point at pos, 0 outside the segment (every real code point has a non-zero class). */
        int flags(int pos) {
            return pos >= begin && pos < end ? UnicodeFlags.flags(cpts[pos]) : 0;
        }

        /** Ends the current word at {@code end}; returns its length (0 words are not emitted). */
        int addToken(int endPos) {
            int len = endPos - prevEnd;
            if (len > 0) out.add(len);
            prevEnd = endPos;
            return len;
        }
    }

    private static boolean isLetter(int f) { return (f & UnicodeFlags.LETTER) != 0; }
    private static boolean isNumber(int f) { return (f & UnicodeFlags.NUMBER) != 0; }
    private static boolean isSpace(int f) { return (f & UnicodeFlags.WHITESPACE) != 0; }
    private static boolean isWordLike(int f) { return (f & (UnicodeFlags.WHITESPACE | UnicodeFlags.LETTER | UnicodeFlags.NUMBER)) != 0; }

    /** GPT-2: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}. */
    static OffsetList gpt2(int[] cpts, OffsetList offsets) {
        OffsetList out = new OffsetList(offsets.size() * 2);
        int start = 0;
        for (int k = 0; k < offsets.size(); k++) {
            Segment s = new Segment(cpts, start, start + offsets.get(k), out);
            start += offsets.get(k);
            int pos = s.begin;
            while (pos < s.end) {
                int cpt = s.cpt(pos);
                int flags = s.flags(pos);

                // 's|'t|'re|'ve|'m|'ll|'d (case-sensitive for GPT-2)
                if (cpt == '\'' && pos + 1 < s.end) {
                    int next = s.cpt(pos + 1);
                    if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                        pos += s.addToken(pos + 2);
                        continue;
                    }
                    if (pos + 2 < s.end) {
                        int next2 = s.cpt(pos + 2);
                        if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l')) {
                            pos += s.addToken(pos + 3);
                            continue;
                        }
                    }
                }

                int flags2 = cpt == ' ' ? s.flags(pos + 1) : flags;
                // <space>?\p{L}+
                if (isLetter(flags2)) {
                    if (cpt == ' ') pos++;
                    while (isLetter(flags2)) flags2 = s.flags(++pos);
                    s.addToken(pos);
                    continue;
                }
                // <space>?\p{N}+
                if (isNumber(flags2)) {
                    if (cpt == ' ') pos++;
                    while (isNumber(flags2)) flags2 = s.flags(++pos);
                    s.addToken(pos);
                    continue;
                }
                // <space>?[^\s\p{L}\p{N}]+
                if (!isWordLike(flags2) && flags2 != 0) {
                    if (cpt == ' ') pos++;
                    while (!isWordLike(flags2) && flags2 != 0) flags2 = s.flags(++pos);
                    s.addToken(pos);
                    continue;
                }

                int numWhitespaces = 0;
                while (isSpace(s.flags(pos + numWhitespaces))) numWhitespaces++;

                // \s+(?!\S): leave the last whitespace to the word that follows
                if (numWhitespaces > 1 && s.cpt(pos + numWhitespaces) != OUT_OF_RANGE) {
                    pos += numWhitespaces - 1;
                    s.addToken(pos);
                    continue;
                }
                // \s+
                if (numWhitespaces > 0) {
                    pos += numWhitespaces;
                    s.addToken(pos);
                    continue;
                }
                // no match
                s.addToken(++pos);
            }
        }
        return out;
    }

    /**
     * Llama 3: {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
     * ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}.
     */
    static OffsetList llama3(int[] cpts, OffsetList offsets) {
        OffsetList out = new OffsetList(offsets.size() * 2);
        int start = 0;
        for (int k = 0; k < offsets.size(); k++) {
            Segment s = new Segment(cpts, start, start + offsets.get(k), out);
            start += offsets.get(k);
            int pos = s.begin;
            while (pos < s.end) {
                int cpt = s.cpt(pos);
                int flags = s.flags(pos);

                // (?i:'s|'t|'re|'ve|'m|'ll|'d)
                if (cpt == '\'' && pos + 1 < s.end) {
                    int next = lower(s.cpt(pos + 1));
                    if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                        pos += s.addToken(pos + 2);
                        continue;
                    }
                    if (pos + 2 < s.end) {
                        int next2 = lower(s.cpt(pos + 2));
                        if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l')) {
                            pos += s.addToken(pos + 3);
                            continue;
                        }
                    }
                }

                // [^\r\n\p{L}\p{N}]?\p{L}+
                if (!(cpt == '\r' || cpt == '\n' || isNumber(flags))) {
                    if (isLetter(flags) || isLetter(s.flags(pos + 1))) {
                        pos++;
                        while (isLetter(s.flags(pos))) pos++;
                        s.addToken(pos);
                        continue;
                    }
                }

                // \p{N}{1,3}
                if (isNumber(flags)) {
                    int ini = pos;
                    while (isNumber(s.flags(pos))) {
                        if (++pos - ini >= 3) {
                            s.addToken(pos);
                            ini = pos;
                        }
                    }
                    s.addToken(pos);
                    continue;
                }

                // <space>?[^\s\p{L}\p{N}]+[\r\n]*  — llama.cpp tests the current code point's
                // flags (not flags2) for "in range", reproduced as is.
                int flags2 = cpt == ' ' ? s.flags(pos + 1) : flags;
                if (!isWordLike(flags2) && flags != 0) {
                    if (cpt == ' ') pos++;
                    while (!isWordLike(flags2) && flags2 != 0) flags2 = s.flags(++pos);
                    int cpt2 = s.cpt(pos);
                    while (cpt2 == '\r' || cpt2 == '\n') cpt2 = s.cpt(++pos);
                    s.addToken(pos);
                    continue;
                }

                int numWhitespaces = 0;
                int lastEndROrN = 0;
                while (isSpace(s.flags(pos + numWhitespaces))) {
                    int cpt2 = s.cpt(pos + numWhitespaces);
                    if (cpt2 == '\r' || cpt2 == '\n') lastEndROrN = pos + numWhitespaces + 1;
                    numWhitespaces++;
                }

                // \s*[\r\n]+
                if (lastEndROrN > 0) {
                    pos = lastEndROrN;
                    s.addToken(pos);
                    continue;
                }
                // \s+(?!\S)
                if (numWhitespaces > 1 && s.cpt(pos + numWhitespaces) != OUT_OF_RANGE) {
                    pos += numWhitespaces - 1;
                    s.addToken(pos);
                    continue;
                }
                // \s+
                if (numWhitespaces > 0) {
                    pos += numWhitespaces;
                    s.addToken(pos);
                    continue;
                }
                // no match
                s.addToken(++pos);
            }
        }
        return out;
    }

    private static int lower(int cpt) {
        return cpt == OUT_OF_RANGE ? cpt : UnicodeFlags.toLower(cpt);
    }
}
