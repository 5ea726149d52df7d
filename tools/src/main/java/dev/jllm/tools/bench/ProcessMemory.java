package dev.jllm.tools.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of this process, from /proc (Linux); -1 where unavailable. */
public final class ProcessMemory {
    private ProcessMemory() {}

    /** Peak resident set size (VmHWM) in bytes. Mapped model pages that were read count too. */
    public static long peakRssBytes() {
        return statusKb("VmHWM:");
    }

    public static long rssBytes() {
        return statusKb("VmRSS:");
    }

    private static long statusKb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]) * 1024;
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return -1;
    }
}
