package dev.jllm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code jllm chat} with stdin piped, through the packaged jar (as scripts use it). */
class ChatIT {
    static String stories() {
        return CliIT.stories();
    }

    @Test
    void pipedMessagesWithResetGiveTheSameGreedyReplyAndNothingElse() {
        JarRunner.Result r = JarRunner.run("Once upon a time\n/reset\nOnce upon a time\n",
                "chat", "-m", stories(), "--temperature", "0", "-n", "40", "--ctx", "256");
        assertEquals(0, r.status(), r.err());
        String out = r.out();
        // stdout is reply + "\n" + reply + "\n": no prompt, banner or acknowledgement.
        assertEquals(0, out.length() % 2, out);
        String first = out.substring(0, out.length() / 2);
        assertEquals(first, out.substring(out.length() / 2), "the reply after /reset differs from the first:\n" + out);
        assertTrue(first.endsWith("\n"), first);
        assertTrue(first.strip().length() > 20, "reply too short: " + first);
        assertFalse(out.startsWith(">") || out.contains("\n>") || out.contains("jllm") || out.contains("reset"), out);
        assertEquals("", r.err().strip(), "nothing to report: " + r.err());
    }

    @Test
    void aConversationOutgrowingTheContextGetsANoticeAndGoesOn() {
        // 48 tokens: the first reply fills the context, the next message no longer fits, /reset recovers.
        JarRunner.Result r = JarRunner.run("Once upon a time\nThe little dog\n/reset\nOnce upon a time\n",
                "chat", "-m", stories(), "--temperature", "0", "--ctx", "48");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("the context is full (48 tokens)"), r.err());
        assertTrue(r.err().contains("no longer fits"), r.err());
        assertTrue(r.err().lines().allMatch(l -> l.startsWith("jllm chat: ") && l.contains("--ctx")), "one-line notices: " + r.err());
        assertEquals(3, r.err().lines().count(), r.err());
        String out = r.out();
        assertEquals(0, out.length() % 2, out);
        assertEquals(out.substring(0, out.length() / 2), out.substring(out.length() / 2), "after /reset the conversation starts over:\n" + out);
        assertFalse(out.isBlank());
    }

    @Test
    void echoHiAnswersOnceAndExits() {
        JarRunner.Result r = JarRunner.run("hi\n", "chat", "-m", stories(), "--temperature", "0", "-n", "20");
        assertEquals(0, r.status(), r.err());
        assertFalse(r.out().isBlank(), "no reply");
        assertTrue(r.out().endsWith("\n"), r.out());
        assertEquals(r.out().strip() + "\n", r.out());

        JarRunner.Result none = JarRunner.run("", "chat", "-m", stories());
        assertEquals(0, none.status(), none.err());
        assertEquals("", none.out());
    }

    @Test
    void badOptionsAreOneLineUsageErrors() {
        JarRunner.Result zero = JarRunner.run("hi\n", "chat", "-m", stories(), "-n", "0");
        assertEquals(2, zero.status(), zero.err());
        assertEquals(1, zero.err().strip().lines().count(), zero.err());
        assertTrue(zero.err().contains("--max-tokens"), zero.err());

        JarRunner.Result missing = JarRunner.run("hi\n", "chat", "-m", "/no/such/model.gguf");
        assertEquals(2, missing.status(), missing.err());
        assertTrue(missing.err().contains("not found"), missing.err());
    }
}
