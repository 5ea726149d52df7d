package dev.jllm.tools.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.BadRequestException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolChoiceAny;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;

import dev.jllm.ChatMessage;
import dev.jllm.ChatPrompt;
import dev.jllm.Completion;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.TokenListener;
import dev.jllm.ToolChoice;
import dev.jllm.testing.SchemaValidator;
import dev.jllm.testing.TestData;

/**
 * Anthropic's Messages API, checked with Anthropic's official Java SDK against the server
 * in-process: stories260K in Qwen 2.5's template (so that tools work), replies equal the library's,
 * plain and streamed, and a required tool call comes back as a tool_use block whose result goes back.
 */
class AnthropicApiTest {
    static final String WEATHER_SCHEMA = """
            {"type":"object","properties":{"location":{"type":"string","maxLength":20},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["location","unit"]}""";
    static Model model;
    static OpenAiServer server;
    static AnthropicClient client;

    @BeforeAll
    static void start() throws Exception {
        String template = Files.readString(TestData.require("templates/Qwen-Qwen2.5-7B-Instruct.jinja"));
        model = Model.load(TestData.require("models/stories260K-f32.gguf"),
                ModelOptions.builder().threads(2).contextLength(2048).chatTemplate(template).build());
        server = OpenAiServer.start(model, OpenAiServerTest.config(1, 4), line -> { });
        client = AnthropicOkHttpClient.builder().baseUrl(server.baseUrl()).apiKey("not-needed").maxRetries(0)
                .timeout(Duration.ofSeconds(60)).build();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (model != null) model.close();
    }

    static Completion expected(List<ChatMessage> messages, int maxTokens) {
        return model.newSession().generate(model.chatPrompt(messages), GenerationParams.greedy(maxTokens), TokenListener.NONE);
    }

    @Test
    void messagesPlainAndStreamed() {
        Completion lib = expected(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Tell me a story")), 30);
        MessageCreateParams params = MessageCreateParams.builder().model("stories").maxTokens(30).putAdditionalBodyProperty("temperature", JsonValue.from(0))
                .system("Be brief.").addUserMessage("Tell me a story").build();
        Message m = client.messages().create(params);
        assertEquals(lib.text(), m.content().get(0).text().orElseThrow().text());
        assertEquals(lib.finishReason() == dev.jllm.FinishReason.LENGTH ? "max_tokens" : "end_turn", m.stopReason().orElseThrow().asString());
        assertEquals(lib.promptTokens(), m.usage().inputTokens());
        assertEquals(lib.generatedTokens(), m.usage().outputTokens());

        MessageAccumulator acc = MessageAccumulator.create();
        int events = 0;
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
            for (RawMessageStreamEvent e : (Iterable<RawMessageStreamEvent>) stream.stream()::iterator) {
                acc.accumulate(e);
                events++;
            }
        }
        Message streamed = acc.message();
        assertTrue(events > 8, "streamed in deltas: " + events + " events");
        assertEquals(lib.text(), streamed.content().get(0).text().orElseThrow().text());
        assertEquals(lib.generatedTokens(), streamed.usage().outputTokens());
    }

    @Test
    void aRequiredToolUseAndItsResult() throws Exception {
        Tool weather = Tool.builder().name("get_weather").description("Get the current weather for a location.")
                .inputSchema(Tool.InputSchema.builder()
                        .properties(JsonValue.from(Map.of(
                                "location", Map.of("type", "string", "maxLength", 20),
                                "unit", Map.of("type", "string", "enum", List.of("celsius", "fahrenheit")))))
                        .required(List.of("location", "unit")).build())
                .build();
        MessageCreateParams ask = MessageCreateParams.builder().model("stories").maxTokens(120).putAdditionalBodyProperty("temperature", JsonValue.from(0))
                .addUserMessage("Is it raining in Oslo?").addTool(weather).toolChoice(ToolChoiceAny.builder().build()).build();
        Message m = client.messages().create(ask);
        assertEquals("tool_use", m.stopReason().orElseThrow().asString());
        ToolUseBlock use = m.content().stream().filter(ContentBlock::isToolUse).findFirst().orElseThrow().toolUse().orElseThrow();
        assertEquals("get_weather", use.name());
        var input = OpenAiServerTest.JSON.readTree(OpenAiServerTest.JSON.writeValueAsString(use._input().convert(Object.class)));
        assertTrue(SchemaValidator.valid(input, OpenAiServerTest.JSON.readTree(WEATHER_SCHEMA)), input.toString());

        // The call and its result go back; the reply equals the library's for the same conversation.
        MessageCreateParams next = MessageCreateParams.builder().model("stories").maxTokens(20).putAdditionalBodyProperty("temperature", JsonValue.from(0))
                .addUserMessage("Is it raining in Oslo?").addMessage(m)
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(
                        ToolResultBlockParam.builder().toolUseId(use.id()).content("{\"rain\": true}").build())))
                .addTool(weather).build();
        Message answer = client.messages().create(next);
        List<ChatMessage> history = List.of(ChatMessage.user("Is it raining in Oslo?"),
                ChatMessage.assistant("", List.of(new dev.jllm.ToolCall(use.id(), "get_weather", input.toString()))),
                ChatMessage.tool(use.id(), "{\"rain\": true}"));
        ChatPrompt p = model.chatPrompt(history, List.of(new dev.jllm.Tool("get_weather", "Get the current weather for a location.",
                OpenAiServerTest.JSON.writeValueAsString(Map.of("type", "object",
                        "properties", OpenAiServerTest.JSON.readTree(WEATHER_SCHEMA).get("properties"), "required", List.of("location", "unit"))))),
                ToolChoice.auto());
        assertTrue(p.text().contains("<tool_response>\n{\"rain\": true}\n</tool_response>"), p.text());
        assertEquals(p.tokenCount(), answer.usage().inputTokens(), "the server rendered the same conversation");
    }

    @Test
    void mistakesAreAnthropicErrors() throws Exception {
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.messages().create(MessageCreateParams.builder()
                .model("stories").maxTokens(10).addUserMessage("hi").stopSequences(List.of("")).build()));
        assertTrue(e.getMessage().contains("Stop sequences must be non-empty"), e.getMessage());
        var r = OpenAiServerTest.post(server, "/v1/messages", "{\"model\":\"stories\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(400, r.status());
        assertEquals("error", r.json().get("type").asText());
        assertEquals("invalid_request_error", r.json().get("error").get("type").asText());
        assertTrue(r.json().get("error").get("message").asText().contains("max_tokens"), r.raw());
        var count = OpenAiServerTest.post(server, "/v1/messages/count_tokens", "{\"model\":\"stories\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}]}");
        assertEquals(model.chatPrompt(List.of(ChatMessage.user("Tell me a story"))).tokenCount(), count.json().get("input_tokens").asInt());
        var image = OpenAiServerTest.post(server, "/v1/messages", """
                {"model":"stories","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"aGk="}}]}]}""");
        assertEquals(400, image.status(), image.raw());
    }
}
