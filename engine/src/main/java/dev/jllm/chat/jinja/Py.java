package dev.jllm.chat.jinja;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's view of the plain Java values templates work with: type names, truthiness, equality,
 * ordering, iteration, {@code len} and {@code in}.
 *
 * <p>Value model: {@code null} is None; Boolean is bool (and, as in Python, also an int);
 * Long/Integer/Short/Byte are int; Double/Float are float; String and {@link Markup} are str;
 * List is list ({@link PyTuple} tuple, {@link PyRange} range); Map is dict.
 */
final class Py {
    private Py() {}

    // ---- type predicates ---------------------------------------------------------------------

    /** An int that is not a bool. */
    static boolean isInt(Object o) {
        return o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte
                || o instanceof BigInteger;
    }

    static boolean isFloat(Object o) {
        return o instanceof Double || o instanceof Float || o instanceof java.math.BigDecimal;
    }

    /** int, float or bool: Python's numbers (bool is a subclass of int). */
    static boolean isNumber(Object o) {
        return isInt(o) || isFloat(o) || o instanceof Boolean;
    }

    /** int or bool, the operands of integer arithmetic. */
    static boolean isIntLike(Object o) {
        return isInt(o) || o instanceof Boolean;
    }

    static boolean isStr(Object o) {
        return o instanceof String || o instanceof Markup;
    }

    static String asStr(Object o) {
        return o instanceof Markup m ? m.text() : (String) o;
    }

    static long toLong(Object o) {
        if (o instanceof Boolean b) return b ? 1 : 0;
        if (o instanceof BigInteger bi) {
            try {
                return bi.longValueExact();
            } catch (ArithmeticException e) {
                throw new TemplateRuntimeException("OverflowError", "int too large");
            }
        }
        return ((Number) o).longValue();
    }

    static double toDouble(Object o) {
        if (o instanceof Boolean b) return b ? 1 : 0;
        return ((Number) o).doubleValue();
    }

    /** Python's {@code type(o).__name__}. */
    static String typeName(Object o) {
        if (o == null) return "NoneType";
        if (o instanceof Boolean) return "bool";
        if (isInt(o)) return "int";
        if (isFloat(o)) return "float";
        if (o instanceof String) return "str";
        if (o instanceof Markup) return "Markup";
        if (o instanceof PyTuple) return "tuple";
        if (o instanceof PyRange) return "range";
        if (o instanceof List) return "list";
        if (o instanceof Map) return "dict";
        if (o instanceof PyView v) return v.kind();
        if (o instanceof PyGenerator) return "generator";
        if (o instanceof Undefined) return "Undefined";
        if (o instanceof Namespace) return "Namespace";
        if (o instanceof Macro) return "Macro";
        if (o instanceof LoopContext) return "LoopContext";
        if (o instanceof PyCallable) return "builtin_function_or_method";
        return o.getClass().getSimpleName();
    }

    // ---- truthiness --------------------------------------------------------------------------

    static boolean truthy(Object o) {
        if (o == null) return false;
        if (o instanceof Boolean b) return b;
        if (isInt(o)) return o instanceof BigInteger bi ? bi.signum() != 0 : toLong(o) != 0;
        if (isFloat(o)) return toDouble(o) != 0.0; // NaN is truthy, as in Python
        if (isStr(o)) return !asStr(o).isEmpty();
        if (o instanceof List<?> l) return !l.isEmpty();
        if (o instanceof Map<?, ?> m) return !m.isEmpty();
        if (o instanceof PyView v) return !v.items().isEmpty();
        if (o instanceof Undefined) return false;
        return true; // generators, namespaces, callables: objects without __bool__/__len__
    }

    // ---- equality and ordering ---------------------------------------------------------------

    /** Python's {@code ==}. */
    static boolean eq(Object a, Object b) {
        if (a == b) return true;
        if (a == null || b == null) return false;
        if (isNumber(a) && isNumber(b)) {
            if (isFloat(a) || isFloat(b)) return toDouble(a) == toDouble(b);
            if (a instanceof BigInteger || b instanceof BigInteger) return toBig(a).equals(toBig(b));
            return toLong(a) == toLong(b);
        }
        if (isStr(a) && isStr(b)) return asStr(a).equals(asStr(b));
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if (sequenceKind(a) != sequenceKind(b) || la.size() != lb.size()) return false;
            for (int i = 0; i < la.size(); i++) if (!eq(la.get(i), lb.get(i))) return false;
            return true;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (ma.size() != mb.size()) return false;
            for (Map.Entry<?, ?> e : ma.entrySet()) {
                Object key = findKey(mb, e.getKey());
                if (key == NO_KEY || !eq(e.getValue(), mb.get(key))) return false;
            }
            return true;
        }
        // Undefined.__eq__: all undefined values are equal to each other.
        if (a instanceof Undefined && b instanceof Undefined) return true;
        return a.equals(b) && !(a instanceof Undefined);
    }

    private static BigInteger toBig(Object o) {
        return o instanceof BigInteger bi ? bi : BigInteger.valueOf(toLong(o));
    }

    private static int sequenceKind(Object o) {
        return o instanceof PyTuple ? 1 : o instanceof PyRange ? 2 : 0;
    }

    /** Python's {@code a op b} for {@code op} in {@code < <= > >=}. */
    static boolean compareOp(Object a, Object b, String op) {
        if (isNumber(a) && isNumber(b) && (isFloat(a) || isFloat(b))) {
            double x = toDouble(a), y = toDouble(b); // comparisons with NaN are all false
            return switch (op) {
                case "<" -> x < y;
                case "<=" -> x <= y;
                case ">" -> x > y;
                default -> x >= y;
            };
        }
        int c = compare(a, b, op);
        return switch (op) {
            case "<" -> c < 0;
            case "<=" -> c <= 0;
            case ">" -> c > 0;
            default -> c >= 0;
        };
    }

    /**
     * Three-way version of Python's ordering, for sorting and {@link #compareOp}: numbers with
     * numbers, strings with strings (by code point), lists/tuples lexicographically; TypeError
     * otherwise, naming {@code op} as Python does.
     */
    static int compare(Object a, Object b, String op) {
        if (a instanceof Undefined u) throw u.error();
        if (b instanceof Undefined u) throw u.error();
        if (isNumber(a) && isNumber(b)) {
            if (isFloat(a) || isFloat(b)) {
                double x = toDouble(a), y = toDouble(b);
                return x < y ? -1 : x > y ? 1 : 0;
            }
            if (a instanceof BigInteger || b instanceof BigInteger) return toBig(a).compareTo(toBig(b));
            return Long.compare(toLong(a), toLong(b));
        }
        if (isStr(a) && isStr(b)) return PyStr.compare(asStr(a), asStr(b));
        if (a instanceof List<?> la && b instanceof List<?> lb && sequenceKind(a) == sequenceKind(b)
                && sequenceKind(a) != 2) {
            int n = Math.min(la.size(), lb.size());
            for (int i = 0; i < n; i++) {
                if (!eq(la.get(i), lb.get(i))) return compare(la.get(i), lb.get(i), op);
            }
            return Integer.compare(la.size(), lb.size());
        }
        throw TemplateRuntimeException.typeError("'" + op + "' not supported between instances of "
                + PyRepr.repr(typeName(a)) + " and " + PyRepr.repr(typeName(b)));
    }

    // ---- dict keys ---------------------------------------------------------------------------

    static final Object NO_KEY = new Object();

    /** The key of {@code map} equal to {@code key} in Python's sense (1 == 1.0 == True), or NO_KEY. */
    static Object findKey(Map<?, ?> map, Object key) {
        if (key instanceof Markup m) key = m.text();
        try {
            if (map.containsKey(key)) return key;
            if (!isNumber(key) && key != null) return NO_KEY; // strings and tuples: the hash lookup is exact
        } catch (ClassCastException | NullPointerException e) {
            // caller-supplied maps such as Map.of or TreeMap refuse null or foreign key types
        }
        for (Object k : map.keySet()) if (eq(k, key)) return k;
        return NO_KEY;
    }

    /** Raises TypeError for values Python cannot hash (lists, dicts). */
    static void requireHashable(Object key) {
        if (key instanceof List<?> && !(key instanceof PyTuple) || key instanceof Map<?, ?>
                || key instanceof Namespace) {
            throw TemplateRuntimeException.typeError("unhashable type: " + PyRepr.repr(typeName(key)));
        }
    }

    // ---- iteration, len, in ------------------------------------------------------------------

    /** {@code list(o)}: the items a {@code for} loop over {@code o} sees. */
    static List<Object> iterate(Object o) {
        if (o instanceof Undefined) return List.of();
        if (isStr(o)) return PyStr.chars(asStr(o));
        if (o instanceof List<?> l) {
            @SuppressWarnings("unchecked") List<Object> list = (List<Object>) l;
            return list;
        }
        if (o instanceof Map<?, ?> m) return new ArrayList<>(m.keySet());
        if (o instanceof PyView v) return v.items();
        if (o instanceof PyGenerator g) return g.drain();
        if (o instanceof Iterable<?> it && !(o instanceof Namespace)) {
            List<Object> out = new ArrayList<>();
            for (Iterator<?> i = it.iterator(); i.hasNext(); ) out.add(i.next());
            return out;
        }
        throw TemplateRuntimeException.typeError(PyRepr.repr(typeName(o)) + " object is not iterable");
    }

    static boolean isIterable(Object o) {
        return isStr(o) || o instanceof List || o instanceof Map || o instanceof PyView
                || o instanceof PyGenerator || o instanceof Undefined || o instanceof LoopContext;
    }

    /** {@code len(o)}; Undefined has length 0. */
    static long len(Object o) {
        if (isStr(o)) return PyStr.length(asStr(o));
        if (o instanceof List<?> l) return l.size();
        if (o instanceof Map<?, ?> m) return m.size();
        if (o instanceof PyView v) return v.items().size();
        if (o instanceof Undefined) return 0;
        if (o instanceof LoopContext loop) return loop.length();
        throw TemplateRuntimeException.typeError("object of type " + PyRepr.repr(typeName(o)) + " has no len()");
    }

    /** Python's {@code needle in haystack}. */
    static boolean contains(Object haystack, Object needle) {
        if (isStr(haystack)) {
            if (!isStr(needle)) {
                if (needle instanceof Undefined u) throw u.error();
                throw TemplateRuntimeException.typeError(
                        "'in <string>' requires string as left operand, not " + typeName(needle));
            }
            return asStr(haystack).contains(asStr(needle));
        }
        if (haystack instanceof Map<?, ?> m) {
            requireHashable(needle);
            return findKey(m, needle) != NO_KEY;
        }
        if (haystack instanceof Undefined) return false; // iterates as empty
        if (haystack instanceof List || haystack instanceof PyView || haystack instanceof PyGenerator) {
            for (Object item : iterate(haystack)) if (eq(item, needle)) return true;
            return false;
        }
        throw TemplateRuntimeException.typeError("argument of type " + PyRepr.repr(typeName(haystack))
                + " is not iterable");
    }
}
