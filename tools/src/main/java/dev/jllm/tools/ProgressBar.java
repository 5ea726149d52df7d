package dev.jllm.tools;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress of long work on stderr: a line redrawn in place on a terminal (at most ten times a
 * second), or a plain line every 10% when stderr is not a terminal. Thread-safe.
 */
final class ProgressBar {
    private final String label;
    private final long total;
    private final AtomicLong done = new AtomicLong();
    private final long start = System.nanoTime();
    private final boolean tty = Console.interactive();
    private long lastDraw;
    private int lastTenth = -1;

    ProgressBar(String label, long total) {
        this.label = label;
        this.total = Math.max(1, total);
    }

    void advance(long amount) {
        long d = done.addAndGet(amount);
        synchronized (this) {
            long now = System.nanoTime();
            int tenth = (int) (10 * Math.min(d, total) / total);
            if (tty) {
                if (now - lastDraw > 100_000_000L || d >= total) {
                    lastDraw = now;
                    Console.ERR.print("\r" + line(d, now) + "   ");
                }
            } else if (tenth != lastTenth) {
                lastTenth = tenth;
                Console.ERR.println(line(d, now));
            }
        }
    }

    void finish() {
        if (tty) Console.ERR.println();
    }

    private String line(long d, long now) {
        double secs = (now - start) / 1e9;
        double pct = 100.0 * Math.min(d, total) / total;
        double rate = secs > 0 ? d / secs : 0;
        String eta = rate > 0 && d < total ? String.format(", %.0f s left", (total - d) / rate) : "";
        return String.format("%s: %3.0f%% (%s of %s, %.1f s%s)", label, pct, mib(d), mib(total), secs, eta);
    }

    static String mib(long bytes) {
        return String.format("%.0f MiB", bytes / (double) (1 << 20));
    }
}
