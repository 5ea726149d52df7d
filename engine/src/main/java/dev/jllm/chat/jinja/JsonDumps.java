package dev.jllm.chat.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps}, which is what Hugging Face's {@code tojson} filter calls (not
 * Jinja2's HTML-safe variant): {@code ", "}/{@code ": "} separators without indent and
 * {@code ","}/{@code ": "} with it, insertion-ordered keys, floats as Python {@code repr}
 * ({@code 150.0}), non-ASCII kept as is unless {@code ensure_ascii}, no HTML escaping.
 */
final class JsonDumps {
    private JsonDumps() {}

    private static final int MAX_DEPTH = 500;

    /**
     * @param indent     null for single-line output, an int (spaces per level) or a string
     * @param separators null for the defaults, else a 2-element list/tuple (item, key)
     */
    static String dumps(Object value, boolean ensureAscii, Object indent, Object separators, boolean sortKeys) {
        String indentUnit = null;
        if (indent != null) {
            indentUnit = Py.isStr(indent) ? Py.asStr(indent) : " ".repeat((int) Math.max(0, Py.toLong(indent)));
        }
        String itemSep = indentUnit == null ? ", " : ",";
        String keySep = ": ";
        if (separators != null) {
            List<Object> seps = Py.iterate(separators);
            if (seps.size() != 2) throw TemplateRuntimeException.valueError("separators must be a (item, key) pair");
            itemSep = PyRepr.str(seps.get(0));
            keySep = PyRepr.str(seps.get(1));
        }
        StringBuilder sb = new StringBuilder();
        new Writer(sb, ensureAscii, indentUnit, itemSep, keySep, sortKeys).write(value, 0);
        return sb.toString();
    }

    private record Writer(StringBuilder sb, boolean ensureAscii, String indent, String itemSep,
                          String keySep, boolean sortKeys) {
        void write(Object o, int depth) {
            if (depth > MAX_DEPTH) {
                throw new TemplateLimitException("RecursionError", "maximum recursion depth exceeded while encoding a JSON object");
            }
            switch (o) {
                case null -> sb.append("null");
                case Boolean b -> sb.append(b ? "true" : "false");
                case String s -> string(s);
                case Markup m -> string(m.text());
                case Double d -> sb.append(floatJson(d));
                case Float f -> sb.append(floatJson(f.doubleValue()));
                case java.math.BigDecimal d -> sb.append(floatJson(d.doubleValue()));
                case Long l -> sb.append(l);
                case Integer i -> sb.append(i);
                case Short s -> sb.append(s);
                case Byte b -> sb.append(b);
                case java.math.BigInteger b -> sb.append(b);
                case List<?> l when !(l instanceof PyRange) -> array(l, depth);
                case Map<?, ?> m -> object(m, depth);
                default -> throw TemplateRuntimeException.typeError(
                        "Object of type " + Py.typeName(o) + " is not JSON serializable");
            }
        }

        private void newline(int depth) {
            if (indent != null) sb.append('\n').append(indent.repeat(depth));
        }

        private void array(List<?> l, int depth) {
            if (l.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) sb.append(itemSep);
                newline(depth + 1);
                write(l.get(i), depth + 1);
            }
            newline(depth);
            sb.append(']');
        }

        private void object(Map<?, ?> m, int depth) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
            if (sortKeys) entries.sort((a, b) -> Py.compare(a.getKey(), b.getKey(), "<"));
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : entries) {
                if (!first) sb.append(itemSep);
                first = false;
                newline(depth + 1);
                string(key(e.getKey()));
                sb.append(keySep);
                write(e.getValue(), depth + 1);
            }
            newline(depth);
            sb.append('}');
        }

        /** json.dumps converts non-string keys: True -> "true", None -> "null", 1.5 -> "1.5". */
        private static String key(Object k) {
            if (Py.isStr(k)) return Py.asStr(k);
            if (k == null) return "null";
            if (k instanceof Boolean b) return b ? "true" : "false";
            if (Py.isFloat(k)) return floatJson(Py.toDouble(k));
            if (Py.isInt(k)) return k.toString();
            throw TemplateRuntimeException.typeError("keys must be str, int, float, bool or None, not " + Py.typeName(k));
        }

        private void string(String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    case '\b' -> sb.append("\\b");
                    case '\f' -> sb.append("\\f");
                    default -> {
                        // ensure_ascii escapes everything outside printable ASCII, as UTF-16 units
                        if (c < 0x20 || (ensureAscii && c > 0x7E)) sb.append(String.format("\\u%04x", (int) c));
                        else sb.append(c);
                    }
                }
            }
            sb.append('"');
        }
    }

    /** json's float encoding: repr, with NaN/Infinity spelled as JavaScript does. */
    static String floatJson(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        return PyRepr.floatRepr(d);
    }
}
