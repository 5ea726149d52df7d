package dev.jllm.testing;

import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An independent JSON Schema validator for the subset {@code JsonSchemaGrammar} supports, the oracle of
 * its tests: properties optional unless required, and none besides unless {@code additionalProperties} allows.
 */
public final class SchemaValidator {
    private SchemaValidator() {}

    public static boolean valid(JsonNode v, JsonNode root) {
        return valid(v, root, root);
    }

    static boolean valid(JsonNode v, JsonNode s, JsonNode root) {
        if (s.isBoolean()) return s.booleanValue();
        if (s.has("$ref")) {
            String ref = s.get("$ref").asText();
            return valid(v, ref.equals("#") ? root : root.at(ref.substring(1)), root);
        }
        if (s.has("const")) return equalJson(v, s.get("const"));
        if (s.has("enum")) {
            for (JsonNode e : s.get("enum")) if (equalJson(v, e)) return true;
            return false;
        }
        for (String key : new String[]{"anyOf", "oneOf"}) {
            if (!s.has(key)) continue;
            for (JsonNode option : s.get(key)) if (valid(v, option, root)) return true;
            return false;
        }
        JsonNode type = s.get("type");
        if (type == null) {
            if (s.has("properties") || s.has("additionalProperties")) return v.isObject() && object(v, s, root);
            if (s.has("items") || s.has("prefixItems")) return v.isArray() && array(v, s, root);
            return true;
        }
        if (type.isArray()) {
            for (JsonNode t : type) if (typed(v, t.asText(), s, root)) return true;
            return false;
        }
        return typed(v, type.asText(), s, root);
    }

    static boolean typed(JsonNode v, String type, JsonNode s, JsonNode root) {
        return switch (type) {
            case "string" -> v.isTextual() && length(v.textValue(), s) && format(v.textValue(), s);
            case "number" -> v.isNumber();
            case "integer" -> v.isIntegralNumber() && bounds(v.longValue(), s);
            case "boolean" -> v.isBoolean();
            case "null" -> v.isNull();
            case "object" -> v.isObject() && object(v, s, root);
            case "array" -> v.isArray() && array(v, s, root);
            default -> false;
        };
    }

    /** The string formats the grammar knows, as regular expressions written from RFC 3339 and RFC 4122. */
    static boolean format(String text, JsonNode s) {
        if (!s.has("format")) return true;
        String date = "\\d{4}-[01]\\d-[0-3]\\d", time = "[0-2]\\d:[0-5]\\d:[0-6]\\d(\\.\\d{1,9})?(Z|[+-][0-2]\\d:[0-5]\\d)?";
        return switch (s.get("format").asText()) {
            case "date" -> text.matches(date);
            case "time" -> text.matches(time);
            case "date-time" -> text.matches(date + "T" + time);
            case "uuid" -> text.matches("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
            default -> false;
        };
    }

    static boolean bounds(long n, JsonNode s) {
        return (!s.has("minimum") || n >= s.get("minimum").asDouble()) && (!s.has("maximum") || n <= s.get("maximum").asDouble())
                && (!s.has("exclusiveMinimum") || n > s.get("exclusiveMinimum").asDouble())
                && (!s.has("exclusiveMaximum") || n < s.get("exclusiveMaximum").asDouble());
    }

    static boolean length(String text, JsonNode s) {
        int min = s.path("minLength").asInt(0), max = s.path("maxLength").asInt(Integer.MAX_VALUE);
        // An escaped surrogate pair counts as two characters in the grammar, one code point in JSON Schema.
        int points = text.codePointCount(0, text.length()), units = text.length();
        return (points >= min && points <= max) || (units >= min && units <= max);
    }

    static boolean object(JsonNode v, JsonNode s, JsonNode root) {
        JsonNode props = s.get("properties");
        for (JsonNode r : s.path("required")) if (!v.has(r.asText())) return false;
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode p = props == null ? null : props.get(e.getKey());
            if (p != null) {
                if (!valid(e.getValue(), p, root)) return false;
            } else {
                JsonNode extra = s.get("additionalProperties");
                if (props != null && (extra == null || extra.isBoolean() && !extra.booleanValue())) return false;
                if (extra != null && !valid(e.getValue(), extra, root)) return false;
            }
        }
        return true;
    }

    static boolean array(JsonNode v, JsonNode s, JsonNode root) {
        if (s.has("prefixItems")) {
            JsonNode prefix = s.get("prefixItems");
            if (v.size() != prefix.size()) return false;
            for (int i = 0; i < v.size(); i++) if (!valid(v.get(i), prefix.get(i), root)) return false;
            return true;
        }
        if (v.size() < s.path("minItems").asInt(0) || v.size() > s.path("maxItems").asInt(Integer.MAX_VALUE)) return false;
        for (JsonNode item : v) if (s.has("items") && !valid(item, s.get("items"), root)) return false;
        return true;
    }

    /** JSON equality with numbers compared by value (1.0 equals 1), as JSON Schema's const and enum do. */
    static boolean equalJson(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) return a.decimalValue().compareTo(b.decimalValue()) == 0;
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) return false;
            for (int i = 0; i < a.size(); i++) if (!equalJson(a.get(i), b.get(i))) return false;
            return true;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) return false;
            for (Iterator<String> it = a.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!b.has(k) || !equalJson(a.get(k), b.get(k))) return false;
            }
            return true;
        }
        return a.equals(b);
    }
}
