package dev.jllm.tools.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jllm.ChatMessage;
import dev.jllm.ChatPrompt;
import dev.jllm.Completion;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.TokenListener;
import dev.jllm.testing.TestData;

/**
 * {@code reasoning_content}: stories260K wearing QwQ's chat template, whose prompt ends inside an
 * open {@code <think>} block. The little model never closes it, so its whole reply is thinking:
 * it must come back as {@code reasoning_content} with empty content (streamed: as reasoning
 * deltas), and as plain content with {@code reasoning_format: none}.
 */
class ReasoningEndpointTest {
    static Model model;
    static OpenAiServer server;
    static Completion expected;

    @BeforeAll
    static void start() throws Exception {
        String template = Files.readString(TestData.require("templates/Qwen-QwQ-32B.jinja"));
        model = Model.load(TestData.require("models/stories260K-f32.gguf"),
                ModelOptions.builder().threads(2).contextLength(512).chatTemplate(template).build());
        server = OpenAiServer.start(model, OpenAiServerTest.config(1, 4), s -> { });
        ChatPrompt p = model.chatPrompt(List.of(ChatMessage.user("Once upon a time")));
        assertTrue(p.text().endsWith("<think>\n"), p.text());
        expected = model.newSession().generate(p, GenerationParams.greedy(30), TokenListener.NONE);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (model != null) model.close();
    }

    static final String REQUEST = "{\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"temperature\":0,\"max_tokens\":30%s}";

    @Test
    void thinkingComesBackAsReasoningContent() throws Exception {
        var r = OpenAiServerTest.post(server, "/v1/chat/completions", REQUEST.formatted(""));
        assertEquals(200, r.status(), r.raw());
        JsonNode msg = r.json().get("choices").get(0).get("message");
        assertEquals(expected.text().strip(), msg.get("reasoning_content").asText());
        assertEquals("", msg.get("content").asText());

        var none = OpenAiServerTest.post(server, "/v1/chat/completions", REQUEST.formatted(",\"reasoning_format\":\"none\""));
        JsonNode plain = none.json().get("choices").get(0).get("message");
        assertEquals(expected.text(), plain.get("content").asText());
        assertFalse(plain.has("reasoning_content"), none.raw());
    }

    @Test
    void streamedThinkingArrivesAsReasoningDeltas() throws Exception {
        var r = OpenAiServerTest.post(server, "/v1/chat/completions", REQUEST.formatted(",\"stream\":true"));
        StringBuilder reasoning = new StringBuilder(), content = new StringBuilder();
        int reasoningChunks = 0;
        for (JsonNode e : OpenAiServerTest.events(r.raw())) {
            JsonNode delta = e.get("choices").get(0).get("delta");
            if (delta.has("reasoning_content")) {
                reasoning.append(delta.get("reasoning_content").asText());
                reasoningChunks++;
            }
            if (delta.has("content")) content.append(delta.get("content").asText());
        }
        assertEquals(expected.text().strip(), reasoning.toString());
        assertEquals("", content.toString());
        assertTrue(reasoningChunks > 5, "thinking streams as it is generated: " + reasoningChunks + " chunks");
    }

    /** chat_template_kwargs reach the template: Qwen 3's enable_thinking false gives the library's prompt with that argument. */
    @Test
    void chatTemplateKwargsReachTheTemplate() throws Exception {
        String template = Files.readString(TestData.require("templates/Qwen-Qwen3-0.6B.jinja"));
        try (Model qwen3 = Model.load(TestData.require("models/stories260K-f32.gguf"),
                ModelOptions.builder().threads(1).contextLength(512).chatTemplate(template).build());
             OpenAiServer s = OpenAiServer.start(qwen3, OpenAiServerTest.config(1, 4), line -> { })) {
            List<ChatMessage> hi = List.of(ChatMessage.user("Once upon a time"));
            ChatPrompt off = qwen3.chatPrompt(hi, List.of(), dev.jllm.ToolChoice.auto(), java.util.Map.of("enable_thinking", false));
            ChatPrompt on = qwen3.chatPrompt(hi);
            assertTrue(off.tokenCount() > on.tokenCount(), "the template adds an empty thinking block");
            var r = OpenAiServerTest.post(s, "/v1/chat/completions", REQUEST.formatted(",\"chat_template_kwargs\":{\"enable_thinking\":false}"));
            assertEquals(200, r.status(), r.raw());
            assertEquals(off.tokenCount(), r.json().get("usage").get("prompt_tokens").asInt());
            Completion c = qwen3.newSession().generate(off, GenerationParams.greedy(30), TokenListener.NONE);
            assertEquals(c.text(), r.json().get("choices").get(0).get("message").get("content").asText());
            var plain = OpenAiServerTest.post(s, "/v1/chat/completions", REQUEST.formatted(""));
            assertEquals(on.tokenCount(), plain.json().get("usage").get("prompt_tokens").asInt());
            var reserved = OpenAiServerTest.post(s, "/v1/chat/completions", REQUEST.formatted(",\"chat_template_kwargs\":{\"messages\":[]}"));
            assertEquals(400, reserved.status(), reserved.raw());
            assertEquals("chat_template_kwargs", reserved.json().get("error").get("param").asText());
        }
    }

    @Test
    void anUnknownReasoningFormatIs400() throws Exception {
        var r = OpenAiServerTest.post(server, "/v1/chat/completions", REQUEST.formatted(",\"reasoning_format\":\"verbose\""));
        assertEquals(400, r.status(), r.raw());
        assertEquals("reasoning_format", r.json().get("error").get("param").asText());
    }
}
