package dev.jllm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * The launcher survives Ctrl-C itself but must leave SIGINT to the JDK 25 child it starts, where
 * it stops a chat reply. An ignored signal would be inherited by the child (and a JVM that starts
 * with SIGINT ignored cannot handle it), so the parent must catch it, not ignore it.
 */
class LauncherSignalTest {
    private static final long SIGINT_BIT = 1L << (2 - 1);

    @Test
    void childStartsWithSigintNotIgnored() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "needs Linux /proc");
        assumeFalse((ignoredSignals("/proc/" + ProcessHandle.current().pid() + "/status") & SIGINT_BIT) != 0,
                "this test JVM was started with SIGINT ignored, so every child inherits that anyway");
        Launcher.ignoreInterrupts();
        Process p = new ProcessBuilder("cat", "/proc/self/status").redirectErrorStream(true).start();
        String status = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor());
        assertEquals(0, parseSigIgn(status) & SIGINT_BIT, "the child inherited an ignored SIGINT:\n" + status);
    }

    private static long ignoredSignals(String statusFile) throws IOException {
        return parseSigIgn(Files.readString(Path.of(statusFile)));
    }

    private static long parseSigIgn(String status) {
        return status.lines().filter(l -> l.startsWith("SigIgn:")).findFirst()
                .map(l -> Long.parseUnsignedLong(l.substring("SigIgn:".length()).strip(), 16))
                .orElseThrow(() -> new AssertionError("no SigIgn line in " + status));
    }
}
