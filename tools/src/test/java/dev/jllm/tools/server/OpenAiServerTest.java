package dev.jllm.tools.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.ChatMessage;
import dev.jllm.Completion;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.Pooling;
import dev.jllm.ModelOptions;
import dev.jllm.TokenListener;
import dev.jllm.TokenLogprobs;
import dev.jllm.testing.TestData;

/** The server in-process, over HTTP: shapes, parameters, errors, the queue and disconnects. */
class OpenAiServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static Model model;
    static OpenAiServer server;
    static final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        model = Model.load(TestData.require("models/stories260K-f32.gguf"), ModelOptions.builder().threads(2).build());
        server = OpenAiServer.start(model, config(2, 8), log::add);
    }

    static OpenAiServer.Config config(int parallel, int queue) {
        return new OpenAiServer.Config("127.0.0.1", 0, parallel, queue, "stories", GenerationParams.defaults(), null, 16, Pooling.MEAN);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (model != null) model.close();
    }

    record Reply(int status, JsonNode json, String raw, HttpResponse<String> response) {}

    static Reply post(OpenAiServer s, String path, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(s.uri(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode j = null;
        try {
            j = JSON.readTree(r.body());
        } catch (Exception e) {
            // not JSON (SSE)
        }
        return new Reply(r.statusCode(), j, r.body(), r);
    }

    static Reply post(String path, String body) throws Exception {
        return post(server, path, body);
    }

    static Reply get(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(server.uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), JSON.readTree(r.body()), r.body(), r);
    }

    /** The {@code data:} payloads of an SSE body, checking the framing; the last one must be [DONE]. */
    static List<JsonNode> events(String body) throws Exception {
        assertTrue(body.endsWith("data: [DONE]\n\n"), "ends with [DONE]: " + body);
        List<JsonNode> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            assertTrue(block.startsWith("data: "), "event block: " + block);
            String data = block.substring(6);
            if (!data.equals("[DONE]")) out.add(JSON.readTree(data));
        }
        return out;
    }

    static Completion expectedChat(List<ChatMessage> messages, GenerationParams p) {
        return model.newSession().generate(model.chatPrompt(messages), p, TokenListener.NONE);
    }

    @Test
    void healthAndModels() throws Exception {
        Reply h = get("/health");
        assertEquals(200, h.status());
        assertEquals("ok", h.json().get("status").asText());
        Reply m = get("/v1/models");
        assertEquals("list", m.json().get("object").asText());
        assertEquals("stories", m.json().get("data").get(0).get("id").asText());
        assertEquals("model", m.json().get("data").get(0).get("object").asText());
        assertEquals(200, get("/v1/models/stories").status());
        assertEquals(404, get("/v1/models/gpt-4").status());
    }

    @Test
    void chatCompletionEqualsSessionGenerate() throws Exception {
        List<ChatMessage> msgs = List.of(ChatMessage.system("You tell stories."), ChatMessage.user("Tell me about a dog."));
        Completion expected = expectedChat(msgs, GenerationParams.greedy(40));
        Reply r = post("/v1/chat/completions", """
                {"model":"stories","messages":[{"role":"system","content":"You tell stories."},
                 {"role":"user","content":[{"type":"text","text":"Tell me about "},{"type":"text","text":"a dog."}]}],
                 "temperature":0,"max_tokens":40}""");
        assertEquals(200, r.status(), r.raw());
        JsonNode j = r.json();
        assertEquals("chat.completion", j.get("object").asText());
        assertTrue(j.get("id").asText().startsWith("chatcmpl-"));
        JsonNode choice = j.get("choices").get(0);
        assertEquals("assistant", choice.get("message").get("role").asText());
        assertEquals(expected.text(), choice.get("message").get("content").asText());
        assertEquals(expected.finishReason().name().equals("LENGTH") ? "length" : "stop", choice.get("finish_reason").asText());
        assertEquals(expected.promptTokens(), j.get("usage").get("prompt_tokens").asInt());
        assertEquals(expected.generatedTokens(), j.get("usage").get("completion_tokens").asInt());
        assertEquals(expected.promptTokens() + expected.generatedTokens(), j.get("usage").get("total_tokens").asInt());
    }

    @Test
    void streamedChatHasRoleContentFinishUsageAndDone() throws Exception {
        List<ChatMessage> msgs = List.of(ChatMessage.user("Once upon a time"));
        Completion expected = expectedChat(msgs, GenerationParams.greedy(30));
        Reply r = post("/v1/chat/completions", """
                {"messages":[{"role":"user","content":"Once upon a time"}],"temperature":0,"max_tokens":30,
                 "stream":true,"stream_options":{"include_usage":true}}""");
        assertEquals(200, r.status());
        assertTrue(r.response().headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<JsonNode> ev = events(r.raw());
        assertEquals("assistant", ev.get(0).get("choices").get(0).get("delta").get("role").asText());
        StringBuilder text = new StringBuilder();
        for (JsonNode e : ev.subList(1, ev.size() - 2)) {
            assertEquals("chat.completion.chunk", e.get("object").asText());
            assertEquals(ev.get(0).get("id").asText(), e.get("id").asText());
            assertTrue(e.get("choices").get(0).get("finish_reason").isNull());
            text.append(e.get("choices").get(0).get("delta").get("content").asText());
        }
        assertEquals(expected.text(), text.toString());
        JsonNode last = ev.get(ev.size() - 2).get("choices").get(0);
        assertEquals("length", last.get("finish_reason").asText());
        JsonNode usage = ev.get(ev.size() - 1);
        assertEquals(0, usage.get("choices").size());
        assertEquals(30, usage.get("usage").get("completion_tokens").asInt());
        assertEquals(expected.promptTokens(), usage.get("usage").get("prompt_tokens").asInt());
    }

    @Test
    void completionsPlainAndStreamedEqualSessionGenerate() throws Exception {
        Completion expected = model.newSession().generate("Once upon a time", GenerationParams.greedy(16));
        Reply r = post("/v1/completions", """
                {"prompt":"Once upon a time","temperature":0}""");
        assertEquals(200, r.status(), r.raw());
        assertEquals("text_completion", r.json().get("object").asText());
        assertEquals(expected.text(), r.json().get("choices").get(0).get("text").asText(), "max_tokens defaults to 16");
        assertEquals(16, r.json().get("usage").get("completion_tokens").asInt());

        Reply s = post("/v1/completions", """
                {"prompt":["Once upon a time"],"temperature":0,"max_tokens":16,"stream":true}""");
        StringBuilder text = new StringBuilder();
        List<JsonNode> ev = events(s.raw());
        for (JsonNode e : ev) text.append(e.get("choices").get(0).get("text").asText());
        assertEquals(expected.text(), text.toString());
        assertEquals("length", ev.get(ev.size() - 1).get("choices").get(0).get("finish_reason").asText());

        // token ids as the prompt, and echo
        Reply ids = post("/v1/completions", "{\"prompt\":" + java.util.Arrays.toString(expected.promptTokenIds()) + ",\"temperature\":0,\"echo\":true}");
        assertEquals(model.detokenize(expected.promptTokenIds()) + expected.text(), ids.json().get("choices").get(0).get("text").asText());
    }

    @Test
    void stopSequencesEndTheText() throws Exception {
        Completion full = model.newSession().generate("Once upon a time", GenerationParams.greedy(40));
        int cut = full.text().indexOf(" little");
        assertTrue(cut > 0, full.text());
        Reply r = post("/v1/completions", """
                {"prompt":"Once upon a time","temperature":0,"max_tokens":40,"stop":[" little","zzz"]}""");
        assertEquals(full.text().substring(0, cut), r.json().get("choices").get(0).get("text").asText());
        assertEquals("stop", r.json().get("choices").get(0).get("finish_reason").asText());
        Reply s = post("/v1/completions", """
                {"prompt":"Once upon a time","temperature":0,"max_tokens":40,"stop":" little","stream":true}""");
        StringBuilder text = new StringBuilder();
        for (JsonNode e : events(s.raw())) text.append(e.get("choices").get(0).get("text").asText());
        assertEquals(full.text().substring(0, cut), text.toString());
    }

    @Test
    void samplingParametersMatchTheLibrary() throws Exception {
        // seed + temperature + top_p + penalties + logit bias: the server gives what the library gives
        GenerationParams p = GenerationParams.defaults().toBuilder().temperature(1.0).topP(0.9).seed(42).maxTokens(30)
                .presencePenalty(0.5).frequencyPenalty(0.3).logitBias(Map.of(261, -100f, 403, 2.5f)).build();
        Completion expected = model.newSession().generate("Once upon a time", p);
        String body = """
                {"prompt":"Once upon a time","temperature":1.0,"top_p":0.9,"seed":42,"max_tokens":30,
                 "presence_penalty":0.5,"frequency_penalty":0.3,"logit_bias":{"261":-100,"403":2.5}}""";
        Reply a = post("/v1/completions", body), b = post("/v1/completions", body);
        assertEquals(expected.text(), a.json().get("choices").get(0).get("text").asText());
        assertEquals(a.json().get("choices").get(0).get("text"), b.json().get("choices").get(0).get("text"), "same seed, same text");
        // a strong bias forces a token
        Reply forced = post("/v1/completions", """
                {"prompt":"Once upon a time","temperature":0,"max_tokens":3,"logit_bias":{"403":100}}""");
        Completion three = model.newSession().generate("Once upon a time",
                GenerationParams.greedy(3).toBuilder().logitBias(Map.of(403, 100f)).build());
        assertArrayEquals(new int[]{403, 403, 403}, three.tokenIds());
        assertEquals(three.text(), forced.json().get("choices").get(0).get("text").asText());
    }

    /** response_format json_object: the reply is the library's for jsonObject(true), and JSON (closed, or a valid beginning cut by max_tokens). */
    @Test
    void jsonObjectResponseFormat() throws Exception {
        List<ChatMessage> messages = List.of(ChatMessage.user("Tell me about a cat"));
        Completion expected = expectedChat(messages, GenerationParams.builder().temperature(0).maxTokens(40).jsonObject(true).build());
        Reply r = post("/v1/chat/completions", """
                {"messages":[{"role":"user","content":"Tell me about a cat"}],"temperature":0,"max_tokens":40,
                 "response_format":{"type":"json_object"}}""");
        assertEquals(200, r.status(), r.raw());
        String text = r.json().get("choices").get(0).get("message").get("content").asText();
        assertEquals(expected.text(), text);
        dev.jllm.sampling.JsonPrefix p = new dev.jllm.sampling.JsonPrefix();
        assertTrue(p.accept(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)), text);
        assertTrue(JSON.readTree(text + p.completion()).isObject(), text);
        Reply plain = post("/v1/chat/completions", """
                {"messages":[{"role":"user","content":"Tell me about a cat"}],"temperature":0,"max_tokens":40,"response_format":{"type":"text"}}""");
        assertEquals(expectedChat(messages, GenerationParams.greedy(40)).text(), plain.json().get("choices").get(0).get("message").get("content").asText());
    }

    /**
     * The server's sessions reuse cached prefixes that earlier requests evaluated in other chunks
     * (batched prompt vs one-token steps sum in other orders): logits differ in the last digits.
     */
    static final float LOGPROB_TOLERANCE = 1e-3f;

    /** logprobs: the library's values, in OpenAI's two shapes; with echo the prompt is scored too (as evaluation harnesses ask). */
    @Test
    void logprobs() throws Exception {
        Completion lib = model.newSession().generate("Once upon a time",
                GenerationParams.greedy(8).toBuilder().logprobs(2).promptLogprobs(true).build());
        Reply r = post("/v1/completions", """
                {"prompt":"Once upon a time","temperature":0,"max_tokens":8,"logprobs":2,"echo":true}""");
        assertEquals(200, r.status(), r.raw());
        JsonNode lp = r.json().get("choices").get(0).get("logprobs");
        int prompt = lib.promptTokens(), total = prompt + lib.generatedTokens();
        assertEquals(total, lp.get("tokens").size());
        assertTrue(lp.get("token_logprobs").get(0).isNull() && lp.get("top_logprobs").get(0).isNull(), "nothing precedes the first token");
        for (int i = 1; i < total; i++) {
            TokenLogprobs e = i < prompt ? lib.promptLogprobs().get(i - 1) : lib.logprobs().get(i - prompt);
            assertEquals(e.logprob(), lp.get("token_logprobs").get(i).floatValue(), LOGPROB_TOLERANCE, "token " + i);
            assertTrue(lp.get("top_logprobs").get(i).size() >= 1 && lp.get("top_logprobs").get(i).size() <= 2);
            assertTrue(lp.get("text_offset").get(i).asInt() >= lp.get("text_offset").get(i - 1).asInt());
        }
        StringBuilder generated = new StringBuilder();
        for (int i = prompt; i < total; i++) generated.append(lp.get("tokens").get(i).asText());
        assertEquals(lib.text(), generated.toString(), "the generated tokens spell the text");

        Completion chatLib = expectedChat(List.of(ChatMessage.user("Tell me a story")), GenerationParams.greedy(6).toBuilder().logprobs(3).build());
        Reply chat = post("/v1/chat/completions", """
                {"messages":[{"role":"user","content":"Tell me a story"}],"temperature":0,"max_tokens":6,"logprobs":true,"top_logprobs":3}""");
        JsonNode content = chat.json().get("choices").get(0).get("logprobs").get("content");
        assertEquals(chatLib.generatedTokens(), content.size(), chat.raw());
        for (int i = 0; i < content.size(); i++) {
            assertEquals(chatLib.logprobs().get(i).logprob(), content.get(i).get("logprob").floatValue(), LOGPROB_TOLERANCE);
            assertEquals(3, content.get(i).get("top_logprobs").size());
            byte[] bytes = model.tokenBytes(chatLib.tokenIds()[i]);
            assertEquals(bytes.length, content.get(i).get("bytes").size());
        }
        assertTrue(post("/v1/chat/completions", """
                {"messages":[{"role":"user","content":"Tell me a story"}],"max_tokens":3}""").json().get("choices").get(0).get("logprobs").isNull());
    }

    /** Streamed, each token's log-probability rides on a chunk (the next one when a token adds no text yet): all of them arrive, in order. */
    @Test
    void streamedLogprobs() throws Exception {
        Completion chatLib = expectedChat(List.of(ChatMessage.user("Tell me a story")), GenerationParams.greedy(12).toBuilder().logprobs(2).build());
        Reply chat = post("/v1/chat/completions", """
                {"messages":[{"role":"user","content":"Tell me a story"}],"temperature":0,"max_tokens":12,"logprobs":true,"top_logprobs":2,"stream":true}""");
        List<JsonNode> entries = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (JsonNode e : events(chat.raw())) {
            JsonNode choice = e.get("choices").get(0);
            if (choice.get("delta").has("content")) text.append(choice.get("delta").get("content").asText());
            if (choice.has("logprobs") && !choice.get("logprobs").isNull()) choice.get("logprobs").get("content").forEach(entries::add);
        }
        assertEquals(chatLib.text(), text.toString());
        assertEquals(chatLib.generatedTokens(), entries.size(), chat.raw());
        for (int i = 0; i < entries.size(); i++) {
            assertEquals(chatLib.logprobs().get(i).logprob(), entries.get(i).get("logprob").floatValue(), LOGPROB_TOLERANCE);
            assertEquals(2, entries.get(i).get("top_logprobs").size());
        }

        Completion lib = model.newSession().generate("Once upon a time", GenerationParams.greedy(12).toBuilder().logprobs(1).build());
        Reply r = post("/v1/completions", """
                {"prompt":"Once upon a time","temperature":0,"max_tokens":12,"logprobs":1,"stream":true}""");
        List<Float> values = new ArrayList<>();
        StringBuilder tokens = new StringBuilder();
        int lastOffset = -1;
        for (JsonNode e : events(r.raw())) {
            JsonNode lp = e.get("choices").get(0).get("logprobs");
            if (lp == null || lp.isNull()) continue;
            for (int i = 0; i < lp.get("tokens").size(); i++) {
                tokens.append(lp.get("tokens").get(i).asText());
                values.add(lp.get("token_logprobs").get(i).floatValue());
                assertTrue(lp.get("text_offset").get(i).asInt() > lastOffset, "offsets continue across chunks");
                lastOffset = lp.get("text_offset").get(i).asInt();
            }
        }
        assertEquals(lib.text(), tokens.toString());
        assertEquals(lib.generatedTokens(), values.size());
        for (int i = 0; i < values.size(); i++) assertEquals(lib.logprobs().get(i).logprob(), values.get(i), LOGPROB_TOLERANCE);
    }

    /** llama.cpp's grammar field: the reply is the library's for the same GBNF grammar. */
    @Test
    void grammarField() throws Exception {
        String gbnf = "root ::= \", \" (\"Lily\" | \"Tom\") \" \" [a-z]+ (\" \" [a-z]+){2,8} \".\"";
        Completion expected = model.newSession().generate("Once upon a time", GenerationParams.greedy(60).toBuilder().grammar(gbnf).build());
        Reply r = post("/v1/completions", JSON.writeValueAsString(Map.of("prompt", "Once upon a time", "temperature", 0, "max_tokens", 60, "grammar", gbnf)));
        assertEquals(200, r.status(), r.raw());
        assertEquals(expected.text(), r.json().get("choices").get(0).get("text").asText());
        assertEquals("stop", r.json().get("choices").get(0).get("finish_reason").asText());
    }

    /** response_format json_schema: the reply is the library's for the same schema, finished, and valid against it. */
    @Test
    void jsonSchemaResponseFormat() throws Exception {
        String schema = """
                {"type":"object","properties":{"name":{"type":"string","maxLength":10},"happy":{"type":"boolean"}},
                 "required":["name","happy"],"additionalProperties":false}""";
        List<ChatMessage> messages = List.of(ChatMessage.user("Tell me about a cat"));
        Completion expected = expectedChat(messages, GenerationParams.builder().temperature(0).maxTokens(60).jsonSchema(schema).build());
        Reply r = post("/v1/chat/completions", """
                {"messages":[{"role":"user","content":"Tell me about a cat"}],"temperature":0,"max_tokens":60,
                 "response_format":{"type":"json_schema","json_schema":{"name":"cat","strict":true,"schema":%s}}}""".formatted(schema));
        assertEquals(200, r.status(), r.raw());
        String text = r.json().get("choices").get(0).get("message").get("content").asText();
        assertEquals(expected.text(), text);
        assertEquals("stop", r.json().get("choices").get(0).get("finish_reason").asText(), text);
        JsonNode reply = JSON.readTree(text);
        List<String> names = new java.util.ArrayList<>();
        reply.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("name", "happy"), names, text);
        assertTrue(reply.get("name").isTextual() && reply.get("happy").isBoolean(), text);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "malformed JSON        | /v1/chat/completions | {\"messages\": [                                   | ",
            "not an object         | /v1/chat/completions | [1,2]                                               | ",
            "missing messages      | /v1/chat/completions | {\"model\":\"x\"}                                   | messages",
            "messages not an array | /v1/chat/completions | {\"messages\":\"hi\"}                               | messages",
            "content of wrong type | /v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":5}]}  | messages[0].content",
            "unknown role          | /v1/chat/completions | {\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]} | messages[0].role",
            "temperature a string  | /v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":\"hot\"} | temperature",
            "temperature too high  | /v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":3} | temperature",
            "max_tokens a string   | /v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":\"10\"} | max_tokens",
            "stream not a boolean  | /v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":\"yes\"} | stream",
            "n = 2                 | /v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":2} | n",
            "tools without syntax  | /v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]} | tools",
            "tool without function | /v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\"}]} | tools[0].function",
            "functions (old form)  | /v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"functions\":[{\"name\":\"f\"}]} | functions",
            "json_schema missing   | /v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"response_format\":{\"type\":\"json_schema\"}} | response_format.json_schema",
            "schema missing        | /v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\"}}} | response_format.json_schema.schema",
            "schema not enforceable| /v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"schema\":{\"type\":\"string\",\"pattern\":\"a\"}}}} | response_format.json_schema.schema",
            "logprobs, echo, stream| /v1/completions      | {\"prompt\":\"hi\",\"logprobs\":1,\"echo\":true,\"stream\":true} | logprobs",
            "logprobs too many     | /v1/completions      | {\"prompt\":\"hi\",\"logprobs\":21} | logprobs",
            "top_logprobs alone    | /v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"top_logprobs\":2} | top_logprobs",
            "grammar with a mistake| /v1/completions      | {\"prompt\":\"hi\",\"grammar\":\"root ::= x\"} | grammar",
            "grammar and JSON mode | /v1/completions      | {\"prompt\":\"hi\",\"grammar\":\"root ::= [a-z]+\",\"response_format\":{\"type\":\"json_object\"}} | grammar",
            "response_format xml   | /v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"response_format\":{\"type\":\"xml\"}} | response_format",
            "response_format string| /v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"response_format\":\"json\"} | response_format",
            "stop of wrong type    | /v1/completions      | {\"prompt\":\"hi\",\"stop\":5}                      | stop",
            "too many stops        | /v1/completions      | {\"prompt\":\"hi\",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]} | stop",
            "logit_bias bad key    | /v1/completions      | {\"prompt\":\"hi\",\"logit_bias\":{\"a\":1}}         | logit_bias",
            "logit_bias bad id     | /v1/completions      | {\"prompt\":\"hi\",\"logit_bias\":{\"99999\":1}}     | logit_bias",
            "logit_bias too big    | /v1/completions      | {\"prompt\":\"hi\",\"logit_bias\":{\"5\":101}}       | logit_bias",
            "seed a decimal        | /v1/completions      | {\"prompt\":\"hi\",\"seed\":1.5}                    | seed",
            "missing prompt        | /v1/completions      | {\"max_tokens\":5}                                  | prompt",
            "two prompts           | /v1/completions      | {\"prompt\":[\"a\",\"b\"]}                          | prompt",
            "prompt id out of vocab| /v1/completions      | {\"prompt\":[1,100000]}                             | prompt",
    })
    void invalidRequestsAre400WithAnOpenAiError(String what, String path, String body, String param) throws Exception {
        Reply r = post(path, body);
        assertEquals(400, r.status(), what + ": " + r.raw());
        JsonNode err = r.json().get("error");
        assertNotNull(err, r.raw());
        assertFalse(err.get("message").asText().isBlank());
        assertEquals("invalid_request_error", err.get("type").asText());
        assertTrue(err.has("param") && err.has("code"), r.raw());
        if (param == null) assertTrue(err.get("param").isNull(), r.raw());
        else assertEquals(param, err.get("param").asText(), r.raw());
    }

    @Test
    void promptLongerThanTheContextIs400() throws Exception {
        String longText = "Once upon a time there was a little girl. ".repeat(40);
        Reply r = post("/v1/completions", JSON.writeValueAsString(Map.of("prompt", longText)));
        assertEquals(400, r.status(), r.raw());
        assertEquals("context_length_exceeded", r.json().get("error").get("code").asText());
        assertTrue(r.json().get("error").get("message").asText().contains("maximum context length is 128 tokens"), r.raw());
        Reply c = post("/v1/chat/completions", JSON.writeValueAsString(Map.of("messages", List.of(Map.of("role", "user", "content", longText)))));
        assertEquals(400, c.status(), c.raw());
        assertEquals("messages", c.json().get("error").get("param").asText());
    }

    @Test
    void unknownRoutesAndMethods() throws Exception {
        Reply r = post("/v1/images/generations", "{}");
        assertEquals(404, r.status());
        assertEquals("invalid_request_error", r.json().get("error").get("type").asText());
        Reply m = get("/v1/chat/completions");
        assertEquals(405, m.status());
        assertNotNull(m.json().get("error"));
    }

    /** parallel 1 + queue 1: the third concurrent request is refused with 429; the others complete. */
    @Test
    void fullQueueAnswers429() throws Exception {
        try (OpenAiServer small = OpenAiServer.start(model, config(1, 1), null)) {
            CountDownLatch release = new CountDownLatch(1);
            small.tokenHook = (piece, id) -> {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return TokenListener.Action.CONTINUE;
            };
            String body = "{\"prompt\":\"Once upon a time\",\"temperature\":0,\"max_tokens\":5}";
            CompletableFuture<Reply> first = CompletableFuture.supplyAsync(() -> call(() -> post(small, "/v1/completions", body)));
            awaitHealth(small, "slots", "busy", 1);
            CompletableFuture<Reply> second = CompletableFuture.supplyAsync(() -> call(() -> post(small, "/v1/completions", body)));
            awaitHealth(small, "queue", "waiting", 1);
            Reply third = post(small, "/v1/completions", body);
            assertEquals(429, third.status(), third.raw());
            assertEquals("queue_full", third.json().get("error").get("code").asText());
            assertEquals("1", third.response().headers().firstValue("Retry-After").orElse(null));
            release.countDown();
            String expected = model.newSession().generate("Once upon a time", GenerationParams.greedy(5)).text();
            assertEquals(expected, first.get(60, TimeUnit.SECONDS).json().get("choices").get(0).get("text").asText());
            assertEquals(expected, second.get(60, TimeUnit.SECONDS).json().get("choices").get(0).get("text").asText());
            assertEquals(1, small.rejected.get());
        }
    }

    /** A streaming client that disconnects: the generation stops at the next token it cannot send. */
    @Test
    void disconnectedStreamingClientCancelsItsGeneration() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        try (OpenAiServer s = OpenAiServer.start(model, config(1, 4), lines::add)) {
            s.tokenHook = (piece, id) -> {
                sleep(5);
                return TokenListener.Action.CONTINUE;
            };
            String body = "{\"prompt\":\"Once upon a time\",\"temperature\":0,\"max_tokens\":100,\"stream\":true}";
            try (Socket socket = new Socket("127.0.0.1", s.port())) {
                sendRaw(socket, body);
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                for (String line; (line = in.readLine()) != null; ) if (line.startsWith("data: ")) break; // first token arrived
            } // closed: the client is gone
            awaitTrue(() -> s.cancelled.get() == 1, "the server notices the disconnect");
            // the request's log line is written when its handler returns, just after the count
            awaitTrue(() -> lines.stream().anyMatch(l -> l.contains("client gone")), "the disconnect is logged");
            String line = lines.stream().filter(l -> l.contains("client gone")).findFirst().orElseThrow();
            int tokens = Integer.parseInt(line.replaceAll(".*after (\\d+) tokens.*", "$1"));
            assertTrue(tokens < 20, line);
            // the slot is free again
            assertEquals(200, post(s, "/v1/completions", "{\"prompt\":\"Hi\",\"max_tokens\":2}").status());
        }
    }

    /**
     * A client that disconnects while its long prompt is evaluated, streaming or not, OpenAI or
     * Anthropic: the server notices at a probe between prompt chunks and abandons the prompt
     * there, with no token generated, instead of evaluating the rest and generating for nobody.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"completions stream", "completions", "messages stream"})
    void aClientGoneDuringItsPromptAbandonsIt(String request) throws Exception {
        boolean stream = request.endsWith("stream"), messages = request.startsWith("messages");
        List<String> lines = new CopyOnWriteArrayList<>();
        // prompt chunks of 4 tokens: a prompt of 90 makes 23 of them
        try (Model small = Model.load(TestData.require("models/stories260K-f32.gguf"), ModelOptions.builder().threads(2).batchSize(4).build());
             OpenAiServer s = OpenAiServer.start(small, config(1, 4), lines::add)) {
            java.util.concurrent.atomic.AtomicInteger chunks = new java.util.concurrent.atomic.AtomicInteger();
            s.promptProbeEveryNanos = 1_000_000L;
            s.heartbeatAfterNanos = 1_000_000L;
            s.heartbeatEveryNanos = 1_000_000L;
            s.promptChunkHook = () -> {
                chunks.incrementAndGet();
                sleep(40);
            };
            String prompt = "Once upon a time there was a girl.".repeat(7);
            int promptChunks = (small.tokenize(prompt, true, false).length + 3) / 4;
            assertTrue(promptChunks >= 20, promptChunks + " chunks");
            String body = messages
                    ? "{\"model\":\"stories\",\"max_tokens\":5,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}"
                    : "{\"prompt\":\"" + prompt + "\",\"max_tokens\":5,\"stream\":" + stream + "}";
            try (Socket socket = new Socket("127.0.0.1", s.port())) {
                sendRaw(socket, messages ? "/v1/messages" : "/v1/completions", body);
                sleep(100); // two or three chunks
            }
            awaitTrue(() -> s.cancelled.get() == 1, "the server notices the disconnect (" + chunks.get() + " chunks, log " + lines + ")");
            awaitTrue(() -> lines.stream().anyMatch(l -> l.contains("client gone")), "the disconnect is logged");
            String line = lines.stream().filter(l -> l.contains("client gone")).findFirst().orElseThrow();
            assertTrue(line.contains("after 0 tokens"), line);
            assertTrue(chunks.get() < promptChunks / 2, chunks.get() + " of " + promptChunks + " prompt chunks evaluated");
            s.promptChunkHook = null;
            assertEquals(200, post(s, "/v1/completions", "{\"prompt\":\"Hi\",\"max_tokens\":2}").status());
        }
    }

    /** A non-streaming client that disconnects during a long generation is noticed by the heartbeat. */
    @Test
    void disconnectedNonStreamingClientCancelsItsGeneration() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        try (OpenAiServer s = OpenAiServer.start(model, config(1, 4), lines::add)) {
            s.heartbeatAfterNanos = 50_000_000L;
            s.heartbeatEveryNanos = 10_000_000L;
            s.tokenHook = (piece, id) -> {
                sleep(10);
                return TokenListener.Action.CONTINUE;
            };
            try (Socket socket = new Socket("127.0.0.1", s.port())) {
                sendRaw(socket, "{\"prompt\":\"Once upon a time\",\"temperature\":0,\"max_tokens\":100}");
                sleep(200);
            }
            awaitTrue(() -> s.cancelled.get() == 1, "the server notices the disconnect");
            // the request's log line is written when its handler returns, just after the count
            awaitTrue(() -> lines.stream().anyMatch(l -> l.contains("client gone")), "the disconnect is logged");
            String line = lines.stream().filter(l -> l.contains("client gone")).findFirst().orElseThrow();
            int tokens = Integer.parseInt(line.replaceAll(".*after (\\d+) tokens.*", "$1"));
            assertTrue(tokens < 60, line);

            // a client that stays gets its JSON (after the heartbeat's leading spaces)
            Reply r = post(s, "/v1/completions", "{\"prompt\":\"Once upon a time\",\"temperature\":0,\"max_tokens\":20}");
            assertEquals(200, r.status());
            assertTrue(r.raw().startsWith(" "), "heartbeat spaces precede the body");
            assertEquals(model.newSession().generate("Once upon a time", GenerationParams.greedy(20)).text(),
                    r.json().get("choices").get(0).get("text").asText());
        }
    }

    // ---- helpers ----

    interface ThrowingSupplier<T> { T get() throws Exception; }

    static <T> T call(ThrowingSupplier<T> s) {
        try {
            return s.get();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void sendRaw(Socket socket, String body) throws Exception {
        sendRaw(socket, "/v1/completions", body);
    }

    static void sendRaw(Socket socket, String path, String body) throws Exception {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
    }

    /**
     * Two conversations interleaved on two slots: each next turn goes to the slot that holds
     * its conversation (its prompt evaluated from where that left off), not to the slot used
     * last, which held the other one.
     */
    @Test
    void eachConversationReturnsToTheSlotHoldingIt() throws Exception {
        try (OpenAiServer s = OpenAiServer.start(model, config(2, 8), log::add)) {
            int[] a = model.tokenize("Once upon a time, there was a little dog named Max who liked to run.", true, false);
            int[] b = model.tokenize("The sun was shining and the birds were singing in the tall green trees.", true, false);
            int[] more = model.tokenize(" Then they went home.", false, false);
            assertEquals(0, cachedTokens(s, a), "a fresh slot holds nothing");
            assertEquals(0, cachedTokens(s, b), "b takes the empty slot, not a's (with which it shares no more than BOS)");
            assertEquals(a.length, cachedTokens(s, concat(a, more)), "a's next turn reuses a's slot");
            assertEquals(b.length, cachedTokens(s, concat(b, more)), "b's next turn reuses b's slot");
        }
    }

    static int cachedTokens(OpenAiServer s, int[] prompt) throws Exception {
        Reply r = post(s, "/v1/completions", "{\"prompt\":" + java.util.Arrays.toString(prompt) + ",\"temperature\":0,\"max_tokens\":4}");
        assertEquals(200, r.status(), r.raw());
        assertEquals(prompt.length, r.json().at("/usage/prompt_tokens").asInt());
        return r.json().at("/usage/prompt_tokens_details/cached_tokens").asInt();
    }

    static int[] concat(int[] x, int[] y) {
        int[] r = java.util.Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, r, x.length, y.length);
        return r;
    }

    static void awaitHealth(OpenAiServer s, String group, String field, int value) throws Exception {
        awaitTrue(() -> {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(s.uri("/health")).GET().build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body()).get(group).get(field).asInt() == value;
        }, "/health " + group + "." + field + " = " + value);
    }

    static void awaitTrue(ThrowingSupplier<Boolean> condition, String what) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            if (condition.get()) return;
            Thread.sleep(20);
        }
        throw new AssertionError("timed out waiting until " + what);
    }
}
