package dev.jllm.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.ChatMessage;
import dev.jllm.Completion;
import dev.jllm.FinishReason;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.Pooling;
import dev.jllm.TokenListener;
import dev.jllm.testing.TestData;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;

/**
 * Real OpenAI clients against {@code jllm serve} (started from the jar on a random loopback port):
 * LangChain4j's OpenAI chat models (plain and streaming) and embedding model, and the official
 * {@code openai} npm package driven by Node. Greedy replies must equal what {@code Session.generate}
 * returns for the same prompt, and embeddings what {@code Model.embed} returns.
 */
class OpenAiClientsIT {
    /** The openai npm version .ci/run installs (no engines restriction: runs on Node 20). */
    static final String OPENAI_NPM = "openai@6.30.1";
    /** The official ollama npm client (ollama-js) .ci/run installs beside it. */
    static final String OLLAMA_NPM = "ollama@0.6.4";
    static final String PROMPT = "Tell me a story about a cat.";
    static final int MAX_TOKENS = 40;
    /** The schema of the structured-output checks, as LangChain4j writes it for the request built in {@link #langchain4jStructuredOutput}. */
    static final String CAT_SCHEMA = """
            {"type":"object","properties":{"name":{"type":"string"},"happy":{"type":"boolean"}},"required":["name","happy"],"additionalProperties":false}""";
    static final ObjectMapper JSON = new ObjectMapper();

    static Path modelFile;
    static ServerProcess server;
    static Completion expectedChat, expectedCompletion, expectedJson, expectedSchema;
    static float[] expectedEmbedding, expectedEmbedding2;
    static int expectedEmbeddingTokens;

    @BeforeAll
    static void start() throws Exception {
        modelFile = TestData.require("models/stories260K-f32.gguf");
        try (Model model = Model.load(modelFile, ModelOptions.builder().threads(2).build())) {
            expectedChat = model.newSession().generate(model.chatPrompt(List.of(ChatMessage.user(PROMPT))),
                    GenerationParams.greedy(MAX_TOKENS), TokenListener.NONE);
            expectedCompletion = model.newSession().generate(PROMPT, GenerationParams.greedy(MAX_TOKENS));
            expectedJson = model.newSession().generate(model.chatPrompt(List.of(ChatMessage.user(PROMPT))),
                    GenerationParams.builder().temperature(0).maxTokens(MAX_TOKENS).jsonObject(true).build(), TokenListener.NONE);
            expectedSchema = model.newSession().generate(model.chatPrompt(List.of(ChatMessage.user(PROMPT))),
                    GenerationParams.builder().temperature(0).maxTokens(MAX_TOKENS).jsonSchema(CAT_SCHEMA).build(), TokenListener.NONE);
            var e = model.embed(PROMPT, Pooling.MEAN, true);
            expectedEmbedding = e.vector();
            var e2 = model.embed("Once upon a time", Pooling.MEAN, true);
            expectedEmbedding2 = e2.vector();
            expectedEmbeddingTokens = e.tokenCount() + e2.tokenCount();
        }
        assertTrue(expectedChat.text().length() > 20, "a non-trivial reply to compare: " + expectedChat.text());
        server = ServerProcess.start("-m", modelFile.toString(), "--parallel", "2", "--pooling", "mean");
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static String finish(Completion c) {
        return c.finishReason() == FinishReason.LENGTH ? "length" : "stop";
    }

    @Test
    void langchain4jChat() {
        OpenAiChatModel chat = OpenAiChatModel.builder()
                .baseUrl(server.baseUrl() + "/v1").apiKey("not-needed").modelName("stories260K-f32")
                .temperature(0.0).maxTokens(MAX_TOKENS).maxRetries(0).timeout(Duration.ofSeconds(60)).build();
        ChatResponse r = chat.chat(UserMessage.from(PROMPT));
        assertEquals(expectedChat.text(), r.aiMessage().text());
        assertEquals(expectedChat.promptTokens(), r.tokenUsage().inputTokenCount());
        assertEquals(expectedChat.generatedTokens(), r.tokenUsage().outputTokenCount());
        assertEquals(expectedChat.finishReason() == FinishReason.LENGTH ? "LENGTH" : "STOP", r.finishReason().name());
        assertEquals("stories260K-f32", r.modelName());
    }

    @Test
    void langchain4jStreamingChat() throws Exception {
        OpenAiStreamingChatModel chat = OpenAiStreamingChatModel.builder()
                .baseUrl(server.baseUrl() + "/v1").apiKey("not-needed").modelName("stories260K-f32")
                .temperature(0.0).maxTokens(MAX_TOKENS).timeout(Duration.ofSeconds(60)).build();
        List<String> partials = new ArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        chat.chat(PROMPT, new StreamingChatResponseHandler() {
            @Override public void onPartialResponse(String piece) { partials.add(piece); }
            @Override public void onCompleteResponse(ChatResponse response) { done.complete(response); }
            @Override public void onError(Throwable error) { done.completeExceptionally(error); }
        });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        assertTrue(partials.size() > 5, "streamed in pieces: " + partials);
        assertEquals(expectedChat.text(), String.join("", partials));
        assertEquals(expectedChat.text(), r.aiMessage().text());
    }

    /** LangChain4j's structured output (response_format json_schema, strict): the reply is the library's for the same schema. */
    @Test
    void langchain4jStructuredOutput() throws Exception {
        OpenAiChatModel chat = OpenAiChatModel.builder()
                .baseUrl(server.baseUrl() + "/v1").apiKey("not-needed").modelName("stories260K-f32")
                .temperature(0.0).maxTokens(MAX_TOKENS).maxRetries(0).timeout(Duration.ofSeconds(60))
                .supportedCapabilities(java.util.Set.of(dev.langchain4j.model.chat.Capability.RESPONSE_FORMAT_JSON_SCHEMA))
                .strictJsonSchema(true).build();
        var schema = dev.langchain4j.model.chat.request.json.JsonSchema.builder().name("cat")
                .rootElement(dev.langchain4j.model.chat.request.json.JsonObjectSchema.builder()
                        .addStringProperty("name").addBooleanProperty("happy")
                        .required("name", "happy").additionalProperties(false).build())
                .build();
        var request = dev.langchain4j.model.chat.request.ChatRequest.builder().messages(UserMessage.from(PROMPT))
                .responseFormat(dev.langchain4j.model.chat.request.ResponseFormat.builder()
                        .type(dev.langchain4j.model.chat.request.ResponseFormatType.JSON).jsonSchema(schema).build())
                .build();
        ChatResponse r = chat.chat(request);
        assertEquals(expectedSchema.text(), r.aiMessage().text());
        assertEquals(expectedSchema.finishReason() == FinishReason.LENGTH ? "LENGTH" : "STOP", r.finishReason().name());
        if (expectedSchema.finishReason() == FinishReason.STOP) {
            JsonNode cat = JSON.readTree(r.aiMessage().text());
            assertTrue(cat.get("name").isTextual() && cat.get("happy").isBoolean(), r.aiMessage().text());
        }
    }

    @Test
    void langchain4jEmbeddings() {
        OpenAiEmbeddingModel embeddings = OpenAiEmbeddingModel.builder()
                .baseUrl(server.baseUrl() + "/v1").apiKey("not-needed").modelName("stories260K-f32")
                .maxRetries(0).timeout(Duration.ofSeconds(60)).build();
        var r = embeddings.embedAll(List.of(TextSegment.from(PROMPT), TextSegment.from("Once upon a time")));
        assertArrayEquals(expectedEmbedding, r.content().get(0).vector());
        assertArrayEquals(expectedEmbedding2, r.content().get(1).vector());
        assertEquals(expectedEmbeddingTokens, r.tokenUsage().inputTokenCount());
    }

    @Test
    void langchain4jSeesA400ForAPromptLongerThanTheContext() {
        OpenAiChatModel chat = OpenAiChatModel.builder()
                .baseUrl(server.baseUrl() + "/v1").apiKey("not-needed").modelName("stories260K-f32")
                .maxRetries(0).timeout(Duration.ofSeconds(60)).build();
        RuntimeException e = assertThrows(RuntimeException.class, () -> chat.chat("Once upon a time there was a cat. ".repeat(40)));
        assertTrue(String.valueOf(e.getMessage()).contains("maximum context length is 128 tokens"), e.toString());
    }

    /** The official openai npm client under Node: chat and completions, plain and streaming, and a 400. */
    @Test
    void nodeOpenAiClient() throws Exception {
        JsonNode j = runNode("openai-client.mjs", server.baseUrl(), "stories260K-f32", PROMPT, Integer.toString(MAX_TOKENS), CAT_SCHEMA);
        assertEquals("stories260K-f32", j.get("models").get(0).asText());
        assertEquals(expectedChat.text(), j.get("chat").get("text").asText());
        assertEquals(finish(expectedChat), j.get("chat").get("finish").asText());
        assertEquals(expectedChat.promptTokens(), j.get("chat").get("usage").get("prompt_tokens").asInt());
        assertEquals(expectedChat.generatedTokens(), j.get("chat").get("usage").get("completion_tokens").asInt());
        assertEquals(expectedChat.text(), j.get("chatStream").get("text").asText());
        assertEquals(finish(expectedChat), j.get("chatStream").get("finish").asText());
        assertEquals(expectedChat.generatedTokens(), j.get("chatStream").get("usage").get("completion_tokens").asInt());
        assertEquals(expectedCompletion.text(), j.get("completion").get("text").asText());
        assertEquals(expectedCompletion.text(), j.get("completionStream").get("text").asText());
        assertEquals(expectedJson.text(), j.get("chatJson").get("text").asText());
        assertEquals(finish(expectedJson), j.get("chatJson").get("finish").asText());
        assertEquals(expectedSchema.text(), j.get("chatSchema").get("text").asText());
        JsonNode logprobs = j.get("chatLogprobs");
        assertEquals(expectedChat.generatedTokens(), logprobs.size(), logprobs.toString());
        StringBuilder spelled = new StringBuilder();
        for (JsonNode e : logprobs) {
            assertTrue(e.get("logprob").asDouble() <= 0 && e.get("top").asInt() == 2, e.toString());
            spelled.append(e.get("token").asText());
        }
        assertEquals(expectedChat.text(), spelled.toString().strip(), "the tokens spell the reply");
        assertEquals(finish(expectedSchema), j.get("chatSchema").get("finish").asText());
        assertArrayEquals(expectedEmbedding, floats(j.get("embeddings").get("vectors").get(0)));
        assertArrayEquals(expectedEmbedding2, floats(j.get("embeddings").get("vectors").get(1)));
        assertEquals(1, j.get("embeddings").get("indexes").get(1).asInt());
        assertEquals(expectedEmbeddingTokens, j.get("embeddings").get("usage").get("prompt_tokens").asInt());
        assertArrayEquals(expectedEmbedding, floats(j.get("embeddingFloat")));
        assertEquals(400, j.get("badRequest").get("status").asInt(), j.get("badRequest").toString());
        assertEquals("BadRequestError", j.get("badRequest").get("name").asText());
    }

    /** The official ollama npm client (ollama-js) against the same server's Ollama routes: chat plain and streamed, generate, embed, list. */
    @Test
    void nodeOllamaClient() throws Exception {
        JsonNode j = runNode("ollama-client.mjs", server.baseUrl(), PROMPT, Integer.toString(MAX_TOKENS));
        assertEquals("stories260K-f32", j.get("models").get(0).asText());
        assertEquals(expectedChat.text(), j.get("chat").get("content").asText());
        assertEquals(expectedChat.generatedTokens(), j.get("chat").get("evalCount").asInt());
        assertEquals(expectedChat.text(), j.get("chatStream").get("content").asText());
        assertTrue(j.get("chatStream").get("parts").asInt() > 5, "streamed in parts");
        assertTrue(j.get("chatStream").get("done").asBoolean());
        assertEquals(expectedCompletion.text(), j.get("generateRaw").asText());
        assertArrayEquals(expectedEmbedding, floats(j.get("embedding")));
        assertEquals(501, j.get("pull").get("status").asInt(), j.get("pull").toString());
    }

    /** Runs one of tools/src/test/node's scripts with the npm clients installed, and reads the JSON object it prints. */
    static JsonNode runNode(String name, String... args) throws Exception {
        Path dir = nodeOpenAiDir();
        Path script = dir.resolve(name);
        Files.copy(TestData.projectRoot().resolve("tools/src/test/node/" + name), script, StandardCopyOption.REPLACE_EXISTING);
        List<String> cmd = new ArrayList<>(List.of("node", script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "node finished");
        assertEquals(0, p.exitValue(), "node failed:\n" + err.join() + "\n" + out);
        return JSON.readTree(out);
    }

    static float[] floats(JsonNode array) {
        float[] f = new float[array.size()];
        for (int i = 0; i < f.length; i++) f[i] = (float) array.get(i).asDouble();
        return f;
    }

    /**
     * A folder whose node_modules has the openai package: {@code $JLLM_NODE_OPENAI_DIR} (set by
     * .ci/run after installing it from the npm registry), else installed here with npm into
     * target/. Without node or npm the test is skipped, except under CI=true where it fails.
     */
    static Path nodeOpenAiDir() throws Exception {
        if (!commandWorks("node", "--version")) return missing("node is not installed");
        String env = System.getenv("JLLM_NODE_OPENAI_DIR");
        if (env != null && !env.isBlank()) {
            Path dir = Path.of(env);
            for (String pkg : new String[]{"openai", "ollama"}) {
                if (!Files.isDirectory(dir.resolve("node_modules/" + pkg))) throw new AssertionError("JLLM_NODE_OPENAI_DIR=" + env + " has no node_modules/" + pkg);
            }
            return dir;
        }
        Path dir = TestData.projectRoot().resolve("tools/target/node-openai");
        if (Files.isDirectory(dir.resolve("node_modules/openai")) && Files.isDirectory(dir.resolve("node_modules/ollama"))) return dir;
        if (!commandWorks("npm", "--version")) return missing("npm is not installed");
        Files.createDirectories(dir);
        Process p = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", dir.toString(), OPENAI_NPM, OLLAMA_NPM)
                .redirectErrorStream(true).start();
        String out = read(p.getInputStream());
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError("npm install " + OPENAI_NPM + " " + OLLAMA_NPM + " failed:\n" + out);
        return dir;
    }

    private static Path missing(String why) {
        String msg = why + ": the openai npm client check needs Node and npm (.ci/run installs the package)";
        if (TestData.isCi()) throw new AssertionError(msg + " — CI=true, so this is a failure, not a skip");
        Assumptions.abort(msg);
        return null;
    }

    private static boolean commandWorks(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            read(p.getInputStream());
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
