package dev.jllm.tools.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.Pooling;
import dev.jllm.testing.TestData;

/** {@code POST /v1/embeddings}: OpenAI's request forms and response shape, the vectors {@link Model#embed} gives, and the errors. */
class EmbeddingsEndpointTest {
    static Model model;
    static OpenAiServer server, noPooling;

    @BeforeAll
    static void start() throws Exception {
        model = Model.load(TestData.require("models/stories260K-f32.gguf"), ModelOptions.builder().threads(2).build());
        server = OpenAiServer.start(model, config(Pooling.MEAN), null);
        noPooling = OpenAiServer.start(model, config(null), null);
    }

    static OpenAiServer.Config config(Pooling pooling) {
        return new OpenAiServer.Config("127.0.0.1", 0, 2, 8, "stories", GenerationParams.defaults(), null, 16, pooling);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (noPooling != null) noPooling.close();
        if (model != null) model.close();
    }

    static OpenAiServerTest.Reply post(String body) throws Exception {
        return OpenAiServerTest.post(server, "/v1/embeddings", body);
    }

    static float[] floats(JsonNode array) {
        float[] f = new float[array.size()];
        for (int i = 0; i < f.length; i++) f[i] = (float) array.get(i).asDouble();
        return f;
    }

    @Test
    void oneTextGivesTheLibrarysVector() throws Exception {
        OpenAiServerTest.Reply r = post("{\"model\":\"stories\",\"input\":\"The little dog ran to the park.\"}");
        assertEquals(200, r.status(), r.raw());
        JsonNode j = r.json();
        assertEquals("list", j.get("object").asText());
        assertEquals("stories", j.get("model").asText());
        assertEquals(1, j.get("data").size());
        JsonNode item = j.get("data").get(0);
        assertEquals("embedding", item.get("object").asText());
        assertEquals(0, item.get("index").asInt());
        var expected = model.embed("The little dog ran to the park.", Pooling.MEAN, true);
        assertArrayEquals(expected.vector(), floats(item.get("embedding")));
        assertEquals(expected.tokenCount(), j.get("usage").get("prompt_tokens").asInt());
        assertEquals(expected.tokenCount(), j.get("usage").get("total_tokens").asInt());
    }

    @Test
    void manyTextsComeBackInOrderAndBase64IsLittleEndianFloats() throws Exception {
        String[] texts = {"Once upon a time", "Mom baked a cake.", "The sun was hot"};
        OpenAiServerTest.Reply r = post("{\"input\":[\"Once upon a time\",\"Mom baked a cake.\",\"The sun was hot\"],\"encoding_format\":\"base64\"}");
        assertEquals(200, r.status(), r.raw());
        int tokens = 0;
        for (int i = 0; i < texts.length; i++) {
            JsonNode item = r.json().get("data").get(i);
            assertEquals(i, item.get("index").asInt());
            ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(item.get("embedding").asText())).order(ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[b.remaining() / 4];
            for (int k = 0; k < v.length; k++) v[k] = b.getFloat();
            var expected = model.embed(texts[i], Pooling.MEAN, true);
            assertArrayEquals(expected.vector(), v, texts[i]);
            tokens += expected.tokenCount();
        }
        assertEquals(tokens, r.json().get("usage").get("prompt_tokens").asInt());
    }

    @Test
    void tokenIdsAreAcceptedInBothForms() throws Exception {
        int[] ids = model.tokenize("Once upon a time", true, false);
        String list = java.util.Arrays.toString(ids).replace(" ", "");
        var expected = model.embed(ids, Pooling.MEAN, true).vector();
        OpenAiServerTest.Reply one = post("{\"input\":" + list + "}");
        assertEquals(200, one.status(), one.raw());
        assertArrayEquals(expected, floats(one.json().get("data").get(0).get("embedding")));
        OpenAiServerTest.Reply two = post("{\"input\":[" + list + ",[1,2,3]]}");
        assertEquals(200, two.status(), two.raw());
        assertEquals(2, two.json().get("data").size());
        assertArrayEquals(expected, floats(two.json().get("data").get(0).get("embedding")));
    }

    static void assertError(OpenAiServerTest.Reply r, int status, String param, String messagePart) {
        assertEquals(status, r.status(), r.raw());
        JsonNode err = r.json().get("error");
        assertEquals(param, err.get("param").isNull() ? null : err.get("param").asText(), r.raw());
        assertTrue(err.get("message").asText().contains(messagePart), r.raw());
    }

    @Test
    void badRequestsAre400sNamingTheParameter() throws Exception {
        assertError(post("{\"model\":\"stories\"}"), 400, "input", "input");
        assertError(post("{\"input\":[]}"), 400, "input", "empty");
        assertError(post("{\"input\":42}"), 400, "input", "a string, an array of strings or an array of token ids");
        assertError(post("{\"input\":[\"a\",[1,2]]}"), 400, "input[1]", "a string");
        assertError(post("{\"input\":[1,99999]}"), 400, "input", "outside the vocabulary");
        assertError(post("{\"input\":\"hi\",\"encoding_format\":\"int8\"}"), 400, "encoding_format", "'float' or 'base64'");
        assertError(post("{\"input\":\"hi\",\"dimensions\":3}"), 400, "dimensions", "have " + model.info().embeddingLength() + " dimensions");
        assertError(post("{\"input\":\"" + "Once upon a time there was a cat. ".repeat(40) + "\"}"), 400, "input", "maximum context length is 128 tokens");
        assertEquals(200, post("{\"input\":\"hi\",\"dimensions\":" + model.info().embeddingLength() + "}").status());
    }

    @Test
    void withoutAPoolingTheServerSaysHowToChooseOne() throws Exception {
        OpenAiServerTest.Reply r = OpenAiServerTest.post(noPooling, "/v1/embeddings", "{\"input\":\"hi\"}");
        assertError(r, 400, "input", "start the server with --pooling");
        assertEquals("pooling_not_set", r.json().get("error").get("code").asText());
    }
}
