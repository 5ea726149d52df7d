package dev.jllm.sampling;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader and compact writer for the engine's own needs (JSON schemas given as text),
 * so that the library does not depend on a JSON library. Values are Java objects: objects are
 * {@code LinkedHashMap<String, Object>} (member order kept), arrays {@code List<Object>}, strings,
 * {@link BigDecimal} numbers (as written), {@link Boolean}, and {@link #NULL} for JSON null.
 */
public final class JsonValues {
    /** JSON null (maps and lists hold this, not Java null). */
    public static final Object NULL = new Object() {
        @Override public String toString() { return "null"; }
    };

    private static final int MAX_DEPTH = 256;

    private final String text;
    private int at;

    private JsonValues(String text) {
        this.text = text;
    }

    /**
     * Parses one JSON value (RFC 8259; surrounding whitespace allowed).
     *
     * @throws IllegalArgumentException naming what is wrong and where
     */
    public static Object parse(String text) {
        JsonValues r = new JsonValues(text);
        r.skipSpace();
        Object v = r.value(0);
        r.skipSpace();
        if (r.at != text.length()) throw r.error("unexpected text after the value");
        return v;
    }

    /** The compact JSON text of a value built of the types {@link #parse} returns. */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    private static void write(Object v, StringBuilder out) {
        if (v == NULL || v == null) out.append("null");
        else if (v instanceof String s) quote(s, out);
        else if (v instanceof BigDecimal || v instanceof Boolean || v instanceof Number) out.append(v);
        else if (v instanceof Map<?, ?> m) {
            out.append('{');
            boolean first = true;
            for (var e : m.entrySet()) {
                if (!first) out.append(',');
                first = false;
                quote((String) e.getKey(), out);
                out.append(':');
                write(e.getValue(), out);
            }
            out.append('}');
        } else if (v instanceof List<?> l) {
            out.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) out.append(',');
                write(l.get(i), out);
            }
            out.append(']');
        } else throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
    }

    /** Appends {@code s} as a JSON string literal (escaping quotes, backslashes and control characters only). */
    public static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) throw error("nested more than " + MAX_DEPTH + " deep");
        if (at >= text.length()) throw error("the text ends where a value should begin");
        char c = text.charAt(at);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", NULL);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Map<String, Object> object(int depth) {
        Map<String, Object> out = new LinkedHashMap<>();
        at++;
        skipSpace();
        if (peek() == '}') {
            at++;
            return out;
        }
        while (true) {
            skipSpace();
            if (peek() != '"') throw error("expected a member name in quotes");
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            if (out.containsKey(key)) throw error("member \"" + key + "\" appears twice");
            out.put(key, value(depth + 1));
            skipSpace();
            if (peek() == ',') {
                at++;
                continue;
            }
            expect('}');
            return out;
        }
    }

    private List<Object> array(int depth) {
        List<Object> out = new ArrayList<>();
        at++;
        skipSpace();
        if (peek() == ']') {
            at++;
            return out;
        }
        while (true) {
            skipSpace();
            out.add(value(depth + 1));
            skipSpace();
            if (peek() == ',') {
                at++;
                continue;
            }
            expect(']');
            return out;
        }
    }

    private String string() {
        at++; // opening quote
        StringBuilder out = new StringBuilder();
        while (true) {
            if (at >= text.length()) throw error("unterminated string");
            char c = text.charAt(at++);
            if (c == '"') return out.toString();
            if (c < 0x20) throw error("control character in a string");
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (at >= text.length()) throw error("unterminated string");
            char e = text.charAt(at++);
            switch (e) {
                case '"', '\\', '/' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    if (at + 4 > text.length()) throw error("short \\u escape");
                    try {
                        out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                    } catch (NumberFormatException x) {
                        throw error("bad \\u escape");
                    }
                    at += 4;
                }
                default -> throw error("bad escape \\" + e);
            }
        }
    }

    private BigDecimal number() {
        int start = at;
        if (peek() == '-') at++;
        if (peek() == '0') at++;
        else if (isDigit(peek())) while (isDigit(peek())) at++;
        else throw error("a number needs digits");
        if (peek() == '.') {
            at++;
            if (!isDigit(peek())) throw error("a number needs digits after '.'");
            while (isDigit(peek())) at++;
        }
        if (peek() == 'e' || peek() == 'E') {
            at++;
            if (peek() == '+' || peek() == '-') at++;
            if (!isDigit(peek())) throw error("a number needs digits in its exponent");
            while (isDigit(peek())) at++;
        }
        return new BigDecimal(text.substring(start, at));
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, at)) throw error("unexpected text (expected " + word + ")");
        at += word.length();
        return value;
    }

    private void expect(char c) {
        if (peek() != c) throw error(at >= text.length() ? "the text ends where '" + c + "' should be" : "expected '" + c + "'");
        at++;
    }

    private char peek() {
        return at < text.length() ? text.charAt(at) : '\0';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private void skipSpace() {
        while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) at++;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("invalid JSON at character " + at + ": " + what);
    }
}
