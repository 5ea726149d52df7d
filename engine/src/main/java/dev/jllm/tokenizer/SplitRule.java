package dev.jllm.tokenizer;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One step of llama.cpp's pre-tokenizer (unicode_regex_split): it cuts every current segment of
 * the text further. The matches of a regex and the gaps between them all become segments, so a
 * list of rules refines the segmentation step by step.
 *
 * <p>llama.cpp runs a regex in one of three ways, reproduced by the three kinds of rule:
 * <ul>
 * <li>the GPT-2 and Llama-3 patterns are recognised by their exact text and replaced by
 *     hand-written scanners ({@link CustomSplits});</li>
 * <li>a regex using Unicode categories ({@code \p{L}}, {@code \p{N}}, …) runs on a "collapsed"
 *     text in which every non-ASCII code point is replaced by one stand-in character per category
 *     (non-ASCII whitespace by U+000B), and every {@code \p{X}} by a class of that stand-in plus
 *     the ASCII members of the category ({@link CategoryRegex});</li>
 * <li>any other regex runs on the real code points, with non-ASCII whitespace replaced by U+000B
 *     because C++'s {@code \s} only knows ASCII whitespace ({@link LiteralRegex}).</li>
 * </ul>
 * Java's regex engine has the same leftmost-first backtracking semantics as C++'s ECMAScript
 * engine for the constructs these patterns use; {@code \s} is the same ASCII set in both.
 */
sealed interface SplitRule {

    /** Splits every segment of {@code offsets} (lengths in code points) of the text further. */
    OffsetList apply(SplitText text, OffsetList offsets);

    /** The rule llama.cpp would use for this regex string. */
    static SplitRule of(String llamaRegex) {
        if (llamaRegex.equals(CustomSplits.GPT2_REGEX)) return new Gpt2();
        if (llamaRegex.equals(CustomSplits.LLAMA3_REGEX) || llamaRegex.equals(CustomSplits.LLAMA3_REGEX_ORIGINAL)) return new Llama3();
        if (CategoryRegex.usesCategories(llamaRegex)) return new CategoryRegex(llamaRegex);
        throw new IllegalArgumentException("not a category regex; use LiteralRegex with a Java pattern: " + llamaRegex);
    }

    record Gpt2() implements SplitRule {
        @Override
        public OffsetList apply(SplitText text, OffsetList offsets) {
            return CustomSplits.gpt2(text.codePoints(), offsets);
        }
    }

    record Llama3() implements SplitRule {
        @Override
        public OffsetList apply(SplitText text, OffsetList offsets) {
            return CustomSplits.llama3(text.codePoints(), offsets);
        }
    }

    /** A regex over Unicode categories, run on the collapsed text (one stand-in char per code point). */
    final class CategoryRegex implements SplitRule {
        // The category spellings llama.cpp recognises, each with its stand-in character and the
        // ASCII members of that category as llama.cpp lists them. Note the quirks kept from
        // there: '~' is in neither \p{P} nor \p{S}, and \p{Lu} etc. all mean "any letter".
        private static final List<String[]> CATEGORIES = List.of(
            new String[]{"\\p{N}", "\u00D1", "0-9"},
            new String[]{"\\p{L}", "\u00D2", "A-Za-z"},
            new String[]{"\\p{P}", "\u00D3", "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"},
            new String[]{"\\p{M}", "\u00D4", ""},
            new String[]{"\\p{S}", "\u00D5", "\\$\\+<->^`\\|"},
            new String[]{"\\p{Lu}", "\u00D2", "A-Za-z"},
            new String[]{"\\p{Ll}", "\u00D2", "A-Za-z"},
            new String[]{"\\p{Lt}", "\u00D2", "A-Za-z"},
            new String[]{"\\p{Lm}", "\u00D2", "A-Za-z"},
            new String[]{"\\p{Lo}", "\u00D2", "A-Za-z"});

        private final String source;
        private final Pattern pattern;

        CategoryRegex(String llamaRegex) {
            this.source = llamaRegex;
            this.pattern = Pattern.compile(collapse(llamaRegex));
        }

        static boolean usesCategories(String regex) {
            for (String[] c : CATEGORIES) if (regex.contains(c[0])) return true;
            return false;
        }

        /** Rewrites {@code \p{X}} into classes over the collapsed alphabet, as llama.cpp does. */
        static String collapse(String regex) {
            for (int i = 0; i < regex.length(); i++) {
                if (regex.charAt(i) >= 128) {
                    // llama.cpp rejects these too ("both unicode categories and non-ASCII characters")
                    throw new IllegalArgumentException("regex mixes Unicode categories and non-ASCII characters: " + regex);
                }
            }
            StringBuilder out = new StringBuilder();
            boolean inside = false;
            for (int i = 0; i < regex.length(); i++) {
                char c = regex.charAt(i);
                if (c == '[' && (i == 0 || regex.charAt(i - 1) != '\\')) {
                    out.append('[');
                    inside = true;
                    continue;
                }
                if (inside && c == ']' && regex.charAt(i - 1) != '\\') {
                    out.append(']');
                    inside = false;
                    continue;
                }
                if (c == '\\' && i + 3 < regex.length() && regex.charAt(i + 1) == 'p' && regex.charAt(i + 2) == '{') {
                    int close = regex.indexOf('}', i + 3);
                    if (close >= 0 && close <= i + 10) {
                        String name = regex.substring(i, close + 1);
                        String[] cat = find(name);
                        if (cat != null) {
                            if (!inside) out.append('[');
                            out.append(cat[1]).append(cat[2]);
                            if (!inside) out.append(']');
                            i = close;
                            continue;
                        }
                    }
                }
                out.append(c);
            }
            return out.toString();
        }

        private static String[] find(String name) {
            for (String[] c : CATEGORIES) if (c[0].equals(name)) return c;
            return null;
        }

        @Override
        public OffsetList apply(SplitText text, OffsetList offsets) {
            return splitSegments(pattern, text.collapsed(), offsets, null);
        }

        @Override
        public String toString() {
            return "CategoryRegex[" + source + "]";
        }
    }

    /**
     * A regex without Unicode categories, given in Java syntax (non-ASCII characters and ranges as
     * escapes, {@code \z} for an end anchor), run on the code points with non-ASCII whitespace
     * replaced by U+000B.
     */
    final class LiteralRegex implements SplitRule {
        private final Pattern pattern;

        LiteralRegex(String javaRegex) {
            this.pattern = Pattern.compile(javaRegex);
        }

        @Override
        public OffsetList apply(SplitText text, OffsetList offsets) {
            return splitSegments(pattern, text.wide(), offsets, text);
        }

        @Override
        public String toString() {
            return "LiteralRegex[" + pattern.pattern() + "]";
        }
    }

    /**
     * Runs a regex over each segment on its own (a segment's end is the end of input for anchors
     * and look-ahead, as for C++'s regex_iterator over a sub-range) and emits gap, match, gap, …
     * lengths in code points.
     *
     * @param chars the string the pattern runs on
     * @param wide  non-null when {@code chars} is the real text (UTF-16, so char and code point
     *              positions differ); null for the collapsed text (one char per code point)
     */
    private static OffsetList splitSegments(Pattern pattern, String chars, OffsetList offsets, SplitText wide) {
        OffsetList out = new OffsetList(offsets.size() * 2);
        int start = 0;
        for (int k = 0; k < offsets.size(); k++) {
            int len = offsets.get(k);
            int from = wide == null ? start : wide.charIndex(start);
            int to = wide == null ? start + len : wide.charIndex(start + len);
            String segment = chars.substring(from, to);
            Matcher m = pattern.matcher(segment);
            int prev = 0; // char position in segment
            while (m.find()) {
                if (m.start() > prev) out.add(count(segment, prev, m.start(), wide));
                // llama.cpp emits the match length even when it is 0
                out.add(count(segment, m.start(), m.end(), wide));
                prev = m.end();
            }
            if (prev < segment.length()) out.add(count(segment, prev, segment.length(), wide));
            start += len;
        }
        return out;
    }

    private static int count(String s, int from, int to, SplitText wide) {
        return wide == null ? to - from : s.codePointCount(from, to);
    }
}
