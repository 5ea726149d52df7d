package dev.jllm.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.jllm.ChatMessage;
import dev.jllm.ChatSession;
import dev.jllm.Completion;
import dev.jllm.ContextOverflowException;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.TokenListener;
import dev.jllm.gguf.GGUFFile;
import dev.jllm.testing.TestData;
import dev.jllm.tokenizer.Tokenizer;

class ChatSessionTest {

    /**
     * Issue 3: the Llama 3 prompt is rendered from the file's own template, and every special
     * token in it becomes exactly one id.
     */
    @Test
    void llama3PromptFromTheFilesTemplateWithSingleIdSpecialTokens() {
        Path file = TestData.require("models/llama3-vocab-tiny.gguf");
        try (Model model = Model.load(file, ModelOptions.builder().contextLength(512).build())) {
            ChatSession chat = model.newChatSession("You are terse.");
            String template = model.info().chatTemplate();
            assertTrue(template != null && template.contains("<|start_header_id|>"), "the file carries the Llama 3 template");
            assertEquals(template, chat.templateSource());

            chat.send("Hello!", GenerationParams.greedy(3), TokenListener.NONE);
            // the second turn's prompt contains the first exchange too
            String rendered = chat.renderPrompt();
            assertTrue(rendered.startsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"), rendered);
            assertTrue(rendered.contains("<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>"), rendered);
            assertTrue(rendered.endsWith("<|start_header_id|>assistant<|end_header_id|>\n\n"), rendered);

            Tokenizer tok;
            try (GGUFFile f = GGUFFile.open(file)) {
                tok = Tokenizer.fromMetadata(f.metadata());
            }
            int[] ids = tok.encode(rendered, false, true);
            // Expected: each special-token text → its single id; the text between them → its ordinary tokens.
            Pattern special = Pattern.compile("<\\|(begin_of_text|start_header_id|end_header_id|eot_id)\\|>");
            Matcher m = special.matcher(rendered);
            List<Integer> expected = new ArrayList<>();
            int last = 0;
            while (m.find()) {
                for (int id : tok.encode(rendered.substring(last, m.start()), false, false)) expected.add(id);
                int sid = tok.vocabulary().id(m.group());
                assertTrue(sid >= 128000, m.group() + " is a special token");
                expected.add(sid);
                last = m.end();
            }
            for (int id : tok.encode(rendered.substring(last), false, false)) expected.add(id);
            assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), ids);
            assertEquals(128000, ids[0], "one BOS, from the template (none added twice)");
            assertEquals(1, java.util.Arrays.stream(ids).filter(i -> i == 128000).count());
        }
    }

    /** Later turns reuse the cached conversation and give the same reply as a fresh evaluation. */
    @Test
    void secondTurnReusesTheCacheAndMatchesAFreshSession() {
        Path file = TestData.require("models/stories260K-f32.gguf");
        try (Model model = Model.load(file, ModelOptions.builder().contextLength(512).build())) {
            ChatSession chat = model.newChatSession();
            Completion first = chat.send("Once upon a time", GenerationParams.greedy(20), TokenListener.NONE);
            Completion second = chat.send("The little dog", GenerationParams.greedy(20), TokenListener.NONE);
            int promptTokens = second.promptTokens();
            int evaluated = second.timings().promptTokens();
            assertTrue(evaluated < promptTokens / 2, "second turn evaluated " + evaluated + " of " + promptTokens + " prompt tokens");

            // The same conversation evaluated from scratch gives the same reply.
            Completion replay = model.newSession().generate(second.promptTokenIds(), GenerationParams.greedy(20), TokenListener.NONE);
            assertEquals(promptTokens, replay.timings().promptTokens(), "a fresh session evaluates the whole prompt");
            assertArrayEquals(second.tokenIds(), replay.tokenIds());
            assertEquals(4, chat.history().size());
            assertEquals(first.text(), chat.history().get(1).content());
        }
    }

    /** With dropOldestWhenFull the conversation goes on: old exchanges leave, the system prompt stays, and the reply is a fresh session's for what is left. */
    @Test
    void fullConversationsDropTheirOldestExchanges() {
        Path file = TestData.require("models/stories260K-f32.gguf");
        try (Model model = Model.load(file, ModelOptions.builder().contextLength(128).build())) {
            ChatSession chat = model.newChatSession("You tell stories.");
            chat.dropOldestWhenFull(true);
            GenerationParams p = GenerationParams.greedy(24);
            Completion last = null;
            for (String m : new String[]{"Once upon a time", "The little dog", "Lily and Tom went to the park", "One day, a big bird",
                    "Sam was sad because", "There was a boy named Ben."}) {
                last = chat.send(m, p, TokenListener.NONE);
                assertTrue(last.promptTokens() + 24 <= 128, "room for the reply: " + last.promptTokens());
            }
            assertTrue(chat.droppedMessages() >= 2, "something was dropped: " + chat.droppedMessages());
            assertEquals(0, chat.droppedMessages() % 2, "whole exchanges");
            List<ChatMessage> h = chat.history();
            assertEquals("system", h.get(0).role());
            assertEquals("user", h.get(1).role());
            assertEquals("There was a boy named Ben.", h.get(h.size() - 2).content());
            assertEquals(1 + 2 * 6 - chat.droppedMessages(), h.size());
            // the last reply is what a fresh session gives for the conversation that was kept
            Completion fresh = model.newSession().generate(model.chatPrompt(h.subList(0, h.size() - 1)), p, TokenListener.NONE);
            assertEquals(fresh.text(), last.text());
        }
        try (Model model = Model.load(file, ModelOptions.builder().contextLength(24).build())) {
            ChatSession chat = model.newChatSession();
            chat.dropOldestWhenFull(true);
            assertThrows(ContextOverflowException.class, () -> chat.send("Once upon a time there was a little girl who loved to play in the park with her dog",
                    GenerationParams.greedy(5), TokenListener.NONE), "a message too long on its own still does not fit");
        }
    }

    @Test
    void conversationLongerThanTheContextIsAClearError() {
        Path file = TestData.require("models/stories260K-f32.gguf");
        try (Model model = Model.load(file, ModelOptions.builder().contextLength(24).build())) {
            ChatSession chat = model.newChatSession();
            ContextOverflowException e = assertThrows(ContextOverflowException.class,
                    () -> chat.send("Once upon a time there was a little girl who loved to play in the park with her dog", GenerationParams.greedy(5), TokenListener.NONE));
            assertTrue(e.getMessage().contains("context"), e.getMessage());
            assertEquals(0, chat.history().size(), "the rejected message is not kept");
        }
    }
}
