package dev.jllm.sampling;

import static dev.jllm.sampling.Grammar.Builder.seq;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a grammar in llama.cpp's GBNF notation into a {@link Grammar}:
 *
 * <pre>
 * root   ::= answer ("\n" answer)*      # the start rule is "root"; comments run to the end of the line
 * answer ::= "yes" | "no" | [0-9]{1,3} | [^\n"]+ | .
 * </pre>
 *
 * Literals in double quotes and character classes in brackets (ranges, {@code ^} negation) with
 * the escapes {@code \n \r \t \\ \" \] \[ \- \xHH \\uHHHH \UHHHHHHHH}; {@code .} any character;
 * rule names of letters, digits and '-'; groups in parentheses; {@code * + ?} and {@code {m}},
 * {@code {m,}}, {@code {m,n}} repetition. As in llama.cpp, a rule ends at the end of its line
 * unless inside parentheses or right after a {@code |}. Characters are Unicode code points: the
 * grammar is turned into UTF-8 byte sequences (so {@code [^"]} admits any well-formed multi-byte
 * character, never a stray byte).
 *
 * @see <a href="https://github.com/ggml-org/llama.cpp/blob/master/grammars/README.md">GBNF</a>
 */
public final class Gbnf {
    private static final int MAX_CODE_POINT = 0x10FFFF;

    private final String text;
    private int at;
    private final Grammar.Builder g = new Grammar.Builder();
    private final Map<String, Integer> rules = new HashMap<>();
    private final Map<String, Integer> firstUse = new HashMap<>();
    private final java.util.Set<String> defined = new java.util.HashSet<>();

    private Gbnf(String text) {
        this.text = text;
    }

    /**
     * @throws IllegalArgumentException naming the line and column of a syntax error, a rule used
     *                                  but not defined, a missing {@code root}, or left recursion
     */
    public static Grammar parse(String gbnf) {
        Gbnf p = new Gbnf(gbnf);
        p.rule("root"); // rule 0: the start
        p.parseRules();
        if (!p.defined.contains("root")) throw new IllegalArgumentException("the grammar has no 'root' rule (the start)");
        for (String name : p.rules.keySet()) {
            if (!p.defined.contains(name)) throw p.errorAt(p.firstUse.get(name), "rule '" + name + "' is used but not defined");
        }
        return p.g.build();
    }

    private int rule(String name) {
        return rules.computeIfAbsent(name, n -> g.rule());
    }

    private void parseRules() {
        skip(true);
        while (at < text.length()) {
            int start = at;
            String name = name();
            if (name.isEmpty()) throw error("expected a rule name");
            skip(false);
            if (!text.startsWith("::=", at)) throw error("expected '::=' after the rule name '" + name + "'");
            at += 3;
            if (!defined.add(name)) throw errorAt(start, "rule '" + name + "' is defined twice");
            skip(true);
            int r = rule(name);
            for (int[] alt : alternatives(false)) g.alt(r, alt);
            if (at < text.length() && text.charAt(at) != '\n' && text.charAt(at) != '\r') throw error("unexpected '" + text.charAt(at) + "'");
            skip(true);
        }
    }

    /** Sequences separated by '|'; inside parentheses newlines are spaces. */
    private List<int[]> alternatives(boolean nested) {
        List<int[]> alts = new ArrayList<>();
        alts.add(sequence(nested));
        while (at < text.length() && text.charAt(at) == '|') {
            at++;
            skip(true);
            alts.add(sequence(nested));
        }
        return alts;
    }

    private int[] sequence(boolean nested) {
        List<int[]> items = new ArrayList<>();
        int[] last = null;
        while (at < text.length()) {
            char c = text.charAt(at);
            int[] item;
            if (c == '"') item = literal();
            else if (c == '[') item = new int[]{g.ref(charClass())};
            else if (c == '.') {
                at++;
                item = new int[]{g.ref(codePoints(List.of(new int[]{0, MAX_CODE_POINT})))};
            } else if (c == '(') {
                at++;
                skip(true);
                int group = g.rule();
                for (int[] alt : alternatives(true)) g.alt(group, alt);
                if (at >= text.length() || text.charAt(at) != ')') throw error("expected ')'");
                at++;
                item = new int[]{g.ref(group)};
            } else if (isNameChar(c)) {
                int start = at;
                String name = name();
                firstUse.putIfAbsent(name, start);
                item = new int[]{g.ref(rule(name))};
            } else if (c == '*' || c == '+' || c == '?' || c == '{') {
                if (last == null) throw error("'" + c + "' repeats nothing");
                items.removeLast();
                item = repetition(last);
            } else {
                break;
            }
            items.add(item);
            last = item;
            skip(nested);
        }
        int[] out = new int[0];
        for (int[] i : items) out = seq(out, i);
        return out;
    }

    private int[] repetition(int[] item) {
        char c = text.charAt(at++);
        int min, max;
        switch (c) {
            case '*' -> { min = 0; max = -1; }
            case '+' -> { min = 1; max = -1; }
            case '?' -> { min = 0; max = 1; }
            default -> {
                skip(false);
                min = number();
                skip(false);
                max = min;
                if (at < text.length() && text.charAt(at) == ',') {
                    at++;
                    skip(false);
                    max = at < text.length() && Character.isDigit(text.charAt(at)) ? number() : -1;
                    skip(false);
                }
                if (at >= text.length() || text.charAt(at) != '}') throw error("expected '}'");
                at++;
                if (max >= 0 && max < min) throw error("repetition {" + min + "," + max + "}: the maximum is below the minimum");
                if (Math.max(min, max) > JsonSchemaGrammar.MAX_COUNT) throw error("repetition counts go up to " + JsonSchemaGrammar.MAX_COUNT);
            }
        }
        return new int[]{g.ref(g.repeat(item, min, max))};
    }

    private int number() {
        int start = at;
        while (at < text.length() && Character.isDigit(text.charAt(at))) at++;
        if (start == at) throw error("expected a number");
        try {
            return Integer.parseInt(text.substring(start, at));
        } catch (NumberFormatException e) {
            throw errorAt(start, "number too large");
        }
    }

    private int[] literal() {
        at++; // "
        StringBuilder utf8 = new StringBuilder();
        List<Integer> points = new ArrayList<>();
        while (true) {
            if (at >= text.length() || text.charAt(at) == '\n') throw error("unterminated literal");
            if (text.charAt(at) == '"') {
                at++;
                break;
            }
            points.add(character());
        }
        for (int cp : points) utf8.appendCodePoint(cp);
        return g.bytes(utf8.toString());
    }

    /** A character class as a rule over UTF-8 byte sequences. */
    private int charClass() {
        at++; // [
        boolean negated = at < text.length() && text.charAt(at) == '^';
        if (negated) at++;
        List<int[]> ranges = new ArrayList<>();
        while (true) {
            if (at >= text.length() || text.charAt(at) == '\n') throw error("unterminated character class");
            if (text.charAt(at) == ']') {
                at++;
                break;
            }
            int lo = character(), hi = lo;
            if (at + 1 < text.length() && text.charAt(at) == '-' && text.charAt(at + 1) != ']') {
                at++;
                hi = character();
                if (hi < lo) throw error("range ends before it begins");
            }
            ranges.add(new int[]{lo, hi});
        }
        if (ranges.isEmpty() && !negated) throw error("empty character class");
        return codePoints(negated ? complement(ranges) : ranges);
    }

    /** One character of a literal or class, with its escapes. */
    private int character() {
        char c = text.charAt(at);
        if (c != '\\') {
            int cp = text.codePointAt(at);
            at += Character.charCount(cp);
            return cp;
        }
        if (at + 1 >= text.length()) throw error("escape at the end of the text");
        char e = text.charAt(at + 1);
        at += 2;
        return switch (e) {
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case '\\', '"', '[', ']', '-', '^' -> e;
            case 'x' -> hex(2);
            case 'u' -> hex(4);
            case 'U' -> hex(8);
            default -> throw errorAt(at - 2, "unknown escape \\" + e);
        };
    }

    private int hex(int digits) {
        if (at + digits > text.length()) throw error("short escape");
        try {
            int cp = Integer.parseInt(text.substring(at, at + digits), 16);
            if (cp > MAX_CODE_POINT) throw error("code point beyond U+10FFFF");
            at += digits;
            return cp;
        } catch (NumberFormatException e) {
            throw error("bad hexadecimal escape");
        }
    }

    /** The code points not in {@code ranges}. */
    private static List<int[]> complement(List<int[]> ranges) {
        List<int[]> sorted = new ArrayList<>(ranges);
        sorted.sort((a, b) -> Integer.compare(a[0], b[0]));
        List<int[]> out = new ArrayList<>();
        int next = 0;
        for (int[] r : sorted) {
            if (r[0] > next) out.add(new int[]{next, r[0] - 1});
            next = Math.max(next, r[1] + 1);
        }
        if (next <= MAX_CODE_POINT) out.add(new int[]{next, MAX_CODE_POINT});
        return out;
    }

    /** A rule reading one code point of {@code ranges} as well-formed UTF-8 (surrogates never). */
    private int codePoints(List<int[]> ranges) {
        int r = g.rule();
        int count = 0;
        for (int[] range : ranges) {
            // UTF-8 cannot encode surrogates; and a multi-byte range is split where the encoded length changes.
            int[][] pieces = {{range[0], Math.min(range[1], 0xD7FF)}, {Math.max(range[0], 0xE000), range[1]}};
            for (int[] p : pieces) {
                for (int[] bounds : new int[][]{{0, 0x7F}, {0x80, 0x7FF}, {0x800, 0xFFFF}, {0x10000, MAX_CODE_POINT}}) {
                    int lo = Math.max(p[0], bounds[0]), hi = Math.min(p[1], bounds[1]);
                    if (lo <= hi) count += utf8Sequences(r, lo, hi);
                }
            }
        }
        if (count == 0) throw error("the character class admits no character");
        return r;
    }

    /**
     * Adds to rule {@code r} alternatives reading the UTF-8 encodings of {@code lo..hi} (both of
     * one encoded length), as byte ranges position by position: the range is split until every
     * part covers whole continuation-byte ranges below its first differing byte.
     */
    private int utf8Sequences(int r, int lo, int hi) {
        int n = utf8Length(lo);
        for (int i = 1; i < n; i++) {
            int m = (1 << (6 * i)) - 1;
            if ((lo & ~m) != (hi & ~m)) {
                if ((lo & m) != 0) return utf8Sequences(r, lo, lo | m) + utf8Sequences(r, (lo | m) + 1, hi);
                if ((hi & m) != m) return utf8Sequences(r, lo, (hi & ~m) - 1) + utf8Sequences(r, hi & ~m, hi);
            }
        }
        byte[] a = new String(Character.toChars(lo)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] b = new String(Character.toChars(hi)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int[] alt = new int[n];
        for (int k = 0; k < n; k++) alt[k] = g.range(a[k] & 0xFF, b[k] & 0xFF);
        g.alt(r, alt);
        return 1;
    }

    private static int utf8Length(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }

    private String name() {
        int start = at;
        while (at < text.length() && isNameChar(text.charAt(at))) at++;
        return text.substring(start, at);
    }

    private static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    /** Skips spaces, tabs and comments; newlines too when {@code newlines} (inside parentheses, after '|', between rules). */
    private void skip(boolean newlines) {
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c == ' ' || c == '\t' || (newlines && (c == '\n' || c == '\r'))) at++;
            else if (c == '#') {
                while (at < text.length() && text.charAt(at) != '\n') at++;
            } else break;
        }
    }

    private IllegalArgumentException error(String what) {
        return errorAt(at, what);
    }

    private IllegalArgumentException errorAt(int position, String what) {
        int line = 1, column = 1;
        for (int i = 0; i < position && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                column = 1;
            } else column++;
        }
        return new IllegalArgumentException("grammar line " + line + ", column " + column + ": " + what);
    }
}
