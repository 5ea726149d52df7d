package dev.jllm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jllm.ChatSession;
import dev.jllm.Completion;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.SessionStateException;
import dev.jllm.TokenListener;
import dev.jllm.testing.TestData;

/** {@link ChatSession#saveState} and {@link ChatSession#restoreState}: a conversation resumed in a fresh model goes on as it would have. */
class ChatSessionStateTest {
    @TempDir Path dir;

    @Test
    void aResumedConversationRepliesAsTheSavedOneWouldHaveWithoutEvaluatingItAgain() throws Exception {
        Path file = TestData.require("models/llama3-vocab-tiny.gguf");
        ModelOptions options = ModelOptions.builder().contextLength(512).threads(2).build();
        GenerationParams params = GenerationParams.greedy(6);
        Path state = dir.resolve("chat.bin");
        Completion expected;
        int historySize;
        try (Model model = Model.load(file, options)) {
            ChatSession chat = model.newChatSession("You are terse.");
            chat.send("Hello!", params, TokenListener.NONE);
            chat.send("Tell me more.", params, TokenListener.NONE);
            chat.saveState(state);
            historySize = chat.history().size();
            expected = chat.send("And then?", params, TokenListener.NONE);
        }
        try (Model model = Model.load(file, options)) {
            ChatSession chat = model.newChatSession("another system prompt, replaced by the saved one");
            chat.restoreState(state);
            assertEquals(historySize, chat.history().size());
            assertEquals("You are terse.", chat.history().get(0).content());
            Completion resumed = chat.send("And then?", params, TokenListener.NONE);
            assertEquals(expected.text(), resumed.text());
            assertEquals(expected.promptTokens(), resumed.promptTokens());
            assertEquals(expected.timings().promptTokens(), resumed.timings().promptTokens(), "the same new tokens evaluated as in the unbroken conversation");
            assertTrue(resumed.timings().promptTokens() < resumed.promptTokens() / 2,
                    resumed.timings().promptTokens() + " of " + resumed.promptTokens() + " prompt tokens evaluated");
        }
    }

    @Test
    void aPlainSessionsStateIsNotAConversation() throws Exception {
        Path file = TestData.require("models/stories260K-f32.gguf");
        Path state = dir.resolve("plain.bin");
        try (Model model = Model.load(file)) {
            var s = model.newSession();
            s.generate("Once upon a time", GenerationParams.greedy(3));
            s.saveState(state);
            ChatSession chat = model.newChatSession();
            var e = assertThrows(SessionStateException.class, () -> chat.restoreState(state));
            assertTrue(e.getMessage().contains("holds a session's context but no chat history"), e.getMessage());
        }
    }
}
