package dev.jllm.chat.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jinja2's built-in filters (jinja2/filters.py), with Hugging Face's {@code tojson}. Each one keeps
 * the Python implementation's edge cases: {@code |map}, {@code |select}, {@code |items} and friends
 * return single-use generators; {@code |length} of a generator is a TypeError; {@code |default}
 * only replaces undefined unless {@code boolean=true}; {@code |join} and {@code |string} use
 * Python's {@code str()}.
 */
final class Filters {
    private Filters() {}

    @FunctionalInterface
    interface Filter {
        Object apply(Interpreter in, Object value, Args args);
    }

    private static final Map<String, Filter> FILTERS = new HashMap<>();
    /** Jinja2 built-ins this engine does not implement: known (so templates compile) but failing if run. */
    private static final Set<String> UNSUPPORTED = Set.of("filesizeformat", "groupby", "pprint",
            "random", "striptags", "urlencode", "urlize", "wordwrap", "xmlattr");

    static boolean exists(String name) {
        return FILTERS.containsKey(name) || UNSUPPORTED.contains(name);
    }

    static Object apply(Interpreter in, String name, Object value, Args args) {
        Filter f = FILTERS.get(name);
        if (f == null) {
            if (UNSUPPORTED.contains(name)) {
                throw TemplateRuntimeException.runtime("The filter " + PyRepr.repr(name) + " is not supported by this engine.");
            }
            throw TemplateRuntimeException.runtime("No filter named " + PyRepr.repr(name) + " found.");
        }
        return f.apply(in, value, args);
    }

    private static void register(Filter f, String... names) {
        for (String n : names) FILTERS.put(n, f);
    }

    private static Object arg(Object v, Object dflt) {
        return v == Args.MISSING ? dflt : v;
    }

    /** markupsafe's soft_str: Markup stays Markup, everything else becomes Python's str(). */
    private static Object softStr(Object v) {
        return v instanceof Markup ? v : PyRepr.str(v);
    }

    private static String text(Object v) {
        return PyRepr.str(v);
    }

    static {
        register((in, v, a) -> {
            Object[] p = a.bind("default", "default_value", "boolean");
            boolean bool = Py.truthy(arg(p[1], false));
            return v instanceof Undefined || (bool && !Py.truthy(v)) ? arg(p[0], "") : v;
        }, "default", "d");
        register((in, v, a) -> {
            a.bind("length");
            return Py.len(v);
        }, "length", "count");
        register((in, v, a) -> {
            a.bind("list");
            return new ArrayList<>(Py.iterate(v));
        }, "list");
        register((in, v, a) -> {
            a.bind("string");
            return softStr(v);
        }, "string");
        register((in, v, a) -> {
            a.bind("safe");
            return v instanceof Markup ? v : new Markup(text(v));
        }, "safe");
        register((in, v, a) -> {
            a.bind("escape");
            return v instanceof Markup ? v : new Markup(Markup.escape(text(v)));
        }, "escape", "e");
        register((in, v, a) -> {
            a.bind("forceescape");
            return new Markup(Markup.escape(text(v)));
        }, "forceescape");
        register((in, v, a) -> {
            Object[] p = a.bind("trim", "chars");
            Object chars = arg(p[0], null);
            return PyStr.strip(text(v), chars == null ? null : text(chars), true, true);
        }, "trim");
        register((in, v, a) -> {
            a.bind("upper");
            return PyStr.upper(text(v));
        }, "upper");
        register((in, v, a) -> {
            a.bind("lower");
            return PyStr.lower(text(v));
        }, "lower");
        register((in, v, a) -> {
            a.bind("capitalize");
            return PyStr.capitalize(text(v));
        }, "capitalize");
        register((in, v, a) -> {
            a.bind("title");
            return title(text(v));
        }, "title");
        register((in, v, a) -> {
            Object[] p = a.bind("replace", "old", "new", "count");
            Object count = arg(p[2], null);
            if (p[0] == Args.MISSING || p[1] == Args.MISSING) throw TemplateRuntimeException.typeError("replace() missing arguments");
            return PyStr.replace(text(v), text(p[0]), text(p[1]), count == null ? -1 : Py.toLong(count));
        }, "replace");
        register((in, v, a) -> {
            Object[] p = a.bind("join", "d", "attribute");
            List<Object> items = Py.iterate(v);
            Object attribute = arg(p[1], null);
            StringBuilder sb = new StringBuilder();
            String sep = text(arg(p[0], ""));
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) sb.append(sep);
                Object item = attribute == null ? items.get(i) : attrGetter(attribute, null).apply(items.get(i));
                sb.append(text(item));
            }
            return sb.toString();
        }, "join");
        register(Filters::tojson, "tojson");
        register(Filters::indent, "indent");
        register((in, v, a) -> {
            a.bind("items");
            if (v instanceof Undefined) return new PyGenerator("do_items", List.of());
            if (!(v instanceof Map<?, ?> m)) throw TemplateRuntimeException.typeError("Can only get item pairs from a mapping.");
            List<Object> items = new ArrayList<>();
            m.forEach((k, val) -> items.add(PyTuple.of(k, val)));
            return new PyGenerator("do_items", items);
        }, "items");
        register(Filters::dictsort, "dictsort");
        register(Filters::sort, "sort");
        register(Filters::unique, "unique");
        register(Filters::map, "map");
        register((in, v, a) -> selectOrReject(in, v, a, false, true), "select");
        register((in, v, a) -> selectOrReject(in, v, a, false, false), "reject");
        register((in, v, a) -> selectOrReject(in, v, a, true, true), "selectattr");
        register((in, v, a) -> selectOrReject(in, v, a, true, false), "rejectattr");
        register((in, v, a) -> {
            a.bind("first");
            List<Object> items = Py.iterate(v);
            return items.isEmpty() ? Undefined.hint("No first item, sequence was empty.") : items.get(0);
        }, "first");
        register((in, v, a) -> {
            a.bind("last");
            if (v instanceof PyGenerator) throw TemplateRuntimeException.typeError("'generator' object is not reversible");
            List<Object> items = Py.iterate(v);
            return items.isEmpty() ? Undefined.hint("No last item, sequence was empty.") : items.get(items.size() - 1);
        }, "last");
        register((in, v, a) -> {
            a.bind("reverse");
            if (Py.isStr(v)) {
                return new StringBuilder(Py.asStr(v)).reverse().toString(); // surrogate pairs are kept together
            }
            List<Object> items = new ArrayList<>(Py.iterate(v));
            Collections.reverse(items);
            // reversed(list) is an iterator in Python; other iterables become a list
            return v instanceof List || v instanceof Map ? new PyGenerator("reversed", items) : items;
        }, "reverse");
        register((in, v, a) -> {
            a.bind("abs");
            if (Py.isFloat(v)) return Math.abs(Py.toDouble(v));
            if (Py.isIntLike(v)) return PyOps.intResult(java.math.BigInteger.valueOf(Py.toLong(v)).abs());
            if (v instanceof Undefined u) throw u.error();
            throw TemplateRuntimeException.typeError("bad operand type for abs(): " + PyRepr.repr(Py.typeName(v)));
        }, "abs");
        register(Filters::toInt, "int");
        register((in, v, a) -> {
            Object[] p = a.bind("float", "default");
            Double d = toFloat(v);
            return d != null ? d : arg(p[0], 0.0);
        }, "float");
        register(Filters::round, "round");
        register((in, v, a) -> {
            Object[] p = a.bind("sum", "attribute", "start");
            Object attribute = arg(p[0], null);
            Object total = arg(p[1], 0L);
            for (Object item : Py.iterate(v)) {
                total = PyOps.add(total, attribute == null ? item : attrGetter(attribute, null).apply(item), in.maxSize());
            }
            return total;
        }, "sum");
        register((in, v, a) -> minMax(v, a, "min", -1), "min");
        register((in, v, a) -> minMax(v, a, "max", 1), "max");
        register((in, v, a) -> {
            Object[] p = a.bind("center", "width");
            return PyStr.pad(text(v), Py.toLong(arg(p[0], 80L)), " ", '^');
        }, "center");
        register((in, v, a) -> {
            a.bind("wordcount");
            return (long) java.util.regex.Pattern.compile("\\w+", java.util.regex.Pattern.UNICODE_CHARACTER_CLASS)
                    .matcher(text(v)).results().count();
        }, "wordcount");
        register(Filters::truncate, "truncate");
        register((in, v, a) -> {
            if (!a.positional().isEmpty() && !a.keyword().isEmpty()) {
                throw TemplateRuntimeException.runtime("can't handle positional and keyword arguments at the same time");
            }
            Object args = !a.keyword().isEmpty() ? new java.util.LinkedHashMap<Object, Object>(a.keyword())
                    : new PyTuple(a.positional());
            return PercentFormat.format(text(v), args);
        }, "format");
        register(Filters::batch, "batch");
        register(Filters::slice, "slice");
        register((in, v, a) -> {
            Object[] p = a.bind("attr", "name");
            if (v instanceof Undefined u) throw u.error();
            Object attr = Access.attribute(v, text(p[0]));
            return attr == null ? Undefined.member(v, text(p[0])) : attr;
        }, "attr");
    }

    // ---- helpers shared by several filters ---------------------------------------------------

    /** Jinja2's make_attrgetter: a dotted path of item lookups ({@code "a.0.b"}); default for undefined. */
    static java.util.function.Function<Object, Object> attrGetter(Object attribute, Object dflt) {
        List<Object> parts = new ArrayList<>();
        if (Py.isStr(attribute)) {
            for (String part : Py.asStr(attribute).split("\\.", -1)) {
                parts.add(part.matches("\\d+") ? (Object) Long.parseLong(part) : part);
            }
        } else {
            parts.add(attribute);
        }
        return item -> {
            for (Object part : parts) {
                item = Access.getitem(item, part);
                if (dflt != null && item instanceof Undefined) item = dflt;
            }
            return item;
        };
    }

    private static Object ignoreCase(Object v) {
        return Py.isStr(v) ? PyStr.lower(Py.asStr(v)) : v;
    }

    private static final Comparator<Object> PY_ORDER = (x, y) -> Py.compare(x, y, "<");

    private static Object tojson(Interpreter in, Object v, Args a) {
        // transformers: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
        Object[] p = a.bind("tojson", "ensure_ascii", "indent", "separators", "sort_keys");
        return JsonDumps.dumps(v, Py.truthy(arg(p[0], false)), arg(p[1], null), arg(p[2], null),
                Py.truthy(arg(p[3], false)));
    }

    /** Jinja2's do_indent, including its quirk of appending a newline before splitting lines. */
    private static Object indent(Interpreter in, Object v, Args a) {
        Object[] p = a.bind("indent", "width", "first", "blank");
        Object width = arg(p[0], 4L);
        String indention = Py.isStr(width) ? Py.asStr(width) : " ".repeat((int) Math.max(0, Py.toLong(width)));
        boolean first = Py.truthy(arg(p[1], false));
        boolean blank = Py.truthy(arg(p[2], false));
        if (!Py.isStr(v)) {
            if (v instanceof Undefined u) throw u.error();
            throw TemplateRuntimeException.typeError("unsupported operand type(s) for +=: " + PyRepr.repr(Py.typeName(v)) + " and 'str'");
        }
        String s = Py.asStr(v) + "\n";
        List<Object> lines = PyStr.splitlines(s, false);
        StringBuilder rv = new StringBuilder();
        if (blank) {
            for (int i = 0; i < lines.size(); i++) {
                if (i > 0) rv.append('\n').append(indention);
                rv.append((String) lines.get(i));
            }
        } else {
            rv.append((String) lines.get(0));
            for (int i = 1; i < lines.size(); i++) {
                String line = (String) lines.get(i);
                rv.append('\n');
                if (!line.isEmpty()) rv.append(indention);
                rv.append(line);
            }
        }
        return first ? indention + rv : rv.toString();
    }

    private static Object dictsort(Interpreter in, Object v, Args a) {
        Object[] p = a.bind("dictsort", "case_sensitive", "by", "reverse");
        boolean caseSensitive = Py.truthy(arg(p[0], false));
        String by = text(arg(p[1], "key"));
        int pos = switch (by) {
            case "key" -> 0;
            case "value" -> 1;
            default -> throw TemplateRuntimeException.runtime("You can only sort by either \"key\" or \"value\"");
        };
        if (v instanceof Undefined u) throw u.error();
        if (!(v instanceof Map<?, ?> m)) {
            throw new TemplateRuntimeException("AttributeError", PyRepr.repr(Py.typeName(v)) + " object has no attribute 'items'");
        }
        List<Object> items = new ArrayList<>();
        m.forEach((k, val) -> items.add(PyTuple.of(k, val)));
        Comparator<Object> cmp = Comparator.comparing(item -> {
            Object key = ((PyTuple) item).get(pos);
            return caseSensitive ? key : ignoreCase(key);
        }, PY_ORDER);
        items.sort(Py.truthy(arg(p[2], false)) ? cmp.reversed() : cmp);
        return items;
    }

    /** Jinja2's make_multi_attrgetter: the sort key is a list of the comma-separated attributes. */
    private static Comparator<Object> sortKey(Object attribute, boolean caseSensitive) {
        List<java.util.function.Function<Object, Object>> getters = new ArrayList<>();
        if (attribute == null) {
            getters.add(x -> x);
        } else if (Py.isStr(attribute)) {
            for (String part : Py.asStr(attribute).split(",", -1)) getters.add(attrGetter(part, null));
        } else {
            getters.add(attrGetter(attribute, null));
        }
        return Comparator.comparing(item -> {
            List<Object> key = new ArrayList<>();
            for (var g : getters) {
                Object k = g.apply(item);
                key.add(caseSensitive ? k : ignoreCase(k));
            }
            return key;
        }, PY_ORDER);
    }

    private static Object sort(Interpreter in, Object v, Args a) {
        Object[] p = a.bind("sort", "reverse", "case_sensitive", "attribute");
        List<Object> items = new ArrayList<>(Py.iterate(v));
        Comparator<Object> cmp = sortKey(arg(p[2], null), Py.truthy(arg(p[1], false)));
        items.sort(Py.truthy(arg(p[0], false)) ? cmp.reversed() : cmp); // stable, as Python's sorted
        return items;
    }

    private static Object unique(Interpreter in, Object v, Args a) {
        Object[] p = a.bind("unique", "case_sensitive", "attribute");
        boolean caseSensitive = Py.truthy(arg(p[0], false));
        Object attribute = arg(p[1], null);
        List<Object> seen = new ArrayList<>();
        List<Object> out = new ArrayList<>();
        for (Object item : Py.iterate(v)) {
            Object key = attribute == null ? item : attrGetter(attribute, null).apply(item);
            if (!caseSensitive) key = ignoreCase(key);
            Py.requireHashable(key);
            boolean dup = false;
            for (Object s : seen) {
                if (Py.eq(s, key)) {
                    dup = true;
                    break;
                }
            }
            if (!dup) {
                seen.add(key);
                out.add(item);
            }
        }
        return new PyGenerator("do_unique", out);
    }

    /** {@code |map('filter', args...)} or {@code |map(attribute='x', default=d)}. */
    private static Object map(Interpreter in, Object v, Args a) {
        java.util.function.Function<Object, Object> fn;
        if (a.positional().isEmpty() && a.keyword().containsKey("attribute")) {
            Map<String, Object> kw = new HashMap<>(a.keyword());
            Object attribute = kw.remove("attribute");
            Object dflt = kw.remove("default");
            if (!kw.isEmpty()) {
                throw TemplateRuntimeException.runtime("Unexpected keyword argument " + PyRepr.repr(kw.keySet().iterator().next()));
            }
            fn = attrGetter(attribute, dflt);
        } else {
            if (a.positional().isEmpty()) throw TemplateRuntimeException.runtime("map requires a filter argument");
            String name = text(a.positional().get(0));
            Args rest = a.dropPositional(1);
            fn = item -> in.callFilter(name, item, rest);
        }
        List<Object> out = new ArrayList<>();
        if (Py.truthy(v) || v instanceof PyGenerator) for (Object item : Py.iterate(v)) out.add(fn.apply(item));
        return new PyGenerator("sync_do_map", out);
    }

    /** select/reject/selectattr/rejectattr: Jinja2's prepare_select_or_reject. */
    private static Object selectOrReject(Interpreter in, Object v, Args a, boolean lookupAttr, boolean keep) {
        List<Object> pos = a.positional();
        java.util.function.Function<Object, Object> transform = x -> x;
        int off = 0;
        if (lookupAttr) {
            if (pos.isEmpty()) throw TemplateRuntimeException.runtime("Missing parameter for attribute name");
            transform = attrGetter(pos.get(0), null);
            off = 1;
        }
        java.util.function.Predicate<Object> test;
        if (pos.size() > off) {
            String name = text(pos.get(off));
            Args rest = new Args(pos.subList(off + 1, pos.size()), a.keyword());
            test = item -> in.callTest(name, item, rest);
        } else {
            test = Py::truthy;
        }
        List<Object> out = new ArrayList<>();
        if (Py.truthy(v)) {
            for (Object item : Py.iterate(v)) if (test.test(transform.apply(item)) == keep) out.add(item);
        }
        return new PyGenerator("select_or_reject", out);
    }

    /** Jinja2's do_int: parses strings in {@code base}, falls back to int(float(x)), else default. */
    private static Object toInt(Interpreter in, Object v, Args a) {
        Object[] p = a.bind("int", "default", "base");
        Object dflt = arg(p[0], 0L);
        int base = (int) Py.toLong(arg(p[1], 10L));
        if (Py.isIntLike(v)) return Py.toLong(v);
        if (Py.isFloat(v)) {
            double d = Py.toDouble(v);
            if (Double.isNaN(d) || Double.isInfinite(d)) return dflt;
            return PyOps.intResult(new BigDecimal(d).toBigInteger());
        }
        if (Py.isStr(v)) {
            String s = PyStr.strip(Py.asStr(v), null, true, true).replace("_", "");
            try {
                if (base == 16) s = s.replaceFirst("^(?i)([+-]?)0x", "$1");
                else if (base == 8) s = s.replaceFirst("^(?i)([+-]?)0o", "$1");
                else if (base == 2) s = s.replaceFirst("^(?i)([+-]?)0b", "$1");
                return PyOps.intResult(new java.math.BigInteger(s, base));
            } catch (NumberFormatException e) {
                Double d = toFloat(v);
                if (d != null && !d.isNaN() && !d.isInfinite()) return PyOps.intResult(new BigDecimal(d).toBigInteger());
                return dflt;
            }
        }
        return dflt;
    }

    /** Python's float(x) for numbers and numeric strings; null where Python raises. */
    private static Double toFloat(Object v) {
        if (Py.isNumber(v)) return Py.toDouble(v);
        if (!Py.isStr(v)) return null;
        String s = PyStr.strip(Py.asStr(v), null, true, true).replace("_", "");
        String lower = PyStr.lower(s);
        switch (lower) {
            case "nan", "+nan", "-nan" -> { return Double.NaN; }
            case "inf", "+inf", "infinity", "+infinity" -> { return Double.POSITIVE_INFINITY; }
            case "-inf", "-infinity" -> { return Double.NEGATIVE_INFINITY; }
            default -> { }
        }
        if (!s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) return null;
        return Double.parseDouble(s);
    }

    private static Object round(Interpreter in, Object v, Args a) {
        Object[] p = a.bind("round", "precision", "method");
        int precision = (int) Py.toLong(arg(p[0], 0L));
        String method = text(arg(p[1], "common"));
        if (!Py.isNumber(v)) {
            if (v instanceof Undefined u) throw u.error();
            throw TemplateRuntimeException.typeError("type " + Py.typeName(v) + " doesn't define __round__ method");
        }
        double d = Py.toDouble(v);
        if (Double.isNaN(d) || Double.isInfinite(d)) return d;
        RoundingMode mode = switch (method) {
            case "common" -> RoundingMode.HALF_EVEN; // Python's round(): exact value, ties to even
            case "ceil" -> RoundingMode.CEILING;
            case "floor" -> RoundingMode.FLOOR;
            default -> throw TemplateRuntimeException.runtime("method must be common, ceil or floor");
        };
        double r = new BigDecimal(d).setScale(precision, mode).doubleValue();
        return Py.isIntLike(v) && method.equals("common") ? (Object) Py.toLong(v) : r;
    }

    private static Object minMax(Object v, Args a, String fn, int sign) {
        Object[] p = a.bind(fn, "case_sensitive", "attribute");
        List<Object> items = Py.iterate(v);
        if (items.isEmpty()) return Undefined.hint("No aggregated item, sequence was empty.");
        boolean caseSensitive = Py.truthy(arg(p[0], false));
        Object attribute = arg(p[1], null);
        java.util.function.Function<Object, Object> key = item -> {
            Object k = attribute == null ? item : attrGetter(attribute, null).apply(item);
            return caseSensitive ? k : ignoreCase(k);
        };
        Object best = items.get(0);
        for (Object item : items.subList(1, items.size())) {
            if (Py.compare(key.apply(item), key.apply(best), sign < 0 ? "<" : ">") * sign > 0) best = item;
        }
        return best;
    }

    private static Object truncate(Interpreter in, Object v, Args a) {
        Object[] p = a.bind("truncate", "length", "killwords", "end", "leeway");
        String s = text(v);
        long length = Py.toLong(arg(p[0], 255L));
        boolean killwords = Py.truthy(arg(p[1], false));
        String end = text(arg(p[2], "..."));
        long leeway = Py.toLong(arg(p[3], 5L));
        int len = PyStr.length(s);
        if (length < PyStr.length(end)) throw TemplateRuntimeException.runtime("expected length >= " + PyStr.length(end) + ", got " + length);
        if (len <= length + leeway) return s;
        String head = s.substring(0, PyStr.offset(s, (int) (length - PyStr.length(end))));
        if (killwords) return head + end;
        int space = head.lastIndexOf(' ');
        return (space >= 0 ? head.substring(0, space) : head) + end;
    }

    /** Jinja2's do_batch: lists of {@code linecount} items, the last one padded with fill_with. */
    private static Object batch(Interpreter in, Object v, Args a) {
        Object[] p = a.bind("batch", "linecount", "fill_with");
        if (p[0] == Args.MISSING) throw TemplateRuntimeException.typeError("batch() missing required argument 'linecount'");
        long n = Py.toLong(p[0]);
        Object fill = arg(p[1], null);
        List<Object> out = new ArrayList<>();
        List<Object> tmp = new ArrayList<>();
        for (Object item : Py.iterate(v)) {
            if (tmp.size() == n) {
                out.add(tmp);
                tmp = new ArrayList<>();
            }
            tmp.add(item);
        }
        if (!tmp.isEmpty()) {
            if (fill != null) while (tmp.size() < n) tmp.add(fill);
            out.add(tmp);
        }
        return new PyGenerator("do_batch", out);
    }

    /** Jinja2's do_slice: {@code slices} columns, the first ones one item longer. */
    private static Object slice(Interpreter in, Object v, Args a) {
        Object[] p = a.bind("slice", "slices", "fill_with");
        if (p[0] == Args.MISSING) throw TemplateRuntimeException.typeError("slice() missing required argument 'slices'");
        int slices = (int) Py.toLong(p[0]);
        Object fill = arg(p[1], null);
        List<Object> seq = Py.iterate(v);
        int perSlice = seq.size() / slices, withExtra = seq.size() % slices, offset = 0;
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < slices; i++) {
            int start = offset + i * perSlice;
            if (i < withExtra) offset++;
            int end = offset + (i + 1) * perSlice;
            List<Object> tmp = new ArrayList<>(seq.subList(start, end));
            if (fill != null && i >= withExtra) tmp.add(fill);
            out.add(tmp);
        }
        return new PyGenerator("do_slice", out);
    }

    /** Jinja2's do_title: capitalises after spaces, dashes and opening brackets. */
    private static String title(String s) {
        StringBuilder sb = new StringBuilder();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([-\\s({\\[<]+)",
                java.util.regex.Pattern.UNICODE_CHARACTER_CLASS).matcher(s);
        int last = 0;
        while (m.find()) {
            sb.append(capitalizeWord(s.substring(last, m.start()))).append(m.group());
            last = m.end();
        }
        return sb.append(capitalizeWord(s.substring(last))).toString();
    }

    private static String capitalizeWord(String w) {
        if (w.isEmpty()) return w;
        int cp = w.codePointAt(0);
        return PyStr.upper(Character.toString(cp)) + PyStr.lower(w.substring(Character.charCount(cp)));
    }
}
