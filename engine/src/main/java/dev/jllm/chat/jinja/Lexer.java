package dev.jllm.chat.jinja;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import dev.jllm.chat.jinja.Token.Kind;

/**
 * Splits template source into tokens the way Jinja2's lexer does with {@code trim_blocks=True},
 * {@code lstrip_blocks=True} and {@code keep_trailing_newline=False}.
 *
 * <p>Whitespace control, applied to the text around tags:
 * <ul>
 *   <li>{@code {%-}, {@code {{-}, {@code {#-} strip all whitespace before the tag, newlines included;
 *       {@code -%}}, {@code -}}}, {@code -#}} strip all whitespace after it.</li>
 *   <li>trim_blocks: a single newline right after {@code %}} or {@code #}} is dropped (not after
 *       {@code }}}); {@code +%}} keeps it.</li>
 *   <li>lstrip_blocks: spaces and tabs between the start of a line and {@code {%} or {@code {#}
 *       are dropped (never before {@code {{}); {@code {%+} keeps them.</li>
 * </ul>
 * Inside a tag, the closing delimiter only counts once brackets are balanced, so
 * {@code {{ {'a': {'b': 1}} }}} works.
 */
final class Lexer {
    private final String src;
    private final int[] lineStarts;
    private final List<Token> out = new ArrayList<>();
    private int pos;
    /** Whether the previous token ended with a newline (lstrip_blocks applies at line start). */
    private boolean lineStarting = true;

    private Lexer(String source) {
        this.src = normalize(source);
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < src.length(); i++) if (src.charAt(i) == '\n') starts.add(i + 1);
        this.lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    static List<Token> tokenize(String source) {
        Lexer lexer = new Lexer(source);
        lexer.run();
        return lexer.out;
    }

    /** Jinja2 converts every line ending to \n and drops one trailing newline. */
    static String normalize(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private int line(int offset) {
        int lo = 0, hi = lineStarts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (lineStarts[mid] <= offset) lo = mid;
            else hi = mid - 1;
        }
        return lo + 1;
    }

    private TemplateSyntaxException error(String message, int offset) {
        return new TemplateSyntaxException(message, line(offset));
    }

    private void emit(Kind kind, String text, Object value, int offset) {
        out.add(new Token(kind, text, value, line(offset)));
    }

    private void run() {
        int n = src.length();
        while (pos < n) {
            int tag = findTagStart(pos);
            if (tag < 0) {
                emitData(src.substring(pos), pos);
                break;
            }
            char kind = src.charAt(tag + 1);
            char sign = tag + 2 < n && (src.charAt(tag + 2) == '-' || src.charAt(tag + 2) == '+') ? src.charAt(tag + 2) : 0;
            String text = stripBefore(src.substring(pos, tag), sign, kind != '{');
            emitData(text, pos);
            int inner = tag + 2 + (sign != 0 ? 1 : 0);
            int rawEnd = kind == '%' ? matchRawBegin(inner) : -1;
            if (rawEnd >= 0) {
                pos = rawEnd;
                lineStarting = src.charAt(pos - 1) == '\n';
                lexRaw();
            } else if (kind == '#') {
                pos = inner;
                lexComment(tag);
            } else {
                emit(kind == '{' ? Kind.VAR_BEGIN : Kind.BLOCK_BEGIN, src.substring(tag, inner), null, tag);
                pos = inner;
                lexTag(kind == '{');
            }
        }
        emit(Kind.EOF, "", null, src.length());
    }

    private int findTagStart(int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
        }
        return -1;
    }

    private void emitData(String text, int offset) {
        if (!text.isEmpty()) emit(Kind.DATA, text, text, offset);
    }

    /** The text before a tag, after the tag's {@code -}/{@code +} sign and lstrip_blocks. */
    private String stripBefore(String text, char sign, boolean lstripApplies) {
        if (sign == '-') return PyStr.strip(text, null, false, true);
        if (sign == '+' || !lstripApplies) return text;
        int lineStart = text.lastIndexOf('\n') + 1;
        if (lineStart > 0 || lineStarting) {
            for (int i = lineStart; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c != ' ' && c != '\t') return text;
            }
            return text.substring(0, lineStart);
        }
        return text;
    }

    /**
     * Consumes the end of a {@code %}} or {@code #}} tag at {@code at} (pointing at the optional sign)
     * and returns the position after it, applying {@code -} and trim_blocks; -1 if there is none.
     */
    private int matchBlockEnd(int at, char closer) {
        String close = closer + "}";
        if (src.startsWith("+" + close, at)) return at + 3;
        if (src.startsWith("-" + close, at)) return skipWhitespace(at + 3);
        if (src.startsWith(close, at)) {
            int end = at + 2;
            return end < src.length() && src.charAt(end) == '\n' ? end + 1 : end; // trim_blocks
        }
        return -1;
    }

    private int skipWhitespace(int i) {
        while (i < src.length() && PyStr.isSpace(src.codePointAt(i))) i += Character.charCount(src.codePointAt(i));
        return i;
    }

    private void lexComment(int tagStart) {
        for (int i = pos; i < src.length(); i++) {
            int end = matchBlockEnd(i, '#');
            if (end >= 0) {
                pos = end;
                lineStarting = src.charAt(end - 1) == '\n';
                return;
            }
        }
        throw error("Missing end of comment tag", tagStart);
    }

    /** After {@code {%[-+]} at {@code at}: the end of {@code \s*raw\s*(-%}\s*|%})}, or -1. */
    private int matchRawBegin(int at) {
        int i = skipWhitespace(at);
        if (!src.startsWith("raw", i)) return -1;
        i = skipWhitespace(i + 3);
        if (src.startsWith("-%}", i)) return skipWhitespace(i + 3);
        if (src.startsWith("%}", i)) return i + 2; // no trim_blocks after {% raw %}, as in Jinja2
        return -1;
    }

    private void lexRaw() {
        int start = pos;
        for (int i = src.indexOf("{%", pos); i >= 0; i = src.indexOf("{%", i + 1)) {
            int j = i + 2;
            char sign = j < src.length() && (src.charAt(j) == '-' || src.charAt(j) == '+') ? src.charAt(j) : 0;
            if (sign != 0) j++;
            j = skipWhitespace(j);
            if (!src.startsWith("endraw", j)) continue;
            int end = matchBlockEnd(skipWhitespace(j + 6), '%');
            if (end < 0) continue;
            emitData(stripBefore(src.substring(start, i), sign, true), start);
            pos = end;
            lineStarting = src.charAt(end - 1) == '\n';
            return;
        }
        throw error("Missing end of raw directive", start);
    }

    /** Tokens inside {@code {{ }}} or {@code {% %}}, up to and including the closing delimiter. */
    private void lexTag(boolean variable) {
        Deque<Character> brackets = new ArrayDeque<>();
        int n = src.length();
        while (true) {
            if (pos >= n) throw error("unexpected end of template, expected " + (variable ? "'}}'" : "'%}'"), n);
            if (brackets.isEmpty()) {
                int end = variable ? matchVariableEnd(pos) : matchBlockEnd(pos, '%');
                if (end >= 0) {
                    emit(variable ? Kind.VAR_END : Kind.BLOCK_END, src.substring(pos, end), null, pos);
                    pos = end;
                    lineStarting = src.charAt(end - 1) == '\n';
                    return;
                }
            }
            int cp = src.codePointAt(pos);
            if (PyStr.isSpace(cp)) {
                pos += Character.charCount(cp);
            } else if (cp >= '0' && cp <= '9') {
                lexNumber();
            } else if (cp == '_' || Character.isUnicodeIdentifierStart(cp)) {
                int s = pos;
                pos += Character.charCount(cp);
                while (pos < n && (src.charAt(pos) == '_' || Character.isUnicodeIdentifierPart(src.codePointAt(pos))
                        && !Character.isIdentifierIgnorable(src.codePointAt(pos)))) {
                    pos += Character.charCount(src.codePointAt(pos));
                }
                emit(Kind.NAME, src.substring(s, pos), null, s);
            } else if (cp == '\'' || cp == '"') {
                lexString((char) cp);
            } else {
                lexOperator(brackets);
            }
        }
    }

    private int matchVariableEnd(int at) {
        if (src.startsWith("-}}", at)) return skipWhitespace(at + 3);
        if (src.startsWith("}}", at)) return at + 2;
        return -1;
    }

    private static final String[] OPERATORS = {"//", "**", "==", "!=", ">=", "<=",
            "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"};

    private void lexOperator(Deque<Character> brackets) {
        for (String op : OPERATORS) {
            if (!src.startsWith(op, pos)) continue;
            char c = op.charAt(0);
            if (op.length() == 1 && (c == '(' || c == '[' || c == '{')) {
                brackets.push(c == '(' ? ')' : c == '[' ? ']' : '}');
            } else if (op.length() == 1 && (c == ')' || c == ']' || c == '}')) {
                if (brackets.isEmpty()) throw error("unexpected '" + c + "'", pos);
                char expected = brackets.pop();
                if (expected != c) throw error("unexpected '" + c + "', expected '" + expected + "'", pos);
            }
            emit(Kind.OP, op, null, pos);
            pos += op.length();
            return;
        }
        throw error("unexpected char " + PyRepr.repr(Character.toString(src.codePointAt(pos))), pos);
    }

    /** Integers (with {@code _} separators, 0x/0o/0b) and floats ({@code 1.5}, {@code 1e5}). */
    private void lexNumber() {
        int s = pos, n = src.length();
        if (src.charAt(pos) == '0' && pos + 1 < n && "xXoObB".indexOf(src.charAt(pos + 1)) >= 0) {
            int radix = switch (Character.toLowerCase(src.charAt(pos + 1))) {
                case 'x' -> 16;
                case 'o' -> 8;
                default -> 2;
            };
            int i = pos + 2;
            while (i < n && (src.charAt(i) == '_' || Character.digit(src.charAt(i), radix) >= 0)) i++;
            if (i > pos + 2) {
                pos = i;
                String digits = src.substring(s + 2, i).replace("_", "");
                emit(Kind.INTEGER, src.substring(s, i), PyOps.intResult(new BigInteger(digits, radix)), s);
                return;
            }
        }
        int i = digits(pos);
        boolean isFloat = false;
        // a fraction needs digits after the dot; "1." is the integer 1 followed by '.'
        if (i + 1 < n && src.charAt(i) == '.' && Character.isDigit(src.charAt(i + 1))) {
            i = digits(i + 1);
            isFloat = true;
        }
        if (i < n && (src.charAt(i) == 'e' || src.charAt(i) == 'E')) {
            int j = i + 1;
            if (j < n && (src.charAt(j) == '+' || src.charAt(j) == '-')) j++;
            if (j < n && Character.isDigit(src.charAt(j))) {
                i = digits(j);
                isFloat = true;
            }
        }
        // Jinja2's float rule refuses to start right after a '.', so x.0.1 is x[0][1]
        if (isFloat && s > 0 && src.charAt(s - 1) == '.') {
            i = digits(pos);
            isFloat = false;
        }
        pos = i;
        String text = src.substring(s, i);
        String clean = text.replace("_", "");
        if (isFloat) emit(Kind.FLOAT, text, Double.parseDouble(clean), s);
        else emit(Kind.INTEGER, text, PyOps.intResult(new BigInteger(clean)), s);
    }

    private int digits(int i) {
        int n = src.length();
        while (i < n && (Character.isDigit(src.charAt(i)) && src.charAt(i) < 128
                || src.charAt(i) == '_' && i + 1 < n && Character.isDigit(src.charAt(i + 1)))) i++;
        return i;
    }

    /**
     * A quoted string. Jinja2 decodes the escapes with Python's {@code unicode_escape}:
     * backslash escapes n, t, backslash, quotes, xNN, uNNNN, UNNNNNNNN, octal; unknown escapes are kept verbatim.
     */
    private void lexString(char quote) {
        int s = pos, n = src.length();
        StringBuilder sb = new StringBuilder();
        int i = pos + 1;
        while (true) {
            if (i >= n) throw error("unexpected char " + PyRepr.repr(Character.toString(quote)), s);
            char c = src.charAt(i);
            if (c == quote) break;
            if (c != '\\') {
                sb.append(c);
                i++;
                continue;
            }
            if (i + 1 >= n) throw error("unexpected char " + PyRepr.repr(Character.toString(quote)), s);
            char e = src.charAt(i + 1);
            i += 2;
            switch (e) {
                case '\n' -> { } // line continuation
                case '\\' -> sb.append('\\');
                case '\'' -> sb.append('\'');
                case '"' -> sb.append('"');
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'v' -> sb.append('\u000B');
                case 'x', 'u', 'U' -> {
                    int len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + len > n || !src.substring(i, i + len).chars().allMatch(ch -> Character.digit(ch, 16) >= 0)) {
                        throw error("invalid \\" + e + " escape in string literal", s);
                    }
                    sb.appendCodePoint(Integer.parseInt(src.substring(i, i + len), 16));
                    i += len;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && i < n && src.charAt(i) >= '0' && src.charAt(i) <= '7'; k++) {
                            v = v * 8 + (src.charAt(i++) - '0');
                        }
                        sb.append((char) v);
                    } else {
                        sb.append('\\').append(e); // unknown escapes stay as written
                    }
                }
            }
        }
        pos = i + 1;
        emit(Kind.STRING, src.substring(s, pos), sb.toString(), s);
    }
}
