package dev.jllm.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.testing.SchemaValidator;

/** {@link GrammarConstraint} over random vocabularies: the mask is exact, and generation ends in valid JSON. */
class GrammarConstraintTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** A vocabulary of every single byte and random multi-byte pieces of JSON-ish text, then one end token with no bytes. */
    static byte[][] vocabulary(Random r, int extra) {
        String alphabet = "{}[]:,\"\\ \n\t0123456789.-+eEtrufalsnxyzé\u0001";
        byte[][] vocab = new byte[256 + extra + 1][];
        for (int b = 0; b < 256; b++) vocab[b] = new byte[]{(byte) b};
        for (int i = 256; i < 256 + extra; i++) {
            StringBuilder t = new StringBuilder();
            for (int k = 1 + r.nextInt(6); k > 0; k--) t.append(alphabet.charAt(r.nextInt(alphabet.length())));
            vocab[i] = t.toString().getBytes(StandardCharsets.UTF_8);
        }
        vocab[256 + extra] = new byte[0];
        return vocab;
    }

    /**
     * At every step the mask allows exactly the tokens whose bytes a fresh matcher accepts after
     * the text so far, the end token only where the text is complete; sampling among them ends,
     * when the text is finished, in JSON the schema accepts.
     */
    @Test
    void theMaskIsExactAndGenerationEndsInValidJson() throws Exception {
        Random r = new Random(11);
        byte[][] vocab = vocabulary(r, 4000);
        int end = vocab.length - 1;
        JsonConstraint.TokenTable table = new JsonConstraint.TokenTable(vocab, new int[]{end});
        int finished = 0, runs = 0;
        for (String schema : JsonSchemaGrammarTest.SCHEMAS) {
            Grammar grammar = JsonSchemaGrammar.compile(schema);
            JsonNode schemaTree = JSON.readTree(schema);
            for (int run = 0; run < 6; run++, runs++) {
                GrammarConstraint c = new GrammarConstraint(grammar, table);
                GrammarMatcher oracle = new GrammarMatcher(grammar);
                java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
                for (int step = 0; step < 300; step++) {
                    float[] logits = new float[vocab.length];
                    for (int i = 0; i < logits.length; i++) logits[i] = (float) r.nextGaussian();
                    for (int i = 0; i < 256; i++) if ("}]\"".indexOf(i) >= 0) logits[i] += step / 20f; // close, eventually
                    logits[end] += step / 20f;
                    int allowed = c.mask(logits);
                    int here = oracle.next(oracle.start(), text.toByteArray());
                    int count = 0;
                    for (int i = 0; i < end; i++) {
                        boolean fits = vocab[i].length > 0 && oracle.next(here, vocab[i]) != GrammarMatcher.DEAD;
                        assertEquals(fits, logits[i] != Float.NEGATIVE_INFINITY, "token " + i + " after " + text);
                        if (fits) count++;
                    }
                    assertEquals(oracle.accepting(here), logits[end] != Float.NEGATIVE_INFINITY, "the end token after " + text);
                    if (oracle.accepting(here)) count++;
                    assertEquals(count, allowed);
                    assertTrue(allowed > 0, "never stuck: " + text);
                    int next = 0;
                    for (int i = 1; i < logits.length; i++) if (logits[i] > logits[next]) next = i;
                    if (next == end) break;
                    c.accept(next);
                    text.writeBytes(vocab[next]);
                }
                int last = oracle.next(oracle.start(), text.toByteArray());
                if (!oracle.accepting(last)) continue;
                finished++;
                String json = text.toString(StandardCharsets.UTF_8);
                assertTrue(SchemaValidator.valid(JSON.readTree(json), schemaTree), json + " against " + schema);
            }
        }
        assertTrue(finished >= runs / 2, "most runs finish: " + finished + " of " + runs);
    }

    @Test
    void onceTheValueIsFinishedOnlyTheEndRemains() {
        byte[][] vocab = {"{".getBytes(), "}".getBytes(), " ".getBytes(), "{}".getBytes(), new byte[0]};
        GrammarConstraint c = new GrammarConstraint(JsonSchemaGrammar.compile("{\"type\": \"object\", \"additionalProperties\": false}"),
                new JsonConstraint.TokenTable(vocab, new int[]{4}));
        float[] logits = new float[5];
        assertEquals(2, c.mask(logits), "'{' or '{}' to begin");
        c.accept(3);
        assertTrue(c.complete());
        logits = new float[5];
        assertEquals(1, c.mask(logits));
        assertEquals(0f, logits[4]);
    }
}
