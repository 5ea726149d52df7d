package dev.jllm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** What a long prompt's progress looks like on a terminal and in a log, and that a quick one shows nothing. */
class PromptProgressTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private long now;

    private PromptProgress progress(boolean tty) {
        now = 0;
        return new PromptProgress("prompt", () -> now, tty, err);
    }

    private String shown() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aPromptDoneWithinASecondShowsNothing() {
        for (boolean tty : new boolean[]{true, false}) {
            PromptProgress p = progress(tty);
            now = 300_000_000L;
            p.update(32, 64);
            now = 600_000_000L;
            p.update(64, 64);
            assertEquals("", shown());
        }
    }

    @Test
    void onATerminalOneLineIsRedrawnThenWiped() {
        PromptProgress p = progress(true);
        now = 500_000_000L;
        p.update(100, 400); // too soon
        now = 2_000_000_000L;
        p.update(200, 400);
        now = 4_000_000_000L;
        p.update(400, 400);
        String first = "prompt: 50% (200 of 400 tokens, 2.0 s, 2 s left)";
        assertEquals("\r" + first + "\r" + " ".repeat(first.length()) + "\r", shown());
    }

    @Test
    void inALogALineAtEveryQuarterOnceASecondHasPassed() {
        PromptProgress p = progress(false);
        now = 500_000_000L;
        p.update(100, 400); // a quarter, but too soon
        now = 1_500_000_000L;
        p.update(150, 400); // still the first quarter: the first line
        now = 2_000_000_000L;
        p.update(190, 400); // no new quarter
        now = 3_000_000_000L;
        p.update(300, 400);
        now = 4_000_000_000L;
        p.update(400, 400);
        assertEquals(String.join(System.lineSeparator(),
                "prompt: 37% (150 of 400 tokens, 1.5 s, 3 s left)",
                "prompt: 75% (300 of 400 tokens, 3.0 s, 1 s left)",
                "prompt: 100% (400 of 400 tokens, 4.0 s)") + System.lineSeparator(), shown());
    }
}
