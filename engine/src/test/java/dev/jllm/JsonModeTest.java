package dev.jllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.sampling.JsonPrefix;
import dev.jllm.testing.TestData;

/** {@link GenerationParams#jsonObject()} with a real model: whatever it says is JSON. */
class JsonModeTest {
    static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(TestData.require("models/stories260K-f32.gguf"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** A finished reply parses as one object; a cut one is a beginning our completion finishes into an object Jackson parses. */
    static void assertJson(Completion c) throws Exception {
        ObjectMapper json = new ObjectMapper();
        if (c.finishReason() == FinishReason.STOP) {
            assertTrue(json.readTree(c.text()).isObject(), c.text());
            return;
        }
        JsonPrefix p = new JsonPrefix();
        assertTrue(p.accept(c.text().getBytes(StandardCharsets.UTF_8)), c.text());
        assertTrue(json.readTree(c.text() + p.completion()).isObject(), c.text() + p.completion());
    }

    @Test
    void greedyAndSampledRepliesAreJson() throws Exception {
        for (String prompt : new String[]{"Once upon a time", "Tom said", "{\"name\": \"Lily\", \"age\":"}) {
            Completion free = model.newSession().generate(prompt, GenerationParams.greedy(60));
            Completion json = model.newSession().generate(prompt, GenerationParams.builder().temperature(0).maxTokens(60).jsonObject(true).build());
            assertNotEquals(free.text(), json.text(), "the constraint changed the reply to " + prompt);
            assertJson(json);
            for (long seed = 1; seed <= 3; seed++) {
                Completion sampled = model.newSession().generate(prompt,
                        GenerationParams.builder().temperature(0.9).seed(seed).maxTokens(60).jsonObject(true).build());
                assertJson(sampled);
            }
        }
    }

    /** The token whose bytes are exactly {@code text}. */
    static int tokenOf(String text) {
        var table = model.jsonTokens();
        for (int id = 0; id < table.size(); id++) if (new String(table.bytes(id), StandardCharsets.UTF_8).equals(text)) return id;
        throw new AssertionError("no token " + text);
    }

    @Test
    void aClosedObjectEndsTheReply() throws Exception {
        // this little model writes stories inside its strings; a bias towards closing quotes and
        // braces makes it finish objects, and the reply must then stop with exactly one object
        GenerationParams p = GenerationParams.builder().temperature(0).maxTokens(100).jsonObject(true)
                .logitBias(java.util.Map.of(tokenOf("\""), 30f, tokenOf("}"), 12f)).build();
        for (String prompt : new String[]{"Once upon a time", "Tom said"}) {
            Completion c = model.newSession().generate(prompt, p);
            assertEquals(FinishReason.STOP, c.finishReason(), c.text());
            assertTrue(new ObjectMapper().readTree(c.text()).isObject(), c.text());
            assertTrue(c.text().strip().endsWith("}"), c.text());
        }
    }

    @Test
    void theSameSeedGivesTheSameJson() {
        GenerationParams p = GenerationParams.builder().temperature(0.9).seed(7).maxTokens(40).jsonObject(true).build();
        assertEquals(model.newSession().generate("Once upon a time", p).text(), model.newSession().generate("Once upon a time", p).text());
    }

    static final String STORY = """
            {"type": "object", "properties": {
               "hero": {"type": "string", "maxLength": 12},
               "age": {"type": "integer"},
               "mood": {"enum": ["happy", "sad"]},
               "friends": {"type": "array", "items": {"type": "string", "maxLength": 8}, "maxItems": 2}},
             "required": ["hero", "age", "mood"], "additionalProperties": false}""";

    /** With a schema the reply is JSON the schema accepts, whole (the schema bounds every part), greedy or sampled. */
    @Test
    void aSchemaShapesTheReply() throws Exception {
        ObjectMapper json = new ObjectMapper();
        var schema = json.readTree(STORY);
        for (String prompt : new String[]{"Once upon a time", "Tom said"}) {
            Completion free = model.newSession().generate(prompt, GenerationParams.greedy(120));
            for (long seed = 0; seed <= 3; seed++) {
                GenerationParams p = GenerationParams.builder().temperature(seed == 0 ? 0 : 0.9).seed(seed).maxTokens(300).jsonSchema(STORY).build();
                Completion c = model.newSession().generate(prompt, p);
                assertNotEquals(free.text(), c.text());
                assertEquals(FinishReason.STOP, c.finishReason(), c.text());
                assertTrue(dev.jllm.testing.SchemaValidator.valid(json.readTree(c.text()), schema), c.text());
            }
        }
    }

    @Test
    void aSchemaThatCannotBeEnforcedIsRefusedWhenTheParametersAreBuilt() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> GenerationParams.builder().jsonSchema("{\"type\": \"string\", \"pattern\": \"a+\"}"));
        assertTrue(e.getMessage().contains("'pattern'"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> GenerationParams.builder().jsonObject(true).jsonSchema("{}").build());
        assertTrue(e.getMessage().contains("exclude each other"), e.getMessage());
        assertEquals("{}", GenerationParams.builder().jsonSchema("{}").build().toBuilder().build().jsonSchema());
    }

    /** A GBNF grammar shapes the reply the same way: greedy and sampled replies are whole sentences of it. */
    @Test
    void aGrammarShapesTheReply() {
        String gbnf = "root ::= \", \" (\"Lily\" | \"Tom\") \" \" [a-z]+ (\" \" [a-z]+){2,8} \".\"";
        java.util.regex.Pattern sentence = java.util.regex.Pattern.compile(", (Lily|Tom) [a-z]+( [a-z]+){2,8}\\.");
        for (long seed = 0; seed < 4; seed++) {
            GenerationParams p = GenerationParams.builder().temperature(seed == 0 ? 0 : 1).seed(seed).maxTokens(100).grammar(gbnf).build();
            Completion c = model.newSession().generate("Once upon a time", p);
            assertEquals(FinishReason.STOP, c.finishReason(), c.text());
            assertTrue(sentence.matcher(c.text()).matches(), c.text());
        }
        var both = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> GenerationParams.builder().jsonSchema("{}").grammar(gbnf));
        assertTrue(both.getMessage().contains("exclude each other"), both.getMessage());
    }
}
