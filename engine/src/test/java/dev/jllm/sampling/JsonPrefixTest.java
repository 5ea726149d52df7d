package dev.jllm.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@link JsonPrefix} against explicit cases and, on mutated documents, against Jackson's parser. */
class JsonPrefixTest {
    static final String[] VALID = {
            "{}", "{\"a\":1}", "\n{ \"a\" : [ 1 , -2.5e+3, 0, 0.25, 1E-2, true, false, null, \"x\\\"y\\\\\\u00e9\\n \" ] ,\n    \"b\": {\"c\": {}},\n\t\"d\": []}",
            "{\"ünï\":\"ç😀\"}", "{\"a\":[[[]],{}]}", "{\"n\":-0.0e0}",
    };

    /** Bytes accepted; -1 when all are, else the index of the first rejected. */
    /** The whitespace runs the grammar allows: one space, or a newline and up to 20 spaces or tabs (a string's inner spaces may match too: those texts are merely compared less). */
    static final java.util.regex.Pattern WS_RUNS = java.util.regex.Pattern.compile("(?<![ \\n\\t\\r])(\\n[ \\t]{0,20}| )(?![ \\n\\t\\r])");

    static int firstRejected(String text) {
        JsonPrefix p = new JsonPrefix();
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) if (!p.accept(b[i])) return i;
        return -1;
    }

    static boolean complete(String text) {
        JsonPrefix p = new JsonPrefix();
        return p.accept(text.getBytes(StandardCharsets.UTF_8)) && p.complete();
    }

    @Test
    void validObjectsAreCompleteAndEveryPrefixIsAccepted() {
        for (String doc : VALID) {
            assertTrue(complete(doc), doc);
            byte[] b = doc.getBytes(StandardCharsets.UTF_8);
            JsonPrefix p = new JsonPrefix();
            for (int i = 0; i < b.length - 1; i++) {
                assertTrue(p.accept(b[i]), doc + " at " + i);
                assertFalse(p.complete(), doc + " complete too early at " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1]|0", "{\"a\" 1}|5", "{\"a\":01}|6", "{\"a\":1,}|7", "{\"a\":tru}|8", "{'a':1}|1",
            "{\"a\":1.}|7", "{\"a\":-}|6", "{\"a\":1}}|7", "{\"a\":1} |7", "{\"a\":1e}|7", "{\"a\":\"\\x\"}|7", "{\"a\":\"\\u12g4\"}|10",
            "{1:2}|1", "{\"a\":[1 2]}|8", "{\"a\":]}|5", "{\"a\":[}|6", "x|0"})
    void invalidBytesAreRejectedWhereTheyAppear(String testCase) {
        String[] parts = testCase.split("\\|");
        assertEquals(Integer.parseInt(parts[1]), firstRejected(parts[0]), parts[0]);
    }

    @Test
    void controlCharactersInStringsAndTheLimitsAreRejected() {
        assertEquals(6, firstRejected("{\"a\":\"\u0001\"}"));
        String ws = "\n" + " ".repeat(JsonPrefix.MAX_WHITESPACE);
        assertTrue(complete("{" + ws + "\"a\"" + ws + ":" + ws + "1" + ws + "}"));
        assertEquals(2 + JsonPrefix.MAX_WHITESPACE, firstRejected("{" + ws + " \"a\":1}"));
        assertTrue(complete("{ \"a\": 1 }"));
        assertEquals(2, firstRejected("{  \"a\":1}"), "one space, not two");
        assertEquals(2, firstRejected("{ \n\"a\":1}"), "a newline starts a run, or none");
        assertEquals(2, firstRejected("{\n\n\"a\":1}"), "one newline a run");
        assertEquals(1, firstRejected("{\t\"a\":1}"));
        assertEquals(1, firstRejected("{\r\n\"a\":1}"));
        assertTrue(complete("{\"a\":\"   x   \"}"), "inside strings any run of spaces goes");
        assertEquals(7, firstRejected("{\"a\":\" \n\"}"), "but no raw newline: JSON escapes it");
        String digits = "1".repeat(JsonPrefix.MAX_NUMBER);
        assertTrue(complete("{\"a\":" + digits + "}"));
        assertEquals(5 + JsonPrefix.MAX_NUMBER, firstRejected("{\"a\":" + digits + "1}"));
        String deep = "{\"a\":" + "[".repeat(JsonPrefix.MAX_DEPTH - 1) + "]".repeat(JsonPrefix.MAX_DEPTH - 1) + "}";
        assertTrue(complete(deep));
        assertEquals(5 + JsonPrefix.MAX_DEPTH - 1, firstRejected("{\"a\":" + "[".repeat(JsonPrefix.MAX_DEPTH) + "]"));
    }

    /** What Jackson says of a text: "complete" (one object, nothing after it), "prefix" (runs out of input), or "invalid". */
    static String jackson(String text) {
        ObjectMapper m = new ObjectMapper();
        try (JsonParser p = m.getFactory().createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null) return "prefix";
            if (first != JsonToken.START_OBJECT) return "invalid";
            int depth = 1;
            while (depth > 0) {
                JsonToken t = p.nextToken();
                if (t == null) return "prefix";
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) depth++;
                if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) depth--;
            }
            return p.nextToken() == null && text.equals(text.stripTrailing()) ? "complete" : "invalid";
        } catch (JsonEOFException e) {
            return "prefix";
        } catch (Exception e) {
            return "invalid";
        }
    }

    static String ours(String text) {
        JsonPrefix p = new JsonPrefix();
        if (!p.accept(text.getBytes(StandardCharsets.UTF_8))) return "invalid";
        return p.complete() ? "complete" : "prefix";
    }

    @Test
    void mutatedDocumentsAreJudgedAsJacksonJudgesThem() {
        Random r = new Random(3);
        String alphabet = "{}[]:,\"\\ 0123456789.-+eEtrufalsn\n";
        int skipped = 0;
        int compared = 0, kinds = 0;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 20000; i++) {
            StringBuilder s = new StringBuilder(VALID[r.nextInt(VALID.length)]);
            int edits = 1 + r.nextInt(3);
            for (int e = 0; e < edits && s.length() > 0; e++) {
                int at = r.nextInt(s.length());
                switch (r.nextInt(3)) {
                    case 0 -> s.setCharAt(at, alphabet.charAt(r.nextInt(alphabet.length())));
                    case 1 -> s.deleteCharAt(at);
                    default -> s.insert(at, alphabet.charAt(r.nextInt(alphabet.length())));
                }
            }
            if (r.nextInt(4) == 0) s.setLength(r.nextInt(s.length() + 1)); // a cut-off text
            String text = s.toString();
            if (!WS_RUNS.matcher(text).replaceAll("").chars().noneMatch(ch -> ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r')) {
                skipped++;
                continue; // whitespace llama.cpp's grammar does not allow and JSON does (e.g. two spaces): not comparable
            }
            String expected = jackson(text), got = ours(text);
            // Whole objects: the same verdict. A beginning we accept must be one that can be
            // finished: our completion of it must make an object Jackson accepts.
            assertEquals(expected.equals("complete"), got.equals("complete"), "«" + text + "»: Jackson " + expected + ", ours " + got);
            if (got.equals("prefix")) {
                JsonPrefix p = new JsonPrefix();
                p.accept(text.getBytes(StandardCharsets.UTF_8));
                String whole = text + p.completion();
                assertEquals("complete", jackson(whole), "«" + text + "» completed as «" + whole + "»");
                assertEquals("complete", ours(whole), "«" + whole + "»");
            }
            compared++;
            seen.add(got);
        }
        kinds = seen.size();
        assertEquals(3, kinds, "complete, prefix and invalid texts all occurred: " + seen);
        assertEquals(20000, compared + skipped);
        assertTrue(compared > 15000, "most texts compared: " + compared);
    }
}
