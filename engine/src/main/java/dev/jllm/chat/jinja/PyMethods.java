package dev.jllm.chat.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Python methods templates may call on values: the non-mutating methods of {@code str},
 * {@code dict} and {@code list}. This whitelist is the only way a template reaches code: there is
 * no reflection and no access to Java methods. The mutating methods of lists and dicts are refused
 * the way Jinja2's {@code ImmutableSandboxedEnvironment} refuses them.
 */
final class PyMethods {
    private PyMethods() {}

    private static final Set<String> STR = Set.of("strip", "lstrip", "rstrip", "split", "rsplit",
            "splitlines", "startswith", "endswith", "replace", "upper", "lower", "title", "capitalize",
            "swapcase", "casefold", "find", "rfind", "index", "rindex", "count", "join", "isdigit",
            "isalpha", "isalnum", "isspace", "islower", "isupper", "isnumeric", "isdecimal", "istitle",
            "center", "ljust", "rjust", "zfill", "partition", "rpartition", "removeprefix",
            "removesuffix", "format");
    private static final Set<String> DICT = Set.of("get", "items", "keys", "values", "copy");
    private static final Set<String> LIST = Set.of("index", "count", "copy");
    private static final Set<String> TUPLE = Set.of("index", "count");
    // jinja2.sandbox._mutable_spec
    private static final Set<String> DICT_MUTATING = Set.of("clear", "pop", "popitem", "setdefault", "update");
    private static final Set<String> LIST_MUTATING = Set.of("append", "clear", "pop", "reverse", "insert",
            "sort", "extend", "remove");

    /** A method bound to its receiver, as {@code obj.name} evaluates in Python. */
    record BoundMethod(Object self, String name) implements PyCallable {
        @Override
        public Object call(Interpreter interpreter, Args args) {
            return invoke(self, name, args);
        }
    }

    /** {@code obj.name} if it is a whitelisted method, an unsafe Undefined if refused, else null. */
    static Object bind(Object obj, String name) {
        if (Py.isStr(obj) && STR.contains(name)) return new BoundMethod(obj, name);
        if (obj instanceof Map) {
            if (DICT.contains(name)) return new BoundMethod(obj, name);
            if (DICT_MUTATING.contains(name)) return Undefined.unsafe(obj, name);
        }
        if (obj instanceof PyTuple || obj instanceof PyRange) {
            return TUPLE.contains(name) ? new BoundMethod(obj, name) : null;
        }
        if (obj instanceof List) {
            if (LIST.contains(name)) return new BoundMethod(obj, name);
            if (LIST_MUTATING.contains(name)) return Undefined.unsafe(obj, name);
        }
        return null;
    }

    private static Object invoke(Object self, String name, Args args) {
        if (Py.isStr(self)) return strMethod(Py.asStr(self), name, args);
        if (self instanceof Map<?, ?> map) return dictMethod(map, name, args);
        return listMethod((List<?>) self, name, args);
    }

    // ---- dict --------------------------------------------------------------------------------

    private static Object dictMethod(Map<?, ?> map, String name, Args args) {
        noKeywords(name, args);
        switch (name) {
            case "get" -> {
                Object[] a = positional(name, args, 1, 2);
                Object key = Py.findKey(map, a[0]);
                return key == Py.NO_KEY ? (a.length > 1 ? a[1] : null) : map.get(key);
            }
            case "items" -> {
                positional(name, args, 0, 0);
                List<Object> items = new ArrayList<>(map.size());
                map.forEach((k, v) -> items.add(PyTuple.of(k, v)));
                return new PyView("dict_items", items);
            }
            case "keys" -> {
                positional(name, args, 0, 0);
                return new PyView("dict_keys", new ArrayList<>(map.keySet()));
            }
            case "values" -> {
                positional(name, args, 0, 0);
                return new PyView("dict_values", new ArrayList<>(map.values()));
            }
            default -> { // copy
                positional(name, args, 0, 0);
                return new LinkedHashMap<Object, Object>(map);
            }
        }
    }

    // ---- list / tuple ------------------------------------------------------------------------

    private static Object listMethod(List<?> list, String name, Args args) {
        noKeywords(name, args);
        switch (name) {
            case "count" -> {
                Object x = positional(name, args, 1, 1)[0];
                return list.stream().filter(o -> Py.eq(o, x)).count();
            }
            case "index" -> {
                Object[] a = positional(name, args, 1, 3);
                int[] range = bounds(list.size(), a);
                for (int i = range[0]; i < range[1]; i++) if (Py.eq(list.get(i), a[0])) return (long) i;
                throw TemplateRuntimeException.valueError(PyRepr.repr(a[0]) + " is not in list");
            }
            default -> { // copy
                positional(name, args, 0, 0);
                return new ArrayList<Object>(list);
            }
        }
    }

    // ---- str ---------------------------------------------------------------------------------

    private static Object strMethod(String s, String name, Args args) {
        if (name.equals("format")) return StrFormat.format(s, args);
        if (name.equals("split") || name.equals("rsplit")) {
            Object[] a = args.bind(name, "sep", "maxsplit");
            String sep = a[0] == Args.MISSING || a[0] == null ? null : str(name, a[0]);
            long max = a[1] == Args.MISSING ? -1 : integer(a[1]);
            return name.equals("split") ? PyStr.split(s, sep, max) : PyStr.rsplit(s, sep, max);
        }
        if (name.equals("splitlines")) {
            Object[] a = args.bind(name, "keepends");
            return PyStr.splitlines(s, a[0] != Args.MISSING && Py.truthy(a[0]));
        }
        noKeywords(name, args);
        switch (name) {
            case "strip", "lstrip", "rstrip" -> {
                Object[] a = positional(name, args, 0, 1);
                String chars = a.length == 0 || a[0] == null ? null : str(name, a[0]);
                return PyStr.strip(s, chars, !name.equals("rstrip"), !name.equals("lstrip"));
            }
            case "startswith", "endswith" -> {
                Object[] a = positional(name, args, 1, 3);
                int[] range = bounds(PyStr.length(s), a);
                if (range[1] < range[0]) return false;
                String sub = s.substring(PyStr.offset(s, range[0]), PyStr.offset(s, range[1]));
                List<Object> prefixes = a[0] instanceof PyTuple t ? t : List.of(affix(name, a[0]));
                for (Object p : prefixes) {
                    String affix = affix(name, p);
                    if (name.equals("startswith") ? sub.startsWith(affix) : sub.endsWith(affix)) return true;
                }
                return false;
            }
            case "replace" -> {
                Object[] a = positional(name, args, 2, 3);
                return PyStr.replace(s, str(name, a[0]), str(name, a[1]), a.length > 2 ? integer(a[2]) : -1);
            }
            case "upper" -> { positional(name, args, 0, 0); return PyStr.upper(s); }
            case "lower", "casefold" -> { positional(name, args, 0, 0); return PyStr.lower(s); }
            case "title" -> { positional(name, args, 0, 0); return PyStr.title(s); }
            case "capitalize" -> { positional(name, args, 0, 0); return PyStr.capitalize(s); }
            case "swapcase" -> {
                positional(name, args, 0, 0);
                StringBuilder sb = new StringBuilder();
                s.codePoints().forEach(cp -> sb.append(Character.isUpperCase(cp)
                        ? PyStr.lower(Character.toString(cp)) : PyStr.upper(Character.toString(cp))));
                return sb.toString();
            }
            case "find", "rfind", "index", "rindex", "count" -> {
                Object[] a = positional(name, args, 1, 3);
                String sub = str(name, a[0]);
                int[] range = bounds(PyStr.length(s), a);
                String window = s.substring(PyStr.offset(s, range[0]), PyStr.offset(s, Math.max(range[0], range[1])));
                if (name.equals("count")) {
                    if (range[1] < range[0]) return 0L;
                    if (sub.isEmpty()) return (long) PyStr.length(window) + 1;
                    long n = 0;
                    for (int i = window.indexOf(sub); i >= 0; i = window.indexOf(sub, i + sub.length())) n++;
                    return n;
                }
                int at = range[1] < range[0] ? -1
                        : name.startsWith("r") ? window.lastIndexOf(sub) : window.indexOf(sub);
                if (at < 0) {
                    if (name.endsWith("index")) throw TemplateRuntimeException.valueError("substring not found");
                    return -1L;
                }
                return (long) range[0] + window.codePointCount(0, at);
            }
            case "join" -> {
                Object[] a = positional(name, args, 1, 1);
                return PyStr.join(s, Py.iterate(a[0]));
            }
            case "isdigit", "isdecimal" -> { positional(name, args, 0, 0); return all(s, Character::isDigit); }
            case "isnumeric" -> {
                positional(name, args, 0, 0);
                return all(s, cp -> switch (Character.getType(cp)) {
                    case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> true;
                    default -> false;
                });
            }
            case "isalpha" -> { positional(name, args, 0, 0); return all(s, Character::isLetter); }
            case "isalnum" -> { positional(name, args, 0, 0); return all(s, Character::isLetterOrDigit); }
            case "isspace" -> { positional(name, args, 0, 0); return all(s, PyStr::isSpace); }
            case "islower" -> { positional(name, args, 0, 0); return PyStr.isLower(s); }
            case "isupper" -> { positional(name, args, 0, 0); return PyStr.isUpper(s); }
            case "istitle" -> { positional(name, args, 0, 0); return !s.isEmpty() && PyStr.title(s).equals(s) && !PyStr.isLower(s) && s.codePoints().anyMatch(Character::isUpperCase); }
            case "center", "ljust", "rjust" -> {
                Object[] a = positional(name, args, 1, 2);
                String fill = a.length > 1 ? str(name, a[1]) : " ";
                if (PyStr.length(fill) != 1) {
                    throw TemplateRuntimeException.typeError("The fill character must be exactly one character long");
                }
                char align = name.equals("center") ? '^' : name.equals("ljust") ? '<' : '>';
                return PyStr.pad(s, integer(a[0]), fill, align);
            }
            case "zfill" -> {
                long width = integer(positional(name, args, 1, 1)[0]);
                long len = PyStr.length(s);
                if (width <= len) return s;
                boolean sign = !s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+');
                String zeros = "0".repeat((int) (width - len));
                return sign ? s.charAt(0) + zeros + s.substring(1) : zeros + s;
            }
            case "partition", "rpartition" -> {
                String sep = str(name, positional(name, args, 1, 1)[0]);
                if (sep.isEmpty()) throw TemplateRuntimeException.valueError("empty separator");
                int at = name.equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
                if (at < 0) return name.equals("partition") ? PyTuple.of(s, "", "") : PyTuple.of("", "", s);
                return PyTuple.of(s.substring(0, at), sep, s.substring(at + sep.length()));
            }
            case "removeprefix" -> {
                String p = str(name, positional(name, args, 1, 1)[0]);
                return s.startsWith(p) ? s.substring(p.length()) : s;
            }
            case "removesuffix" -> {
                String p = str(name, positional(name, args, 1, 1)[0]);
                return !p.isEmpty() && s.endsWith(p) ? s.substring(0, s.length() - p.length()) : s;
            }
            default -> throw new IllegalStateException("unhandled str method " + name);
        }
    }

    /** Python's slice-style clamping of optional {@code start}/{@code end} arguments. */
    private static int[] bounds(int len, Object[] a) {
        long start = a.length > 1 && a[1] != null ? integer(a[1]) : 0;
        long end = a.length > 2 && a[2] != null ? integer(a[2]) : len;
        if (start < 0) start = Math.max(0, start + len);
        if (end < 0) end = Math.max(0, end + len);
        return new int[] {(int) Math.min(start, len), (int) Math.min(end, len)};
    }

    private static String affix(String method, Object o) {
        if (!Py.isStr(o)) {
            throw TemplateRuntimeException.typeError(method + " first arg must be str or a tuple of str, not "
                    + Py.typeName(o));
        }
        return Py.asStr(o);
    }

    private static boolean all(String s, java.util.function.IntPredicate p) {
        return !s.isEmpty() && s.codePoints().allMatch(p);
    }

    // ---- argument helpers --------------------------------------------------------------------

    private static void noKeywords(String name, Args args) {
        if (!args.keyword().isEmpty()) {
            throw TemplateRuntimeException.typeError(name + "() takes no keyword arguments");
        }
    }

    private static Object[] positional(String name, Args args, int min, int max) {
        int n = args.positional().size();
        if (n < min || n > max) {
            throw TemplateRuntimeException.typeError(name + "() takes " + (min == max ? "exactly " + min
                    : "from " + min + " to " + max) + " argument(s) (" + n + " given)");
        }
        return args.positional().toArray();
    }

    private static String str(String method, Object o) {
        if (Py.isStr(o)) return Py.asStr(o);
        throw TemplateRuntimeException.typeError(method + "() argument must be str, not " + Py.typeName(o));
    }

    private static long integer(Object o) {
        if (Py.isIntLike(o)) return Py.toLong(o);
        throw TemplateRuntimeException.typeError("'" + Py.typeName(o) + "' object cannot be interpreted as an integer");
    }
}
