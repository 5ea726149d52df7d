package dev.jllm.tools.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jllm.AssistantReply;
import dev.jllm.ChatMessage;
import dev.jllm.ChatPrompt;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.TokenListener;
import dev.jllm.Tool;
import dev.jllm.ToolChoice;
import dev.jllm.testing.SchemaValidator;
import dev.jllm.testing.TestData;

/**
 * {@code tools} and {@code tool_choice} on {@code /v1/chat/completions}: stories260K wearing
 * Qwen 2.5's chat template (Hermes tool calls), in-process. Forced calls come back as
 * {@code tool_calls} equal to the library's, streamed or not, and a call with its result goes
 * back into the conversation.
 */
class ToolCallsEndpointTest {
    static final String WEATHER_SCHEMA = """
            {"type":"object","properties":{"location":{"type":"string","maxLength":20},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["location","unit"]}""";
    static final String TOOLS = """
            [{"type":"function","function":{"name":"get_weather","description":"Get the current weather for a location.","parameters":%s}},
             {"type":"function","function":{"name":"get_time","description":"The time now."}}]""".formatted(WEATHER_SCHEMA);
    static final String USER = "[{\"role\":\"user\",\"content\":\"Is it raining in Oslo?\"}]";

    static Model model;
    static OpenAiServer server;

    @BeforeAll
    static void start() throws Exception {
        String template = Files.readString(TestData.require("templates/Qwen-Qwen2.5-7B-Instruct.jinja"));
        model = Model.load(TestData.require("models/stories260K-f32.gguf"),
                ModelOptions.builder().threads(2).contextLength(2048).chatTemplate(template).build());
        server = OpenAiServer.start(model, OpenAiServerTest.config(1, 4), s -> { });
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (model != null) model.close();
    }

    static OpenAiServerTest.Reply post(String body) throws Exception {
        return OpenAiServerTest.post(server, "/v1/chat/completions", body);
    }

    static AssistantReply expected(ToolChoice choice, int maxTokens) {
        ChatPrompt p = model.chatPrompt(List.of(ChatMessage.user("Is it raining in Oslo?")),
                List.of(new Tool("get_weather", "Get the current weather for a location.", WEATHER_SCHEMA), new Tool("get_time", "The time now.", null)), choice);
        return p.parseReply(model.newSession().generate(p, GenerationParams.greedy(maxTokens), TokenListener.NONE).text());
    }

    @Test
    void aRequiredCallComesBackAsToolCalls() throws Exception {
        for (String choice : new String[]{"\"required\"", "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}"}) {
            var r = post("""
                    {"messages":%s,"tools":%s,"tool_choice":%s,"temperature":0,"max_tokens":120}""".formatted(USER, TOOLS, choice));
            assertEquals(200, r.status(), r.raw());
            JsonNode c = r.json().get("choices").get(0);
            assertEquals("tool_calls", c.get("finish_reason").asText(), r.raw());
            assertTrue(c.get("message").get("content").isNull(), r.raw());
            JsonNode call = c.get("message").get("tool_calls").get(0);
            assertEquals("function", call.get("type").asText());
            assertTrue(call.get("id").asText().matches("[A-Za-z0-9]{9}"), r.raw());
            AssistantReply lib = expected(choice.startsWith("{") ? ToolChoice.function("get_weather") : ToolChoice.required(), 120);
            assertEquals(lib.toolCalls().get(0).name(), call.get("function").get("name").asText());
            assertEquals(lib.toolCalls().get(0).arguments(), call.get("function").get("arguments").asText(), "arguments are a string of JSON");
            if (call.get("function").get("name").asText().equals("get_weather")) {
                JsonNode args = OpenAiServerTest.JSON.readTree(call.get("function").get("arguments").asText());
                assertTrue(SchemaValidator.valid(args, OpenAiServerTest.JSON.readTree(WEATHER_SCHEMA)), args.toString());
            }
        }
    }

    @Test
    void aStreamedCallArrivesAsOneToolCallsDelta() throws Exception {
        var r = post("""
                {"messages":%s,"tools":%s,"tool_choice":"required","temperature":0,"max_tokens":120,"stream":true}""".formatted(USER, TOOLS));
        assertEquals(200, r.status(), r.raw());
        List<JsonNode> events = new ArrayList<>();
        assertTrue(r.raw().endsWith("data: [DONE]\n\n"), r.raw());
        for (String block : r.raw().split("\n\n")) {
            if (block.startsWith(":")) continue; // keep-alive comments while the reply is held back
            assertTrue(block.startsWith("data: "), block);
            if (!block.equals("data: [DONE]")) events.add(OpenAiServerTest.JSON.readTree(block.substring(6)));
        }
        AssistantReply lib = expected(ToolChoice.required(), 120);
        JsonNode calls = null;
        String finish = null;
        for (JsonNode e : events) {
            JsonNode delta = e.get("choices").get(0).get("delta");
            assertFalse(delta.has("content") && !delta.get("content").asText().isEmpty(), "no text: the reply is a call: " + e);
            if (delta.has("tool_calls")) calls = delta.get("tool_calls");
            if (!e.get("choices").get(0).get("finish_reason").isNull()) finish = e.get("choices").get(0).get("finish_reason").asText();
        }
        assertEquals("tool_calls", finish);
        assertEquals(0, calls.get(0).get("index").asInt());
        assertEquals(lib.toolCalls().get(0).name(), calls.get(0).get("function").get("name").asText());
        assertEquals(lib.toolCalls().get(0).arguments(), calls.get(0).get("function").get("arguments").asText());
    }

    /** With tools offered but answered in words, the reply streams piece by piece (only text that may begin a call waits). */
    @Test
    void aReplyInWordsStreamsEvenWithTools() throws Exception {
        var r = post("""
                {"messages":%s,"tools":%s,"temperature":0,"max_tokens":40,"stream":true}""".formatted(USER, TOOLS));
        assertEquals(200, r.status(), r.raw());
        StringBuilder text = new StringBuilder();
        int chunks = 0;
        for (String block : r.raw().split("\n\n")) {
            if (!block.startsWith("data: {")) continue;
            JsonNode delta = OpenAiServerTest.JSON.readTree(block.substring(6)).get("choices").get(0).get("delta");
            if (delta.has("content") && !delta.get("content").asText().isEmpty()) {
                text.append(delta.get("content").asText());
                chunks++;
            }
            assertFalse(delta.has("tool_calls"), "a story model calls nothing");
        }
        AssistantReply lib = expected(ToolChoice.auto(), 40);
        assertEquals(lib.content().strip(), text.toString().strip());
        assertTrue(chunks > 5, "streamed in pieces, not held back: " + chunks);
    }

    @Test
    void aCallAndItsResultContinueTheConversation() throws Exception {
        var r = post("""
                {"messages":[{"role":"user","content":"Is it raining in Oslo?"},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"abc123XYZ","type":"function","function":{"name":"get_weather","arguments":"{\\"location\\":\\"Oslo\\",\\"unit\\":\\"celsius\\"}"}}]},
                  {"role":"tool","tool_call_id":"abc123XYZ","content":"{\\"rain\\": true}"}],
                 "tools":%s,"temperature":0,"max_tokens":20}""".formatted(TOOLS));
        assertEquals(200, r.status(), r.raw());
        JsonNode c = r.json().get("choices").get(0);
        List<ChatMessage> history = List.of(ChatMessage.user("Is it raining in Oslo?"),
                ChatMessage.assistant("", List.of(new dev.jllm.ToolCall("abc123XYZ", "get_weather", "{\"location\":\"Oslo\",\"unit\":\"celsius\"}"))),
                ChatMessage.tool("abc123XYZ", "{\"rain\": true}"));
        ChatPrompt p = model.chatPrompt(history, List.of(new Tool("get_weather", "Get the current weather for a location.", WEATHER_SCHEMA),
                new Tool("get_time", "The time now.", null)), ToolChoice.auto());
        assertTrue(p.text().contains("<tool_response>\n{\"rain\": true}\n</tool_response>"), p.text());
        String text = p.parseReply(model.newSession().generate(p, GenerationParams.greedy(20), TokenListener.NONE).text()).content();
        assertEquals(text, c.get("message").get("content").asText());
        assertFalse(c.get("message").has("tool_calls"), r.raw());
    }

    /** Ollama's /api/chat: tools shown, an assistant call (arguments as an object) and its result (no call id) go through the template. */
    @Test
    void ollamaChatWithToolsAndResults() throws Exception {
        var r = OpenAiServerTest.post(server, "/api/chat", """
                {"model":"stories","stream":false,"tools":%s,"options":{"temperature":0,"num_predict":20},
                 "messages":[{"role":"user","content":"Is it raining in Oslo?"},
                  {"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"location":"Oslo","unit":"celsius"}}}]},
                  {"role":"tool","content":"{\\"rain\\": true}"}]}""".formatted(TOOLS));
        assertEquals(200, r.status(), r.raw());
        List<ChatMessage> history = List.of(ChatMessage.user("Is it raining in Oslo?"),
                ChatMessage.assistant("", List.of(new dev.jllm.ToolCall("call00001", "get_weather", "{\"location\":\"Oslo\",\"unit\":\"celsius\"}"))),
                ChatMessage.tool("call00001", "{\"rain\": true}"));
        ChatPrompt p = model.chatPrompt(history, List.of(new Tool("get_weather", "Get the current weather for a location.", WEATHER_SCHEMA),
                new Tool("get_time", "The time now.", null)), ToolChoice.auto());
        assertEquals(p.tokenCount(), r.json().get("prompt_eval_count").asInt(), "the same prompt as the library renders");
        String text = p.parseReply(model.newSession().generate(p, GenerationParams.greedy(20), TokenListener.NONE).text()).content();
        assertEquals(text, r.json().get("message").get("content").asText());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown function       | {\"messages\":" + "[{\"role\":\"user\",\"content\":\"hi\"}]" + ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"g\"}}} | tool_choice",
            "required without tools | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tool_choice\":\"required\"} | tool_choice",
            "bad choice             | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":\"always\"} | tool_choice",
            "tool of another type   | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"retrieval\"}]} | tools[0].type",
            "bad tool name          | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a b\"}}]} | tools[0].function",
            "two tools, one name    | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}},{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]} | tools[1].function.name",
            "unenforceable schema   | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\",\"properties\":{\"d\":{\"type\":\"string\",\"format\":\"email\"}}}}}],\"tool_choice\":\"required\"} | tools",
            "arguments not JSON     | {\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"x\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{oops\"}}]}]} | messages[0].tool_calls[0].function.arguments",
            "tool without call id   | {\"messages\":[{\"role\":\"tool\",\"content\":\"42\"}]} | messages[0].tool_call_id",
            "required and JSON mode | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":\"required\",\"response_format\":{\"type\":\"json_object\"}} | tool_choice",
    })
    void badToolRequestsAre400(String what, String body, String param) throws Exception {
        var r = post(body);
        assertEquals(400, r.status(), what + ": " + r.raw());
        assertEquals(param, r.json().get("error").get("param").asText(), r.raw());
    }
}
