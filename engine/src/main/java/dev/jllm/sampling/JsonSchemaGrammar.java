package dev.jllm.sampling;

import static dev.jllm.sampling.Grammar.Builder.seq;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a JSON Schema to a {@link Grammar} whose sentences are the JSON texts the schema
 * accepts, in the manner of llama.cpp's {@code json-schema-to-grammar} (OpenAI's structured
 * outputs ask for the same subset):
 *
 * <ul>
 * <li>{@code type} (one or a list): object, array, string, number, integer, boolean, null;
 *     {@code enum}, {@code const}; {@code anyOf} / {@code oneOf} (both as "any of");
 *     {@code $ref} to {@code #}, {@code #/$defs/…} or {@code #/definitions/…} (recursion allowed);
 *     {@code true} / {@code {}} for any JSON value.
 * <li>objects: {@code properties} are written in the order declared, the {@code required} ones
 *     always, the others optionally; with {@code properties}, other members are allowed only if
 *     {@code additionalProperties} says so (as llama.cpp: by default they are not); without
 *     {@code properties} any members are allowed, of the {@code additionalProperties} schema.
 *     {@code properties} together with permitted additional members is refused. Where member
 *     names are free, a name may repeat (RFC 8259 allows it; a grammar cannot rule it out).
 * <li>arrays: {@code items}, {@code prefixItems}, {@code minItems}, {@code maxItems};
 *     strings: {@code minLength}, {@code maxLength} (counted in characters or escapes), and the
 *     formats {@code date}, {@code time}, {@code date-time}, {@code uuid}; integers:
 *     {@code minimum}, {@code maximum}, {@code exclusiveMinimum}, {@code exclusiveMaximum}.
 * </ul>
 *
 * Annotations ({@code title}, {@code description}, {@code default}, {@code examples}, …) are
 * ignored; any other keyword ({@code pattern}, {@code multipleOf}, bounds on non-integers, …) or format is refused
 * with an {@link IllegalArgumentException} naming it, rather than silently not enforced.
 *
 * <p>Whitespace between tokens is what llama.cpp's JSON grammar allows and {@link JsonPrefix}
 * uses: none, one space, or a newline and up to 20 spaces or tabs; no whitespace before or after
 * the top-level value, so generation ends when the value does. Integral parts have at most 16
 * digits, fractions 1–16, exponents 1–3 (numbers cannot run on forever).
 */
public final class JsonSchemaGrammar {
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "default", "examples", "$schema",
            "$id", "$comment", "deprecated", "readOnly", "writeOnly", "$defs", "definitions", "strict");
    private static final Set<String> KEYWORDS = Set.of("type", "enum", "const", "anyOf", "oneOf", "$ref", "properties",
            "required", "additionalProperties", "items", "prefixItems", "minItems", "maxItems", "minLength", "maxLength", "format",
            "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum");

    /** Largest minItems / maxItems / minLength / maxLength (each unit of a bound is a grammar rule). */
    static final int MAX_COUNT = 10_000;

    private final Grammar.Builder g = new Grammar.Builder();
    /** The schema whose $defs references resolve against (the top one, or an embedded value's own). */
    private Object root;
    /** Rules made for references, per root (an embedded value's "#/$defs/x" is its own). */
    private final Map<Object, Map<String, Integer>> refRules = new java.util.IdentityHashMap<>();
    private final int ws, string, number, integer, any;

    /** Rule 0 is left without alternatives for the caller to give. */
    private JsonSchemaGrammar() {
        g.rule(); // rule 0: the start
        ws = whitespace();
        string = stringRule(0, -1);
        number = numberRule(false);
        integer = numberRule(true);
        any = g.rule();
        defineAny();
    }

    /**
     * @param schemaJson the schema as JSON text
     * @throws IllegalArgumentException if the text is not JSON or the schema uses what is not supported
     */
    public static Grammar compile(String schemaJson) {
        return compileSchema(JsonValues.parse(schemaJson));
    }

    /** As {@link #compile(String)} for a schema already parsed by {@link JsonValues#parse}. */
    public static Grammar compileSchema(Object schema) {
        return compileSchema(schema, "", "");
    }

    /** As {@link #compileSchema(Object)}, the JSON text framed by fixed text before and after (a tool call's tags). */
    public static Grammar compileSchema(Object schema, String prefix, String suffix) {
        Embedding e = new Embedding();
        return e.build(seq(e.builder().bytes(prefix), e.builder().ref(e.value(schema)), e.builder().bytes(suffix)));
    }

    /**
     * A grammar being built in which JSON values valid against schemas are parts of larger text
     * (the XML tool-call syntaxes put a JSON value in each parameter's tags): {@link #builder}
     * makes the surrounding rules, {@link #value} the rule of one schema's values (its {@code $ref}s
     * resolve within that schema), {@link #build} closes it with the start sequence.
     */
    public static final class Embedding {
        private final JsonSchemaGrammar compiler = new JsonSchemaGrammar();

        /** The builder the surrounding rules are made with. */
        public Grammar.Builder builder() {
            return compiler.g;
        }

        /**
         * The rule of the JSON values valid against {@code schema}.
         *
         * @throws IllegalArgumentException if the schema uses what is not supported
         */
        public int value(Object schema) {
            Object outer = compiler.root;
            compiler.root = schema;
            try {
                return compiler.compile(schema, "#");
            } finally {
                compiler.root = outer;
            }
        }

        /** The grammar whose sentences are {@code start}. */
        public Grammar build(int[] start) {
            compiler.g.alt(0, start);
            return compiler.g.build();
        }
    }

    /** The rule for JSON texts valid against {@code schema}; {@code where} names it in messages (a JSON pointer: # is the top). */
    private int compile(Object schema, String where) {
        if (schema == Boolean.TRUE) return any;
        if (schema == Boolean.FALSE) throw new IllegalArgumentException(where + " is false: no value is valid");
        if (!(schema instanceof Map<?, ?> raw)) throw new IllegalArgumentException(where + " must be an object or a boolean");
        @SuppressWarnings("unchecked") Map<String, Object> s = (Map<String, Object>) raw;
        for (String key : s.keySet()) {
            if (!KEYWORDS.contains(key) && !ANNOTATIONS.contains(key)) {
                throw new IllegalArgumentException("JSON schema keyword '" + key + "' (at " + where + ") is not supported");
            }
        }
        if (s.containsKey("$ref")) return reference(string(s.get("$ref"), where + "/$ref"));
        if (s.containsKey("const")) return g.rule(g.bytes(JsonValues.write(s.get("const"))));
        if (s.containsKey("enum")) {
            List<?> values = list(s.get("enum"), where + "/enum");
            if (values.isEmpty()) throw new IllegalArgumentException(where + "/enum is empty: no value is valid");
            int r = g.rule();
            for (Object v : values) g.alt(r, g.bytes(JsonValues.write(v)));
            return r;
        }
        for (String key : new String[]{"anyOf", "oneOf"}) {
            if (!s.containsKey(key)) continue;
            List<?> options = list(s.get(key), where + "/" + key);
            if (options.isEmpty()) throw new IllegalArgumentException(where + "/" + key + " is empty");
            int r = g.rule();
            for (int i = 0; i < options.size(); i++) g.alt(r, g.ref(compile(options.get(i), where + "/" + key + "/" + i)));
            return r;
        }
        Object type = s.get("type");
        if (type == null) {
            if (s.containsKey("properties") || s.containsKey("additionalProperties")) type = "object";
            else if (s.containsKey("items") || s.containsKey("prefixItems")) type = "array";
            else if (s.containsKey("minLength") || s.containsKey("maxLength")) type = "string";
            else return any;
        }
        if (type instanceof List<?> types) {
            int r = g.rule();
            for (Object t : types) g.alt(r, g.ref(typed(string(t, where + "/type"), s, where)));
            return r;
        }
        return typed(string(type, where + "/type"), s, where);
    }

    private int typed(String type, Map<String, Object> s, String where) {
        return switch (type) {
            case "string" -> s.containsKey("format") ? format(string(s.get("format"), where + "/format"), s, where)
                    : s.containsKey("minLength") || s.containsKey("maxLength")
                    ? stringRule(count(s, "minLength", 0, where), count(s, "maxLength", -1, where)) : string;
            case "number" -> {
                for (String k : new String[]{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}) {
                    if (s.containsKey(k)) throw new IllegalArgumentException(where + ": '" + k + "' is supported for integers, not numbers");
                }
                yield number;
            }
            case "integer" -> s.containsKey("minimum") || s.containsKey("maximum") || s.containsKey("exclusiveMinimum") || s.containsKey("exclusiveMaximum")
                    ? integerRange(s, where) : integer;
            case "boolean" -> g.rule(g.bytes("true"), g.bytes("false"));
            case "null" -> g.rule(g.bytes("null"));
            case "object" -> object(s, where);
            case "array" -> array(s, where);
            default -> throw new IllegalArgumentException("unknown type '" + type + "' at " + where);
        };
    }

    private int reference(String ref) {
        Map<String, Integer> rules = refRules.computeIfAbsent(root, r -> new HashMap<>());
        Integer known = rules.get(ref);
        if (known != null) return known;
        Object target;
        if (ref.equals("#")) target = root;
        else if (ref.startsWith("#/$defs/") || ref.startsWith("#/definitions/")) {
            String section = ref.startsWith("#/$defs/") ? "$defs" : "definitions";
            String name = ref.substring(section.length() + 3).replace("~1", "/").replace("~0", "~");
            target = root instanceof Map<?, ?> m && m.get(section) instanceof Map<?, ?> defs ? defs.get(name) : null;
            if (target == null) throw new IllegalArgumentException("$ref '" + ref + "' names no definition in the schema");
        } else throw new IllegalArgumentException("$ref '" + ref + "' is not supported (only #, #/$defs/… and #/definitions/…)");
        int r = g.rule(); // made before the body so that recursive references find it
        rules.put(ref, r);
        g.alt(r, g.ref(compile(target, ref)));
        return r;
    }

    private int object(Map<String, Object> s, String where) {
        Object additional = s.get("additionalProperties");
        if (!s.containsKey("properties")) {
            if (s.containsKey("required")) throw new IllegalArgumentException(where + " has 'required' but no 'properties'");
            if (additional == Boolean.FALSE) return g.rule(seq(g.bytes("{"), g.ref(ws), g.bytes("}")));
            int member = g.rule(seq(g.ref(string), g.ref(ws), g.bytes(":"), g.ref(ws),
                    g.ref(additional == null ? any : compile(additional, where + "/additionalProperties"))));
            return list('{', member, '}', 0, -1);
        }
        if (additional != null && additional != Boolean.FALSE) {
            throw new IllegalArgumentException(where + ": 'properties' together with 'additionalProperties' other than false is not supported");
        }
        if (!(s.get("properties") instanceof Map<?, ?> rawProps)) throw new IllegalArgumentException(where + "/properties must be an object");
        Set<String> required = new LinkedHashSet<>();
        if (s.containsKey("required")) for (Object o : list(s.get("required"), where + "/required")) required.add(string(o, where + "/required"));
        List<String> names = new ArrayList<>();
        List<Integer> members = new ArrayList<>();
        for (var e : rawProps.entrySet()) {
            String name = (String) e.getKey();
            names.add(name);
            StringBuilder key = new StringBuilder();
            JsonValues.quote(name, key);
            int value = compile(e.getValue(), where + "/properties/" + name);
            members.add(g.rule(seq(g.bytes(key.toString()), g.ref(ws), g.bytes(":"), g.ref(ws), g.ref(value))));
        }
        for (String r : required) if (!names.contains(r)) throw new IllegalArgumentException(where + ": required property '" + r + "' is not in 'properties'");
        // after[i][first]: the members from i on; 'first' says whether none has been written yet (no comma).
        int n = names.size();
        int[][] after = new int[n + 1][2];
        after[n][0] = after[n][1] = g.rule(new int[0]);
        int comma = g.rule(seq(g.ref(ws), g.bytes(","), g.ref(ws)));
        for (int i = n - 1; i >= 0; i--) {
            boolean must = required.contains(names.get(i));
            for (int first = 0; first < 2; first++) {
                int r = g.rule();
                int[] write = first == 1 ? new int[]{g.ref(members.get(i)), g.ref(after[i + 1][0])}
                        : new int[]{g.ref(comma), g.ref(members.get(i)), g.ref(after[i + 1][0])};
                g.alt(r, write);
                if (!must) g.alt(r, g.ref(after[i + 1][first]));
                after[i][first] = r;
            }
        }
        if (n == 0) return g.rule(seq(g.bytes("{"), g.ref(ws), g.bytes("}")));
        if (required.isEmpty()) {
            // "{" ws "}" when nothing is written, else "{" ws members ws "}".
            return g.rule(seq(g.bytes("{"), g.ref(ws), g.bytes("}")),
                    seq(g.bytes("{"), g.ref(ws), g.ref(nonEmpty(after, members)), g.ref(ws), g.bytes("}")));
        }
        return g.rule(seq(g.bytes("{"), g.ref(ws), g.ref(after[0][1]), g.ref(ws), g.bytes("}")));
    }

    /** With no required member: the member lists that write at least one member (so "{ }" is not read two ways). */
    private int nonEmpty(int[][] after, List<Integer> members) {
        int r = g.rule();
        for (int i = 0; i < members.size(); i++) g.alt(r, g.ref(members.get(i)), g.ref(after[i + 1][0]));
        return r;
    }

    private int array(Map<String, Object> s, String where) {
        int min = count(s, "minItems", 0, where), max = count(s, "maxItems", -1, where);
        if (max >= 0 && max < min) throw new IllegalArgumentException(where + ": maxItems " + max + " is less than minItems " + min);
        if (s.containsKey("prefixItems")) {
            if (s.containsKey("minItems") || s.containsKey("maxItems") || s.containsKey("items") && s.get("items") != Boolean.FALSE) {
                throw new IllegalArgumentException(where + ": prefixItems with items, minItems or maxItems is not supported");
            }
            List<?> items = list(s.get("prefixItems"), where + "/prefixItems");
            int[] body = new int[0];
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) body = seq(body, g.ref(ws), g.bytes(","), g.ref(ws));
                body = seq(body, g.ref(compile(items.get(i), where + "/prefixItems/" + i)));
            }
            return items.isEmpty() ? g.rule(seq(g.bytes("["), g.ref(ws), g.bytes("]")))
                    : g.rule(seq(g.bytes("["), g.ref(ws), body, g.ref(ws), g.bytes("]")));
        }
        int item = s.containsKey("items") ? compile(s.get("items"), where + "/items") : any;
        return list('[', item, ']', min, max);
    }

    /** {@code open ws (item (ws "," ws item){min-1,max-1} ws)? close}, with the list optional only when min is 0. */
    private int list(char open, int item, char close, int min, int max) {
        int[] empty = seq(g.bytes(String.valueOf(open)), g.ref(ws), g.bytes(String.valueOf(close)));
        if (max == 0) return g.rule(empty);
        int more = g.repeat(seq(g.ref(ws), g.bytes(","), g.ref(ws), g.ref(item)), Math.max(min - 1, 0), max < 0 ? -1 : max - 1);
        int[] full = seq(g.bytes(String.valueOf(open)), g.ref(ws), g.ref(item), g.ref(more), g.ref(ws), g.bytes(String.valueOf(close)));
        return min == 0 ? g.rule(empty, full) : g.rule(full);
    }

    /** Any JSON value (objects and arrays of any values, recursively). */
    private void defineAny() {
        int object = list('{', g.rule(seq(g.ref(string), g.ref(ws), g.bytes(":"), g.ref(ws), g.ref(any))), '}', 0, -1);
        int array = list('[', any, ']', 0, -1);
        g.alt(any, g.ref(object)).alt(any, g.ref(array)).alt(any, g.ref(string)).alt(any, g.ref(number))
                .alt(any, g.bytes("true")).alt(any, g.bytes("false")).alt(any, g.bytes("null"));
    }

    /** {@code ws ::= | " " | "\n" [ \t]{0,20}}. */
    private int whitespace() {
        int indent = g.repeat(new int[]{g.set(" \t")}, 0, 20);
        return g.rule(new int[0], g.bytes(" "), seq(g.bytes("\n"), g.ref(indent)));
    }

    /**
     * A string of {@code min} to {@code max} characters ({@code max < 0}: any number). A character
     * is one well-formed UTF-8 sequence (so non-ASCII text is valid UTF-8 and counted as JSON Schema counts it)
     * or one escape (an escaped surrogate pair counts as two).
     */
    private int stringRule(int min, int max) {
        int hex = g.set("0123456789abcdefABCDEF");
        int character = g.rule(new int[]{g.ref(g.utf8Character("\"\\", ""))},
                seq(g.bytes("\\"), g.set("\"\\/bfnrt")),
                seq(g.bytes("\\u"), hex, hex, hex, hex));
        return g.rule(seq(g.bytes("\""), g.ref(g.repeat(new int[]{g.ref(character)}, min, max)), g.bytes("\"")));
    }

    /**
     * The string formats llama.cpp's grammars know, as RFC 3339 and RFC 4122 write them:
     * {@code date} (2024-07-26), {@code time} (13:45:00, fractions and a zone optional),
     * {@code date-time} (both, joined by T), {@code uuid} (8-4-4-4-12 hex digits). Others
     * (email, uri, ...) are refused: the grammar could not hold the text to them.
     */
    private int format(String format, Map<String, Object> s, String where) {
        if (s.containsKey("minLength") || s.containsKey("maxLength")) {
            throw new IllegalArgumentException(where + ": format together with minLength/maxLength is not supported");
        }
        int digit = g.range('0', '9');
        int[] date = seq(digit, digit, digit, digit, g.bytes("-"), g.range('0', '1'), digit, g.bytes("-"), g.range('0', '3'), digit);
        int fraction = g.rule(new int[0], seq(g.bytes("."), g.ref(g.repeat(new int[]{digit}, 1, 9))));
        int zone = g.rule(new int[0], g.bytes("Z"), seq(g.set("+-"), g.range('0', '2'), digit, g.bytes(":"), g.range('0', '5'), digit));
        int[] time = seq(g.range('0', '2'), digit, g.bytes(":"), g.range('0', '5'), digit, g.bytes(":"), g.range('0', '6'), digit,
                g.ref(fraction), g.ref(zone));
        int hex = g.set("0123456789abcdefABCDEF");
        int[] body = switch (format) {
            case "date" -> date;
            case "time" -> time;
            case "date-time" -> seq(date, g.bytes("T"), time);
            case "uuid" -> seq(g.ref(g.repeat(new int[]{hex}, 8, 8)), g.bytes("-"), g.ref(g.repeat(new int[]{hex}, 4, 4)), g.bytes("-"),
                    g.ref(g.repeat(new int[]{hex}, 4, 4)), g.bytes("-"), g.ref(g.repeat(new int[]{hex}, 4, 4)), g.bytes("-"),
                    g.ref(g.repeat(new int[]{hex}, 12, 12)));
            default -> throw new IllegalArgumentException("JSON schema format '" + format + "' (at " + where + ") is not supported; "
                    + "only date, time, date-time and uuid");
        };
        return g.rule(seq(g.bytes("\""), body, g.bytes("\"")));
    }

    /** Largest magnitude of a bounded integer: 16 digits, as the unbounded integer rule. */
    private static final long MAX_INTEGER = 9_999_999_999_999_999L;

    /**
     * The integers from {@code minimum} (or above {@code exclusiveMinimum}) to {@code maximum}
     * (or below {@code exclusiveMaximum}), written without leading zeros: as llama.cpp does, a
     * grammar of digit ranges ({@link #digitRange}), one alternative per number of digits.
     */
    private int integerRange(Map<String, Object> s, String where) {
        long lo = -MAX_INTEGER, hi = MAX_INTEGER;
        if (s.containsKey("minimum")) lo = Math.max(lo, bound(s, "minimum", where, false));
        if (s.containsKey("exclusiveMinimum")) lo = Math.max(lo, bound(s, "exclusiveMinimum", where, false) + 1);
        if (s.containsKey("maximum")) hi = Math.min(hi, bound(s, "maximum", where, true));
        if (s.containsKey("exclusiveMaximum")) hi = Math.min(hi, bound(s, "exclusiveMaximum", where, true) - 1);
        if (lo > hi) throw new IllegalArgumentException(where + ": no integer lies within its bounds");
        int r = g.rule();
        if (hi >= 0) positiveRange(r, new int[0], Math.max(lo, 0), hi);
        if (lo < 0) positiveRange(r, g.bytes("-"), Math.max(1, hi < 0 ? -hi : 1), -lo);
        return r;
    }

    /** A bound as a whole number (rounded inwards when it has a fraction), within 16 digits. */
    private static long bound(Map<String, Object> s, String key, String where, boolean upper) {
        if (!(s.get(key) instanceof BigDecimal d)) throw new IllegalArgumentException(where + "/" + key + " must be a number");
        BigDecimal whole = d.setScale(0, upper ? java.math.RoundingMode.FLOOR : java.math.RoundingMode.CEILING);
        if (whole.abs().compareTo(BigDecimal.valueOf(MAX_INTEGER)) > 0) throw new IllegalArgumentException(where + "/" + key + " must be within 16 digits");
        return whole.longValueExact();
    }

    /** Adds to rule {@code r} the alternatives {@code prefix} then a number from {@code lo} to {@code hi} (0 ≤ lo ≤ hi). */
    private void positiveRange(int r, int[] prefix, long lo, long hi) {
        for (int digits = Long.toString(lo).length(); digits <= Long.toString(hi).length(); digits++) {
            long from = Math.max(lo, digits == 1 ? 0 : pow10(digits - 1)), to = Math.min(hi, pow10(digits) - 1);
            if (from <= to) g.alt(r, seq(prefix, g.ref(digitRange(Long.toString(from), Long.toString(to)))));
        }
    }

    private static long pow10(int n) {
        long p = 1;
        for (int i = 0; i < n; i++) p *= 10;
        return p;
    }

    /** A rule reading the decimal numbers from {@code lo} to {@code hi}, both of the same length, digit by digit. */
    private int digitRange(String lo, String hi) {
        if (lo.isEmpty()) return g.rule(new int[0]);
        int r = g.rule();
        char a = lo.charAt(0), b = hi.charAt(0);
        String restLo = lo.substring(1), restHi = hi.substring(1);
        if (a == b) {
            g.alt(r, seq(g.range(a, a), g.ref(digitRange(restLo, restHi))));
            return r;
        }
        g.alt(r, seq(g.range(a, a), g.ref(digitRange(restLo, "9".repeat(restLo.length())))));
        if (a + 1 <= b - 1) {
            int[] any = new int[0];
            for (int i = 0; i < restLo.length(); i++) any = seq(any, g.range('0', '9'));
            g.alt(r, seq(g.range(a + 1, b - 1), any));
        }
        g.alt(r, seq(g.range(b, b), g.ref(digitRange("0".repeat(restHi.length()), restHi))));
        return r;
    }

    /** llama.cpp's numbers: {@code "-"? ("0" | [1-9] [0-9]{0,15})}, then for non-integers an optional fraction and exponent. */
    private int numberRule(boolean integral) {
        int digit = g.range('0', '9');
        int intPart = g.rule(g.bytes("0"), seq(g.range('1', '9'), g.ref(g.repeat(new int[]{digit}, 0, 15))));
        int sign = g.rule(new int[0], g.bytes("-"));
        if (integral) return g.rule(seq(g.ref(sign), g.ref(intPart)));
        int fraction = g.rule(new int[0], seq(g.bytes("."), g.ref(g.repeat(new int[]{digit}, 1, 16))));
        int exponent = g.rule(new int[0], seq(g.set("eE"), g.ref(g.rule(new int[0], new int[]{g.set("+-")})), g.ref(g.repeat(new int[]{digit}, 1, 3))));
        return g.rule(seq(g.ref(sign), g.ref(intPart), g.ref(fraction), g.ref(exponent)));
    }

    private static int count(Map<String, Object> s, String key, int absent, String where) {
        Object v = s.get(key);
        if (v == null) return absent;
        if (!(v instanceof BigDecimal d) || d.signum() < 0 || d.stripTrailingZeros().scale() > 0 || d.compareTo(BigDecimal.valueOf(MAX_COUNT)) > 0) {
            throw new IllegalArgumentException(where + "/" + key + " must be a whole number from 0 to " + MAX_COUNT);
        }
        return d.intValueExact();
    }

    private static List<?> list(Object v, String where) {
        if (!(v instanceof List<?> l)) throw new IllegalArgumentException(where + " must be an array");
        return l;
    }

    private static String string(Object v, String where) {
        if (!(v instanceof String str)) throw new IllegalArgumentException(where + " must be a string");
        return str;
    }
}
