package dev.jllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.jllm.testing.TestData;

/** Extra chat-template variables (Hugging Face's keyword arguments): Qwen 3's enable_thinking, per prompt, per model and per chat. */
class ChatTemplateArgumentsTest {
    static final String NO_THINKING = "<|im_start|>assistant\n<think>\n\n</think>\n\n";

    static ModelOptions.Builder qwen3() throws Exception {
        return ModelOptions.builder().threads(1).contextLength(512)
                .chatTemplate(Files.readString(TestData.require("templates/Qwen-Qwen3-0.6B.jinja")));
    }

    @Test
    void enableThinkingFalseReachesTheTemplate() throws Exception {
        List<ChatMessage> hi = List.of(ChatMessage.user("hi"));
        try (Model model = Model.load(TestData.require("models/stories260K-f32.gguf"), qwen3().build())) {
            assertFalse(model.chatPrompt(hi).text().endsWith(NO_THINKING));
            ChatPrompt off = model.chatPrompt(hi, List.of(), ToolChoice.auto(), Map.of("enable_thinking", false));
            assertTrue(off.text().endsWith(NO_THINKING), off.text());
            var reserved = assertThrows(IllegalArgumentException.class,
                    () -> model.chatPrompt(hi, List.of(), ToolChoice.auto(), Map.of("messages", List.of())));
            assertTrue(reserved.getMessage().contains("'messages'"), reserved.getMessage());

            ChatSession chat = model.newChatSession();
            chat.templateArguments(Map.of("enable_thinking", false));
            chat.send("hi", GenerationParams.greedy(5), TokenListener.NONE);
            assertTrue(chat.history().size() == 2 && model.chatPrompt(chat.history(), List.of(), ToolChoice.auto(),
                    Map.of("enable_thinking", false)).text().equals(chat.renderPrompt()));
            assertTrue(chat.renderPrompt().endsWith(NO_THINKING), chat.renderPrompt());
        }
        try (Model model = Model.load(TestData.require("models/stories260K-f32.gguf"), qwen3().chatTemplateArguments(Map.of("enable_thinking", false)).build())) {
            assertTrue(model.chatPrompt(hi).text().endsWith(NO_THINKING), "the model's default");
            assertFalse(model.chatPrompt(hi, List.of(), ToolChoice.auto(), Map.of("enable_thinking", true)).text().endsWith(NO_THINKING),
                    "a prompt's own argument wins");
        }
        var bad = assertThrows(IllegalArgumentException.class, () -> ModelOptions.builder().chatTemplateArguments(Map.of("bos_token", "x")).build());
        assertTrue(bad.getMessage().contains("'bos_token'"), bad.getMessage());
    }
}
