package dev.jllm.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.jllm.testing.SchemaValidator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@link JsonSchemaGrammar} run by {@link GrammarMatcher}: texts made by hand are accepted or
 * refused as JSON Schema says, and random walks through the automaton (any byte it allows, at
 * every step) end in JSON that Jackson parses and an independent validator (below) accepts.
 */
class JsonSchemaGrammarTest {
    // Duplicate member names are allowed: RFC 8259 only says they SHOULD be unique, and a grammar
    // cannot rule them out in objects whose names are free.
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static final String PERSON = """
            {"type": "object", "properties": {
               "name": {"type": "string", "maxLength": 8},
               "age": {"type": "integer"},
               "tags": {"type": "array", "items": {"enum": ["a", "b\\"c"]}, "minItems": 1, "maxItems": 3},
               "ok": {"type": "boolean"}},
             "required": ["name", "age"], "additionalProperties": false}""";
    static final String TREE = """
            {"$defs": {"node": {"type": "object", "properties": {
                "v": {"type": "number"},
                "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 2}},
              "required": ["v"]}},
             "$ref": "#/$defs/node"}""";
    static final String CHOICE = """
            {"anyOf": [{"type": "null"}, {"type": "string", "minLength": 2, "maxLength": 4}, {"const": {"k": [1, 2.5]}}]}""";
    static final String[] SCHEMAS = {PERSON, TREE, CHOICE,
            "{\"type\": [\"integer\", \"boolean\"]}",
            "{}",
            "{\"type\": \"object\", \"additionalProperties\": {\"type\": \"integer\"}}",
            "{\"type\": \"array\", \"prefixItems\": [{\"type\": \"string\"}, {\"type\": \"number\"}]}",
            "{\"properties\": {\"a\": {\"type\": \"null\"}, \"b\": {\"type\": \"null\"}, \"c\": {\"type\": \"null\"}}}",
            "{\"type\": \"array\", \"items\": {\"type\": \"array\", \"items\": {\"type\": \"integer\"}, \"maxItems\": 0}, \"minItems\": 2}",
            "{\"type\": \"array\", \"items\": {\"anyOf\": [{\"type\": \"integer\", \"minimum\": -37, \"maximum\": 1205}, {\"type\": \"integer\", \"exclusiveMinimum\": 99999, \"exclusiveMaximum\": 100003}, {\"type\": \"integer\", \"maximum\": -5}, {\"type\": \"integer\", \"minimum\": 7}]}, \"maxItems\": 6}",
            "{\"type\": \"object\", \"properties\": {\"when\": {\"type\": \"string\", \"format\": \"date-time\"}, \"id\": {\"type\": \"string\", \"format\": \"uuid\"}, \"day\": {\"type\": \"string\", \"format\": \"date\"}}, \"required\": [\"when\", \"id\", \"day\"]}"};

    static boolean accepts(String schema, String text) {
        GrammarMatcher m = new GrammarMatcher(JsonSchemaGrammar.compile(schema));
        int s = m.next(m.start(), text.getBytes(StandardCharsets.UTF_8));
        return s != GrammarMatcher.DEAD && m.accepting(s);
    }

    @Test
    void textsMadeByHandAreAcceptedOrRefusedAsTheSchemaSays() throws Exception {
        Object[][] cases = {
                {PERSON, "{\"name\":\"Ann\",\"age\":3}", true},
                {PERSON, "{ \"name\" : \"Ann\" ,\n  \"age\": -30, \"tags\": [\"b\\\"c\"], \"ok\": true}", true},
                {PERSON, "{\"name\":\"Ann\",\"age\":3,\"ok\":false}", true},       // an optional member skipped
                {PERSON, "{\"name\":\"Ann\"}", false},                             // a required member missing
                {PERSON, "{\"name\":\"Ann\",\"age\":3.5}", false},                 // not an integer
                {PERSON, "{\"name\":\"Ann\",\"age\":3,\"x\":1}", false},            // additional member
                {PERSON, "{\"name\":\"Annabelle!\",\"age\":3}", false},            // longer than 8
                {PERSON, "{\"name\":\"Ännchen\",\"age\":3}", true},                // 7 characters, 8 bytes
                {PERSON, "{\"name\":\"Ann\",\"age\":3,\"tags\":[]}", false},        // minItems 1
                {PERSON, "{\"name\":\"Ann\",\"age\":3,\"tags\":[\"a\",\"a\",\"a\",\"a\"]}", false},
                {PERSON, "{\"name\":\"Ann\",\"age\":03}", false},                  // leading zero
                {PERSON, " {\"name\":\"Ann\",\"age\":3}", false},                  // no whitespace around the value
                {PERSON, "{\"name\":\"Ann\",\"age\":3} ", false},
                {PERSON, "{\"name\":\"Ann\",  \"age\":3}", false},                 // two spaces: only one, or a newline and indent
                {TREE, "{\"v\":1,\"kids\":[{\"v\":2e5},{\"v\":-0.5,\"kids\":[]}]}", true},
                {TREE, "{\"kids\":[]}", false},
                {TREE, "{\"v\":1,\"kids\":[{\"v\":1},{\"v\":2},{\"v\":3}]}", false},
                {CHOICE, "null", true}, {CHOICE, "\"ab\"", true}, {CHOICE, "\"a\"", false},
                {CHOICE, "{\"k\":[1,2.5]}", true}, {CHOICE, "{\"k\":[1,2.50]}", false},
                {"{\"type\": [\"integer\", \"boolean\"]}", "false", true},
                {"{\"type\": [\"integer\", \"boolean\"]}", "\"1\"", false},
                {"{}", "[{\"a\":[null,\"x\",1.5e-3]},{}]", true},
                {"{\"type\": \"object\", \"additionalProperties\": {\"type\": \"integer\"}}", "{\"x\":1,\"y\":2}", true},
                {"{\"type\": \"object\", \"additionalProperties\": {\"type\": \"integer\"}}", "{\"x\":\"1\"}", false},
                {"{\"type\": \"array\", \"prefixItems\": [{\"type\": \"string\"}, {\"type\": \"number\"}]}", "[\"a\",1]", true},
                {"{\"type\": \"array\", \"prefixItems\": [{\"type\": \"string\"}, {\"type\": \"number\"}]}", "[\"a\"]", false},
                {"{\"properties\": {\"a\": {\"type\": \"null\"}, \"b\": {\"type\": \"null\"}, \"c\": {\"type\": \"null\"}}}", "{}", true},
                {"{\"properties\": {\"a\": {\"type\": \"null\"}, \"b\": {\"type\": \"null\"}, \"c\": {\"type\": \"null\"}}}", "{\"c\":null}", true},
                {"{\"properties\": {\"a\": {\"type\": \"null\"}, \"b\": {\"type\": \"null\"}, \"c\": {\"type\": \"null\"}}}", "{\"a\":null,\"c\":null}", true},
                {"{\"properties\": {\"a\": {\"type\": \"null\"}, \"b\": {\"type\": \"null\"}, \"c\": {\"type\": \"null\"}}}", "{,\"c\":null}", false},
                {"{\"properties\": {\"a\": {\"type\": \"null\"}, \"b\": {\"type\": \"null\"}, \"c\": {\"type\": \"null\"}}}", "{\"a\":null,}", false},
                {"{\"type\": \"string\"}", "\"\\u00e9\\n\"", true},
                {"{\"type\": \"string\"}", "\"\\x\"", false},
                {"{\"type\": \"string\"}", "\"tab\there\"", false},                 // raw control character
                {"{\"type\": \"string\"}", "\"\u00ff\"", true},
                {"{\"type\": \"string\", \"format\": \"date\"}", "\"2024-07-26\"", true},
                {"{\"type\": \"integer\", \"minimum\": 5, \"maximum\": 120}", "5", true},
                {"{\"type\": \"integer\", \"minimum\": 5, \"maximum\": 120}", "120", true},
                {"{\"type\": \"integer\", \"minimum\": 5, \"maximum\": 120}", "121", false},
                {"{\"type\": \"integer\", \"minimum\": 5, \"maximum\": 120}", "4", false},
                {"{\"type\": \"integer\", \"minimum\": 5, \"maximum\": 120}", "05", false},
                {"{\"type\": \"integer\", \"minimum\": -20, \"exclusiveMaximum\": 0}", "-20", true},
                {"{\"type\": \"integer\", \"minimum\": -20, \"exclusiveMaximum\": 0}", "0", false},
                {"{\"type\": \"integer\", \"minimum\": -20, \"exclusiveMaximum\": 0}", "-0", false},
                {"{\"type\": \"integer\", \"minimum\": 0}", "0", true},
                {"{\"type\": \"integer\", \"minimum\": 0}", "-1", false},
                {"{\"type\": \"integer\", \"maximum\": 1.5}", "1", true},
                {"{\"type\": \"integer\", \"maximum\": 1.5}", "2", false},
                {"{\"type\": \"string\", \"format\": \"date\"}", "\"2024-7-26\"", false},
                {"{\"type\": \"string\", \"format\": \"date-time\"}", "\"2024-07-26T13:45:00.123+02:00\"", true},
                {"{\"type\": \"string\", \"format\": \"date-time\"}", "\"2024-07-26T13:45:00Z\"", true},
                {"{\"type\": \"string\", \"format\": \"date-time\"}", "\"2024-07-26 13:45:00\"", false},
                {"{\"type\": \"string\", \"format\": \"time\"}", "\"23:59:60\"", true},
                {"{\"type\": \"string\", \"format\": \"uuid\"}", "\"123e4567-e89b-12d3-a456-426614174000\"", true},
                {"{\"type\": \"string\", \"format\": \"uuid\"}", "\"123e4567-e89b-12d3-a456-42661417400\"", false},
        };
        for (Object[] c : cases) {
            String schema = (String) c[0], text = (String) c[1];
            boolean expected = (Boolean) c[2];
            assertEquals(expected, accepts(schema, text), text + " against " + schema);
            if (expected) assertTrue(SchemaValidator.valid(JSON.readTree(text), JSON.readTree(schema)), "the oracle agrees: " + text);
        }
    }

    /** Integer bounds: every integer near them, accepted exactly when within them. */
    @Test
    void integerBoundsAcceptExactlyTheIntegersWithin() {
        long[][] bounds = {{-37, 1205}, {0, 9}, {10, 99}, {-1000, -999}, {99_990, 100_010}, {-5, 5}, {1, 1}};
        for (long[] b : bounds) {
            Grammar g = JsonSchemaGrammar.compile("{\"type\": \"integer\", \"minimum\": " + b[0] + ", \"maximum\": " + b[1] + "}");
            for (long n = b[0] - 120; n <= b[1] + 120; n++) {
                GrammarMatcher m = new GrammarMatcher(g);
                int st = m.next(m.start(), Long.toString(n).getBytes(StandardCharsets.UTF_8));
                boolean accepted = st != GrammarMatcher.DEAD && m.accepting(st);
                assertEquals(n >= b[0] && n <= b[1], accepted, n + " within [" + b[0] + ", " + b[1] + "]");
            }
        }
    }

    @Test
    void invalidUtf8IsNeverAccepted() {
        GrammarMatcher m = new GrammarMatcher(JsonSchemaGrammar.compile("{\"type\": \"string\"}"));
        int s = m.next(m.start(), '"');
        assertEquals(GrammarMatcher.DEAD, m.next(s, 0x80), "a continuation byte cannot begin a character");
        assertEquals(GrammarMatcher.DEAD, m.next(s, 0xC0), "an overlong lead byte");
        int lead = m.next(s, 0xC3);
        assertNotEquals(GrammarMatcher.DEAD, lead, "a token may end in the middle of a character");
        assertEquals(GrammarMatcher.DEAD, m.next(lead, '"'), "but the string cannot end there");
    }

    /**
     * Every walk that picks any byte the automaton allows, at random, never gets stuck, and ends
     * (once the automaton says nothing may follow) in JSON valid against the schema.
     */
    @Test
    void randomWalksEndInValidJson() throws Exception {
        for (String schema : SCHEMAS) {
            JsonNode schemaTree = JSON.readTree(schema);
            GrammarMatcher m = new GrammarMatcher(JsonSchemaGrammar.compile(schema));
            Random r = new Random(schema.hashCode());
            int finished = 0;
            for (int walk = 0; walk < 300; walk++) {
                int s = m.start();
                java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
                for (int step = 0; step < 3000 && !m.finished(s); step++) {
                    List<Integer> allowed = new ArrayList<>();
                    for (int b = 0; b < 256; b++) if (m.next(s, b) != GrammarMatcher.DEAD) allowed.add(b);
                    assertFalse(allowed.isEmpty(), "stuck after " + text);
                    // Closing bytes grow likelier with every step, so that walks finish.
                    int b = allowed.get(r.nextInt(allowed.size()));
                    for (int closer : new int[]{'}', ']', '"'}) {
                        if (allowed.contains(closer) && r.nextInt(100) < Math.min(90, step / 3)) b = closer;
                    }
                    s = m.next(s, b);
                    text.write(b);
                    if (m.accepting(s) && r.nextInt(4) == 0) break; // stop where the text may end
                }
                if (!m.accepting(s)) continue;
                finished++;
                String json = text.toString(StandardCharsets.UTF_8);
                JsonNode value = JSON.readTree(json);
                assertTrue(SchemaValidator.valid(value, schemaTree), json + " against " + schema);
            }
            assertTrue(finished >= 100, "most walks finish: " + finished + " of 300 for " + schema);
        }
    }

    @Test
    void whatIsNotSupportedIsRefusedByName() {
        String[][] cases = {
                {"{\"type\": \"string\", \"pattern\": \"^a\"}", "keyword 'pattern'"},
                {"{\"type\": \"string\", \"format\": \"email\"}", "format 'email'"},
                {"{\"$ref\": \"#/$defs/missing\"}", "names no definition"},
                {"{\"$ref\": \"other.json#/x\"}", "not supported"},
                {"{\"$defs\": {\"a\": {\"$ref\": \"#/$defs/a\"}}, \"$ref\": \"#/$defs/a\"}", "refers to itself"},
                {"{\"properties\": {\"a\": {}}, \"required\": [\"b\"]}", "required property 'b'"},
                {"{\"type\": \"thing\"}", "unknown type 'thing'"},
                {"{\"type\": \"array\", \"minItems\": 3, \"maxItems\": 2}", "maxItems 2 is less than minItems 3"},
                {"{\"enum\": []}", "enum is empty"},
                {"false", "no value is valid"},
                {"{\"type\": ", "invalid JSON"},
                {"{\"properties\": {\"a\": {}}, \"additionalProperties\": true}", "not supported"},
                {"{\"type\": \"string\", \"maxLength\": 1.5}", "whole number"},
                {"{\"type\": \"number\", \"minimum\": 0}", "for integers, not numbers"},
                {"{\"type\": \"integer\", \"minimum\": 5, \"maximum\": 4}", "no integer lies within its bounds"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonSchemaGrammar.compile(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
        }
    }
}
