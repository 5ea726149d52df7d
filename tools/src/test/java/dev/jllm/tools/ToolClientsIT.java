package dev.jllm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.testing.TestData;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;

/**
 * Tool calling through LangChain4j's OpenAI client against {@code jllm serve} (stories260K with
 * Qwen 2.5's chat template, {@code --chat-template}): a required call arrives as a tool execution
 * request with arguments valid for the tool, streamed or not, and the tool's result continues the
 * conversation, as an agent loop does it.
 */
class ToolClientsIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ToolSpecification WEATHER = ToolSpecification.builder()
            .name("get_weather").description("Get the current weather for a location.")
            .parameters(JsonObjectSchema.builder().addStringProperty("location")
                    .addEnumProperty("unit", List.of("celsius", "fahrenheit")).required("location", "unit").build())
            .build();
    static ServerProcess server;

    @BeforeAll
    static void start() throws Exception {
        server = ServerProcess.start("-m", TestData.require("models/stories260K-f32.gguf").toString(),
                "--chat-template", TestData.require("templates/Qwen-Qwen2.5-7B-Instruct.jinja").toString(), "--ctx", "2048");
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static void assertWeatherCall(ToolExecutionRequest call) throws Exception {
        assertEquals("get_weather", call.name());
        assertTrue(call.id().matches("[A-Za-z0-9]{9}"), call.id());
        JsonNode args = JSON.readTree(call.arguments());
        assertTrue(args.get("location").isTextual(), call.arguments());
        assertTrue(List.of("celsius", "fahrenheit").contains(args.get("unit").asText()), call.arguments());
        assertEquals(2, args.size(), call.arguments());
    }

    @Test
    void langchain4jRequiredToolCallAndResult() throws Exception {
        OpenAiChatModel chat = OpenAiChatModel.builder()
                .baseUrl(server.baseUrl() + "/v1").apiKey("not-needed").modelName("stories260K-f32")
                .temperature(0.0).maxTokens(400).maxRetries(0).timeout(Duration.ofSeconds(60)).build();
        UserMessage question = UserMessage.from("Is it raining in Oslo?");
        ChatResponse first = chat.chat(ChatRequest.builder().messages(question)
                .toolSpecifications(WEATHER).toolChoice(ToolChoice.REQUIRED).build());
        assertEquals("TOOL_EXECUTION", first.finishReason().name(), server.stderr() + first);
        assertEquals(1, first.aiMessage().toolExecutionRequests().size());
        ToolExecutionRequest call = first.aiMessage().toolExecutionRequests().get(0);
        assertWeatherCall(call);

        ChatResponse second = chat.chat(ChatRequest.builder()
                .messages(question, first.aiMessage(), ToolExecutionResultMessage.from(call, "{\"rain\": true}"))
                .toolSpecifications(WEATHER).maxOutputTokens(20).build());
        assertFalse(second.aiMessage().hasToolExecutionRequests(), "a story model answers in words");
        assertNotNull(second.aiMessage().text());
    }

    @Test
    void langchain4jStreamedToolCall() throws Exception {
        OpenAiStreamingChatModel chat = OpenAiStreamingChatModel.builder()
                .baseUrl(server.baseUrl() + "/v1").apiKey("not-needed").modelName("stories260K-f32")
                .temperature(0.0).maxTokens(400).timeout(Duration.ofSeconds(60)).build();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        chat.chat(ChatRequest.builder().messages(UserMessage.from("Is it raining in Oslo?"))
                .toolSpecifications(WEATHER).toolChoice(ToolChoice.REQUIRED).build(), new StreamingChatResponseHandler() {
                    @Override public void onPartialResponse(String piece) { }
                    @Override public void onCompleteResponse(ChatResponse response) { done.complete(response); }
                    @Override public void onError(Throwable error) { done.completeExceptionally(error); }
                });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        assertEquals(1, r.aiMessage().toolExecutionRequests().size());
        assertWeatherCall(r.aiMessage().toolExecutionRequests().get(0));
    }
}
