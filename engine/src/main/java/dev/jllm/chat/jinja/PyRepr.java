package dev.jllm.chat.jinja;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code str()} and {@code repr()} of template values. Jinja2 prints {@code {{ x }}} with
 * {@code str(x)}, so {@code {{ true }}} is {@code True}, {@code {{ none }}} is {@code None},
 * {@code {{ 1.0 }}} is {@code 1.0} and {@code {{ [1, 'a'] }}} is {@code [1, 'a']}.
 */
final class PyRepr {
    private PyRepr() {}

    private static final int MAX_DEPTH = 500;

    /** Python's {@code str(o)}; Undefined prints as the empty string. */
    static String str(Object o) {
        if (o instanceof String s) return s;
        if (o instanceof Markup m) return m.text();
        if (o instanceof Undefined) return "";
        StringBuilder sb = new StringBuilder();
        repr(o, sb, 0);
        return sb.toString();
    }

    /** Python's {@code repr(o)}. */
    static String repr(Object o) {
        StringBuilder sb = new StringBuilder();
        repr(o, sb, 0);
        return sb.toString();
    }

    private static void repr(Object o, StringBuilder sb, int depth) {
        if (depth > MAX_DEPTH) {
            throw new TemplateLimitException("RecursionError", "maximum recursion depth exceeded while getting the repr of an object");
        }
        switch (o) {
            case null -> sb.append("None");
            case Boolean b -> sb.append(b ? "True" : "False");
            case String s -> quote(s, sb);
            case Markup m -> {
                sb.append("Markup(");
                quote(m.text(), sb);
                sb.append(')');
            }
            case Double d -> sb.append(floatRepr(d));
            case Float f -> sb.append(floatRepr(f.doubleValue()));
            case BigDecimal d -> sb.append(floatRepr(d.doubleValue()));
            case Number n -> sb.append(n.toString()); // Long, Integer, BigInteger, ...
            case PyTuple t -> {
                sb.append('(');
                for (int i = 0; i < t.size(); i++) {
                    if (i > 0) sb.append(", ");
                    repr(t.get(i), sb, depth + 1);
                }
                if (t.size() == 1) sb.append(',');
                sb.append(')');
            }
            case PyRange r -> sb.append(r.repr());
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) sb.append(", ");
                    repr(l.get(i), sb, depth + 1);
                }
                sb.append(']');
            }
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) sb.append(", ");
                    first = false;
                    repr(e.getKey(), sb, depth + 1);
                    sb.append(": ");
                    repr(e.getValue(), sb, depth + 1);
                }
                sb.append('}');
            }
            case PyView v -> {
                sb.append(v.kind()).append('(');
                repr(v.items(), sb, depth + 1);
                sb.append(')');
            }
            case Undefined u -> sb.append("Undefined");
            case Namespace ns -> {
                sb.append("<Namespace ");
                repr(ns.attrs(), sb, depth + 1);
                sb.append('>');
            }
            case PyGenerator g -> sb.append(g.repr());
            case Macro m -> sb.append("<Macro ").append(repr(m.name())).append('>');
            case LoopContext loop -> sb.append("<LoopContext ").append(loop.index()).append('/')
                    .append(loop.length()).append('>');
            case PyCallable c -> sb.append("<built-in function>");
            default -> sb.append(o); // foreign objects the caller passed in: never introspected
        }
    }

    /** Python's string repr: single quotes unless the text has ' and no ", escapes as CPython. */
    static void quote(String s, StringBuilder sb) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        sb.append(q);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == q || cp == '\\') sb.append('\\').appendCodePoint(cp);
            else if (cp == '\t') sb.append("\\t");
            else if (cp == '\n') sb.append("\\n");
            else if (cp == '\r') sb.append("\\r");
            else if (cp < 0x20 || cp == 0x7F) sb.append(String.format("\\x%02x", cp));
            else if (cp < 0x7F || PyStr.isPrintable(cp)) sb.appendCodePoint(cp);
            else if (cp <= 0xFF) sb.append(String.format("\\x%02x", cp));
            else if (cp <= 0xFFFF) sb.append(String.format("\\u%04x", cp));
            else sb.append(String.format("\\U%08x", cp));
        }
        sb.append(q);
    }

    /**
     * Python's {@code repr(float)}: the shortest digits that round-trip (Java's
     * {@link Double#toString} computes the same digits since JDK 19), laid out as Python does:
     * positional with a trailing {@code .0} when the decimal exponent is in [-4, 16), otherwise
     * scientific with a signed two-digit exponent ({@code 1e+16}, {@code 1.5e-05}).
     */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        String sign = d < 0 ? "-" : "";
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int decpt = digits.length() - bd.scale(); // value = 0.digits * 10^decpt
        StringBuilder sb = new StringBuilder(sign);
        if (decpt > -4 && decpt <= 16) {
            if (decpt <= 0) {
                sb.append("0.").append("0".repeat(-decpt)).append(digits);
            } else if (decpt >= digits.length()) {
                sb.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
            } else {
                sb.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
            }
        } else {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) sb.append('.').append(digits, 1, digits.length());
            int exp = decpt - 1;
            sb.append('e').append(exp < 0 ? '-' : '+');
            if (Math.abs(exp) < 10) sb.append('0');
            sb.append(Math.abs(exp));
        }
        return sb.toString();
    }
}
