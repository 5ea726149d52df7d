package dev.jllm.chat.jinja;

import static dev.jllm.chat.jinja.JinjaTestSupport.map;
import static dev.jllm.chat.jinja.JinjaTestSupport.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

/** tojson = Python's json.dumps(x, ensure_ascii=False, ...), as transformers installs it. */
class JsonDumpsTest {
    @Test
    void compactSeparatorsHaveSpaces() {
        assertEquals("{\"a\": [1, 2.5, null, true], \"b\": {}}",
                render("{{ x|tojson }}", "x", map("a", Arrays.asList(1L, 2.5, null, true), "b", map())));
    }

    @Test
    void keyOrderIsInsertionOrderUnlessSorted() {
        assertEquals("{\"b\": 1, \"a\": 2}", render("{{ x|tojson }}", "x", map("b", 1, "a", 2)));
        assertEquals("{\"a\": 2, \"b\": 1}", render("{{ x|tojson(sort_keys=true) }}", "x", map("b", 1, "a", 2)));
    }

    @Test
    void indentUsesCommaWithoutSpaceAndKeepsEmptyContainersCompact() {
        String expected = "{\n    \"a\": [\n        1,\n        2\n    ],\n    \"e\": [],\n    \"o\": {}\n}";
        assertEquals(expected, render("{{ x|tojson(indent=4) }}", "x", map("a", List.of(1, 2), "e", List.of(), "o", map())));
    }

    @Test
    void floatsUsePythonRepr() {
        assertEquals("[150.0, 129.9, 1e+16, 1e-05, 0.0001, -0.0]",
                render("{{ x|tojson }}", "x", List.of(150.0, 129.9, 1e16, 1e-5, 1e-4, -0.0)));
    }

    @Test
    void stringsEscapeQuotesBackslashesAndControlsButNotUnicodeOrHtml() {
        assertEquals("\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\u007f<&>'é👍\"",
                render("{{ x|tojson }}", "x", "a\"b\\c\n\t\r\b\f\u0001\u007f<&>'é👍"));
    }

    @Test
    void ensureAsciiEscapesNonAsciiAsUtf16Units() {
        assertEquals("\"\\u00e9\\ud83d\\udc4d\\u007f\"", render("{{ x|tojson(ensure_ascii=true) }}", "x", "é👍\u007f"));
    }

    @Test
    void customSeparatorsAndStringIndent() {
        assertEquals("{\"a\":1}", render("{{ x|tojson(separators=(',', ':')) }}", "x", map("a", 1)));
        assertEquals("[\n-1\n]", render("{{ [1]|tojson(indent='-') }}"));
    }

    @Test
    void tuplesAreArraysAndNonStringKeysAreConverted() {
        assertEquals("[[1, 2], {\"1\": true, \"null\": false}]", render("{{ [(1, 2), {1: true, none: false}]|tojson }}"));
    }

    @Test
    void undefinedIsNotSerialisable() {
        TemplateException e = assertThrows(TemplateException.class, () -> render("{{ missing|tojson }}"));
        assertEquals("TypeError", e.errorType());
    }
}
