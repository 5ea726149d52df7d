package dev.jllm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.jllm.ChatMessage;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.testing.TestData;

/** The chat loop without a terminal: lines in, replies and notices out. */
class ChatReplTest {
    final StringWriter out = new StringWriter();
    final StringWriter notices = new StringWriter();

    static Model stories(int ctx) {
        return Model.load(TestData.require("models/stories260K-f32.gguf"), ModelOptions.builder().contextLength(ctx).build());
    }

    ChatRepl repl(Model model, GenerationParams params, boolean stats, boolean interactive) {
        return new ChatRepl(model, null, params, stats, interactive, new PrintWriter(out), new PrintWriter(notices));
    }

    /** What one line printed on the reply stream. */
    String say(ChatRepl repl, String line) {
        int before = out.getBuffer().length();
        assertTrue(repl.handle(line));
        return out.toString().substring(before);
    }

    @Test
    void pipedLinesGiveRepliesOnlyAndResetStartsOver() throws Exception {
        try (Model model = stories(256)) {
            ChatRepl repl = repl(model, GenerationParams.greedy(30), false, false);
            repl.runLines(new BufferedReader(new StringReader("Once upon a time\n\n/reset\nOnce upon a time\n/help\n/nope\n")));
            String all = out.toString();
            assertFalse(all.isBlank());
            // Greedy from a fresh context: the same reply twice, each ended by a newline, nothing else.
            assertEquals(0, all.length() % 2, all);
            String first = all.substring(0, all.length() / 2);
            assertEquals(first, all.substring(all.length() / 2), "the reply after /reset differs:\n" + all);
            assertTrue(first.endsWith("\n") && first.strip().length() > 10, first);
            assertEquals(first.strip() + "\n", first, "replies are printed trimmed");
            // Help and the unknown command went to the notices (stderr), acknowledgements nowhere.
            assertTrue(notices.toString().contains("/reset"), notices.toString());
            assertTrue(notices.toString().contains("unknown command /nope"), notices.toString());
            assertFalse(notices.toString().contains("conversation reset"), notices.toString());
            assertEquals(2, repl.chat().history().size(), "after /reset only the last exchange is kept");
        }
    }

    @Test
    void exitStopsReadingAndQuitToo() throws Exception {
        try (Model model = stories(128)) {
            ChatRepl repl = repl(model, GenerationParams.greedy(5), false, false);
            repl.runLines(new BufferedReader(new StringReader("/exit\nOnce upon a time\n")));
            assertEquals("", out.toString());
            assertFalse(repl.handle("/quit"));
            assertTrue(repl.chat().history().isEmpty());
        }
    }

    @Test
    void laterTurnsReuseTheCachedConversation() {
        try (Model model = stories(512)) {
            ChatRepl repl = repl(model, GenerationParams.greedy(20), true, false);
            say(repl, "Once upon a time");
            say(repl, "The little dog");
            List<String> stats = notices.toString().lines().toList();
            assertEquals(2, stats.size(), notices.toString());
            Matcher m = Pattern.compile("prompt: (\\d+) new tokens .*\\((\\d+) reused\\); context (\\d+)/512").matcher(stats.get(1));
            assertTrue(m.find(), stats.get(1));
            int fresh = Integer.parseInt(m.group(1)), reused = Integer.parseInt(m.group(2));
            assertTrue(reused > fresh, "the second turn re-evaluated the conversation: " + stats.get(1));
            assertEquals(4, repl.chat().history().size());
        }
    }

    /** --session: a conversation saved after every reply is resumed by the next run, which goes on as the first would have. */
    @Test
    void aSessionFileResumesTheConversationInTheNextRun(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve("story.chat");
        String expected;
        try (Model model = stories(512)) {
            ChatRepl first = repl(model, GenerationParams.greedy(20), true, false);
            first.persistTo(file);
            say(first, "Once upon a time");
            assertTrue(java.nio.file.Files.exists(file), "saved after the reply");
            ChatRepl unbroken = repl(model, GenerationParams.greedy(20), false, false);
            say(unbroken, "Once upon a time");
            expected = say(unbroken, "The little dog");
        }
        notices.getBuffer().setLength(0);
        try (Model model = stories(512)) {
            ChatRepl second = repl(model, GenerationParams.greedy(20), true, false);
            second.persistTo(file);
            assertTrue(notices.toString().contains("resumed the conversation in story.chat (2 messages)"), notices.toString());
            assertEquals(expected, say(second, "The little dog"), "goes on as the unbroken conversation");
            Matcher m = Pattern.compile("prompt: (\\d+) new tokens .*\\((\\d+) reused\\)").matcher(notices.toString());
            assertTrue(m.find(), notices.toString());
            assertTrue(Integer.parseInt(m.group(2)) > Integer.parseInt(m.group(1)), "the resumed turn re-evaluated the conversation: " + notices);
            assertEquals(4, second.chat().history().size());
        }
        java.nio.file.Files.writeString(file, "not a conversation");
        try (Model model = stories(512)) {
            ChatRepl third = repl(model, GenerationParams.greedy(5), false, false);
            third.persistTo(file);
            assertTrue(notices.toString().contains("not resuming story.chat: story.chat is not a jllm session state (it will be overwritten)"), notices.toString());
            say(third, "Hi");
            assertTrue(java.nio.file.Files.size(file) > 100, "overwritten with the new conversation");
        }
    }

    @Test
    void contextOverflowIsANoticeAndTheConversationGoesOn() {
        try (Model model = stories(48)) {
            ChatRepl repl = repl(model, GenerationParams.builder().temperature(0).maxTokens(-1).build(), false, false);
            String first = say(repl, "Once upon a time");
            assertTrue(notices.toString().contains("the context is full (48 tokens)"), notices.toString());
            assertTrue(notices.toString().contains("/reset"), notices.toString());
            assertFalse(first.isBlank());

            notices.getBuffer().setLength(0);
            assertEquals("", say(repl, "The little dog"), "no reply when the message does not fit");
            assertTrue(notices.toString().contains("no longer fits"), notices.toString());
            assertTrue(notices.toString().contains("--ctx"), notices.toString());

            say(repl, "/reset");
            assertEquals(first, say(repl, "Once upon a time"), "after /reset the conversation starts over");

            notices.getBuffer().setLength(0);
            repl.handle("/reset");
            say(repl, "Once upon a time there was a little girl who loved to play in the park with her dog. ".repeat(3));
            assertTrue(notices.toString().contains("restart with a larger --ctx"), notices.toString());
            assertFalse(notices.toString().contains("/reset"), "a reset cannot help a message longer than the context: " + notices);
        }
    }

    @Test
    void withDropOldTurnsAFullConversationGoesOnWithANotice() {
        try (Model model = stories(96)) {
            ChatRepl repl = repl(model, GenerationParams.builder().temperature(0).maxTokens(16).build(), false, false);
            repl.dropOldestWhenFull(true);
            for (String m : new String[]{"Once upon a time", "The little dog", "Lily and Tom went to the park", "One day, a big bird", "Sam was sad"}) {
                assertFalse(say(repl, m).isBlank(), "a reply to " + m);
            }
            assertTrue(notices.toString().contains("oldest messages to make room in the context (96 tokens)"), notices.toString());
            assertFalse(notices.toString().contains("no longer fits"), notices.toString());
            assertTrue(repl.chat().droppedMessages() >= 2);
            repl.handle("/system You are kind.");
            assertEquals(0, repl.chat().droppedMessages(), "a new conversation");
        }
    }

    @Test
    void systemCommandSetsThePromptAndResets() {
        try (Model model = stories(256)) {
            ChatRepl repl = repl(model, GenerationParams.greedy(5), false, true);
            say(repl, "Once upon a time");
            say(repl, "/system You tell stories.");
            assertEquals(List.of(ChatMessage.system("You tell stories.")), repl.chat().history());
            say(repl, "//slash");
            assertEquals(ChatMessage.user("/slash"), repl.chat().history().get(1));
            assertTrue(repl.chat().renderPrompt().contains("You tell stories."), repl.chat().renderPrompt());
            say(repl, "/system");
            assertTrue(repl.chat().history().isEmpty());
            // Interactive: acknowledgements are shown with the conversation.
            assertTrue(notices.toString().contains("[system prompt set, conversation reset]"), notices.toString());
        }
    }

    @Test
    void cancelStopsTheReplyWithinAToken() {
        try (Model model = stories(512)) {
            ChatRepl repl = repl(model, GenerationParams.greedy(400), false, true);
            ChatRepl[] self = {repl};
            // Cancel from the listener's side as a signal handler would: after some text was printed.
            Thread canceller = new Thread(() -> {
                while (out.getBuffer().length() < 20) Thread.onSpinWait();
                self[0].cancel();
            });
            canceller.start();
            String text = say(repl, "Once upon a time").strip();
            assertEquals("[stopped]", notices.toString().strip());
            assertTrue(text.length() >= 20 && text.length() < 200, "reply length " + text.length() + ": " + text);
            // The conversation goes on after an interrupted reply.
            assertFalse(say(repl, "The little dog").isBlank());
        }
    }

    @Test
    void replyPrinterTrimsWhileStreaming() {
        StringWriter w = new StringWriter();
        ChatRepl.ReplyPrinter p = new ChatRepl.ReplyPrinter(new PrintWriter(w));
        for (String piece : new String[]{" ", "\n", "", " Hel", "lo", " ", "wor", "ld!\n", "\n"}) {
            p.print(piece);
            assertFalse(w.toString().endsWith(" ") || w.toString().endsWith("\n"), "whitespace is held back: [" + w + "]");
        }
        assertEquals("Hello world!", w.toString());
        p.end();
        assertEquals("Hello world!" + System.lineSeparator(), w.toString());
    }

    /**
     * A reasoning model's thinking (stories260K in QwQ's template, whose prompt opens a thinking
     * block the little model never closes): dimmed on a terminal, left out of piped output.
     */
    @Test
    void thinkingIsDimmedOnATerminalAndLeftOutOfPipedOutput() throws Exception {
        String template = java.nio.file.Files.readString(TestData.require("templates/Qwen-QwQ-32B.jinja"));
        try (Model model = Model.load(TestData.require("models/stories260K-f32.gguf"),
                ModelOptions.builder().contextLength(512).chatTemplate(template).build())) {
            String thought = say(repl(model, GenerationParams.greedy(20), false, true), "Once upon a time");
            assertTrue(thought.startsWith("\u001b[2m") && thought.contains("\u001b[0m"), thought);
            String text = thought.replace("\u001b[2m", "").replace("\u001b[0m", "").strip();
            assertTrue(text.length() > 10, thought);
            ChatRepl piped = repl(model, GenerationParams.greedy(20), false, false);
            assertEquals("\n", say(piped, "Once upon a time"), "piped output holds the answer only, and there is none");
            assertEquals(text, piped.chat().lastReply().reasoning());
        }
    }

    /** /think off and on switch a reasoning model's thinking through the template (Qwen 3's enable_thinking), and /system keeps the switch. */
    @Test
    void thinkSwitchesTheTemplatesThinking() throws Exception {
        String template = java.nio.file.Files.readString(TestData.require("templates/Qwen-Qwen3-0.6B.jinja"));
        try (Model model = Model.load(TestData.require("models/stories260K-f32.gguf"),
                ModelOptions.builder().contextLength(1024).chatTemplate(template).build())) {
            ChatRepl repl = repl(model, GenerationParams.greedy(5), false, true);
            String noThinking = "<|im_start|>assistant\n<think>\n\n</think>\n\n";
            assertTrue(repl.handle("/think off"));
            say(repl, "Once upon a time");
            assertTrue(repl.chat().renderPrompt().endsWith(noThinking), repl.chat().renderPrompt());
            assertTrue(repl.handle("/system Be brief."));
            say(repl, "Once upon a time");
            assertTrue(repl.chat().renderPrompt().endsWith(noThinking), "the switch outlives /system: " + repl.chat().renderPrompt());
            assertTrue(repl.handle("/think on"));
            say(repl, "Tell me more");
            assertFalse(repl.chat().renderPrompt().endsWith(noThinking), repl.chat().renderPrompt());
            assertTrue(repl.handle("/think maybe"));
            assertTrue(notices.toString().contains("use /think on or /think off"), notices.toString());
        }
        try (Model plain = stories(256)) {
            ChatRepl repl = repl(plain, GenerationParams.greedy(5), false, true);
            assertTrue(repl.handle("/think off"));
            assertTrue(notices.toString().contains("no thinking switch"), notices.toString());
        }
    }
}
