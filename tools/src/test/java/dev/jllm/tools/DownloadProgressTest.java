package dev.jllm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** Progress output never floods a log, and redraws one line on a terminal. */
class DownloadProgressTest {
    static String run(boolean interactive) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DownloadProgress p = new DownloadProgress(new PrintStream(b, true, StandardCharsets.UTF_8), "m.gguf", interactive, 10);
        long total = 100_000_000;
        p.started(0, total);
        for (long done = 0; done <= total; done += 10_000) p.progress(done, total);
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void plainOutputIsAStartAndAnEndLine() {
        String out = run(false);
        var lines = out.lines().toList();
        assertEquals(2, lines.size(), out);
        assertEquals("downloading m.gguf (100.0 MB)", lines.get(0));
        assertTrue(lines.get(1).startsWith("downloaded m.gguf: 100.0 MB in "), lines.get(1));
        assertTrue(!out.contains("\r"));
    }

    @Test
    void terminalOutputRedrawsOneLine() {
        String out = run(true);
        assertTrue(out.startsWith("\rm.gguf [------------------------]   0% 0 B of 100.0 MB"), out);
        assertTrue(out.contains("\rm.gguf [########################] 100% 100.0 MB of 100.0 MB"), out);
        assertEquals(2, out.chars().filter(c -> c == '\n').count(), "the bar line, then the summary");
        assertTrue(out.chars().filter(c -> c == '\r').count() < 200, "redrawn at most 10 times a second");
    }

    @Test
    void durationsAndSizes() {
        assertEquals("59s", DownloadProgress.duration(59));
        assertEquals("2m05s", DownloadProgress.duration(125));
        assertEquals("1h01m", DownloadProgress.duration(3660));
        assertEquals(500L << 20, ImportCommand.parseSize("500M"));
        assertEquals(20L << 30, ImportCommand.parseSize("20GiB"));
        assertEquals(123, ImportCommand.parseSize("123"));
        assertThrows(CliException.class, () -> ImportCommand.parseSize("lots"));
    }
}
