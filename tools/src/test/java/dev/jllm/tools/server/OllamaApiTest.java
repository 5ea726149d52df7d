package dev.jllm.tools.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jllm.ChatMessage;
import dev.jllm.Completion;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.Pooling;
import dev.jllm.TokenListener;
import dev.jllm.testing.TestData;

/** Ollama's API on the same server, in-process: replies equal the library's, in Ollama's shapes, streamed as NDJSON or not. */
class OllamaApiTest {
    static Model model;
    static OpenAiServer server;

    @BeforeAll
    static void start() throws Exception {
        model = Model.load(TestData.require("models/stories260K-f32.gguf"), ModelOptions.builder().threads(2).build());
        server = OpenAiServer.start(model, OpenAiServerTest.config(2, 8), line -> { });
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (model != null) model.close();
    }

    record Reply(int status, String body, String contentType) {
        JsonNode json() throws Exception {
            return OpenAiServerTest.JSON.readTree(body);
        }

        /** The NDJSON lines of a streamed reply. */
        List<JsonNode> lines() throws Exception {
            List<JsonNode> out = new ArrayList<>();
            for (String l : body.split("\n")) if (!l.isBlank()) out.add(OpenAiServerTest.JSON.readTree(l));
            return out;
        }
    }

    static Reply send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).timeout(Duration.ofSeconds(60));
        b = body == null ? b.GET() : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = OpenAiServerTest.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(""));
    }

    static Completion expectedChat(String user, int n) {
        return model.newSession().generate(model.chatPrompt(List.of(ChatMessage.user(user))), GenerationParams.greedy(n), TokenListener.NONE);
    }

    @Test
    void chatAnswersAsTheLibraryDoes() throws Exception {
        Completion lib = expectedChat("Tell me a story", 20);
        Reply r = send("POST", "/api/chat", """
                {"model":"stories","messages":[{"role":"user","content":"Tell me a story"}],"stream":false,"options":{"temperature":0,"num_predict":20}}""");
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals(lib.text(), j.get("message").get("content").asText());
        assertEquals("assistant", j.get("message").get("role").asText());
        assertTrue(j.get("done").asBoolean());
        assertEquals(lib.finishReason() == dev.jllm.FinishReason.LENGTH ? "length" : "stop", j.get("done_reason").asText());
        assertEquals(lib.generatedTokens(), j.get("eval_count").asInt());
        assertEquals(lib.promptTokens(), j.get("prompt_eval_count").asInt());
        assertTrue(j.get("total_duration").asLong() > 0 && j.get("eval_duration").asLong() > 0);

        Reply streamed = send("POST", "/api/chat", """
                {"model":"stories","messages":[{"role":"user","content":"Tell me a story"}],"options":{"temperature":0,"num_predict":20}}""");
        assertEquals("application/x-ndjson", streamed.contentType());
        List<JsonNode> lines = streamed.lines();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(i == lines.size() - 1, lines.get(i).get("done").asBoolean(), "only the last line is done");
            text.append(lines.get(i).get("message").get("content").asText());
        }
        assertTrue(lines.size() > 5, "streamed by default, piece by piece");
        assertEquals(lib.text(), text.toString());
        assertEquals(lib.generatedTokens(), lines.getLast().get("eval_count").asInt());
    }

    /** LangChain4j's Ollama module, the JVM developers' client for this API: chat plain and streamed, and embeddings. */
    @Test
    void langchain4jOllamaClient() throws Exception {
        Completion lib = expectedChat("Tell me a story", 20);
        var chat = dev.langchain4j.model.ollama.OllamaChatModel.builder().baseUrl(server.baseUrl()).modelName("stories")
                .temperature(0.0).numPredict(20).timeout(Duration.ofSeconds(60)).build();
        var r = chat.chat(dev.langchain4j.data.message.UserMessage.from("Tell me a story"));
        assertEquals(lib.text(), r.aiMessage().text());
        assertEquals(lib.generatedTokens(), r.tokenUsage().outputTokenCount());

        var streaming = dev.langchain4j.model.ollama.OllamaStreamingChatModel.builder().baseUrl(server.baseUrl()).modelName("stories")
                .temperature(0.0).numPredict(20).timeout(Duration.ofSeconds(60)).build();
        var done = new java.util.concurrent.CompletableFuture<dev.langchain4j.model.chat.response.ChatResponse>();
        List<String> parts = new java.util.concurrent.CopyOnWriteArrayList<>();
        streaming.chat("Tell me a story", new dev.langchain4j.model.chat.response.StreamingChatResponseHandler() {
            @Override public void onPartialResponse(String piece) { parts.add(piece); }
            @Override public void onCompleteResponse(dev.langchain4j.model.chat.response.ChatResponse response) { done.complete(response); }
            @Override public void onError(Throwable error) { done.completeExceptionally(error); }
        });
        var streamed = done.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(lib.text(), String.join("", parts));
        assertEquals(lib.text(), streamed.aiMessage().text());

        var embeddings = dev.langchain4j.model.ollama.OllamaEmbeddingModel.builder().baseUrl(server.baseUrl()).modelName("stories")
                .timeout(Duration.ofSeconds(60)).build();
        assertArrayEquals(model.embed("The little dog", Pooling.MEAN, true).vector(), embeddings.embed("The little dog").content().vector());
    }

    @Test
    void generateAppliesTheTemplateUnlessRaw() throws Exception {
        Completion chatLib = expectedChat("Once upon a time", 15);
        Reply templated = send("POST", "/api/generate", """
                {"model":"stories","prompt":"Once upon a time","stream":false,"options":{"temperature":0,"num_predict":15}}""");
        assertEquals(chatLib.text(), templated.json().get("response").asText());
        Completion raw = model.newSession().generate("Once upon a time", GenerationParams.greedy(15));
        Reply r = send("POST", "/api/generate", """
                {"model":"stories","prompt":"Once upon a time","raw":true,"stream":false,"options":{"temperature":0,"num_predict":15}}""");
        assertEquals(raw.text(), r.json().get("response").asText());
        Reply load = send("POST", "/api/generate", "{\"model\":\"stories\"}");
        assertEquals("load", load.json().get("done_reason").asText(), "an empty prompt loads the model, as Ollama's");
    }

    @Test
    void formatConstrainsTheReply() throws Exception {
        Reply json = send("POST", "/api/chat", """
                {"messages":[{"role":"user","content":"Tell me a story"}],"stream":false,"format":
                 {"type":"object","properties":{"name":{"type":"string","maxLength":10},"happy":{"type":"boolean"}},"required":["name","happy"]},
                 "options":{"temperature":0,"num_predict":80}}""");
        JsonNode reply = OpenAiServerTest.JSON.readTree(json.json().get("message").get("content").asText());
        assertTrue(reply.get("name").isTextual() && reply.get("happy").isBoolean(), reply.toString());
    }

    @Test
    void modelInformation() throws Exception {
        JsonNode tags = send("GET", "/api/tags", null).json();
        assertEquals("stories", tags.get("models").get(0).get("name").asText());
        assertEquals("gguf", tags.get("models").get(0).get("details").get("format").asText());
        assertEquals(model.info().fileSize(), tags.get("models").get(0).get("size").asLong());
        JsonNode show = send("POST", "/api/show", "{\"model\":\"stories\"}").json();
        assertEquals("llama", show.get("model_info").get("general.architecture").asText());
        assertTrue(show.get("capabilities").toString().contains("completion"));
        assertEquals(OllamaApi.API_VERSION, send("GET", "/api/version", null).json().get("version").asText());
        assertEquals(1, send("GET", "/api/ps", null).json().get("models").size());
        assertEquals("1.2B", OllamaApi.parameterSize(1_235_814_400L));
        assertEquals("135M", OllamaApi.parameterSize(134_515_008L));
    }

    @Test
    void embedEqualsTheLibrarysPooledVectors() throws Exception {
        JsonNode j = send("POST", "/api/embed", "{\"model\":\"stories\",\"input\":[\"The little dog\",\"Once upon a time\"]}").json();
        float[] first = model.embed("The little dog", Pooling.MEAN, true).vector();
        JsonNode v = j.get("embeddings").get(0);
        float[] got = new float[v.size()];
        for (int i = 0; i < got.length; i++) got[i] = v.get(i).floatValue();
        assertArrayEquals(first, got);
        assertEquals(2, j.get("embeddings").size());
        JsonNode legacy = send("POST", "/api/embeddings", "{\"model\":\"stories\",\"prompt\":\"The little dog\"}").json();
        assertEquals(first.length, legacy.get("embedding").size());
    }

    @Test
    void mistakesAreOllamaErrors() throws Exception {
        String[][] cases = {
                {"POST", "/api/pull", "{\"model\":\"llama3\"}", "501"},
                {"POST", "/api/chat", "{\"messages\":\"hi\"}", "400"},
                {"POST", "/api/chat", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"options\":{\"temperature\":\"hot\"}}", "400"},
                {"POST", "/api/chat", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"images\":[\"aGk=\"]}]}", "400"},
                {"POST", "/api/chat", "{\"messages\":[{\"role\":\"tool\",\"content\":\"42\"}]}", "400"},
                {"POST", "/api/generate", "{\"prompt\":\"hi\",\"context\":[1,2,3]}", "400"},
                {"POST", "/api/chat", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"format\":\"yaml\"}", "400"},
                {"GET", "/api/nothing", null, "404"},
                {"GET", "/api/chat", null, "405"},
        };
        for (String[] c : cases) {
            Reply r = send(c[0], c[1], c[2]);
            assertEquals(Integer.parseInt(c[3]), r.status(), c[1] + " " + c[2] + ": " + r.body());
            JsonNode e = r.json();
            assertTrue(e.has("error") && e.get("error").isTextual() && !e.get("error").asText().isBlank(), r.body());
            assertFalse(e.get("error").isObject(), "Ollama's errors are strings");
        }
    }
}
