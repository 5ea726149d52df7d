package dev.jllm.tools;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Locale;

import dev.jllm.tools.models.Downloader;
import dev.jllm.tools.models.ModelStore;

/**
 * Download progress on stderr: on a terminal one line redrawn in place (bar, bytes, %, speed,
 * ETA, at most 10 times a second); otherwise a plain line every {@code interval} seconds, so that
 * logs stay short.
 */
final class DownloadProgress implements Downloader.Listener {
    private final PrintStream out;
    private final String label;
    private final boolean interactive;
    private final long intervalNanos;
    private final ArrayDeque<long[]> samples = new ArrayDeque<>(); // {nanos, bytes} over the last few seconds
    private long lastPrint;
    private boolean lineOpen;
    private long startBytes;
    private long start;

    DownloadProgress(String label) {
        this(Console.ERR, label, Console.interactive(), 10);
    }

    DownloadProgress(PrintStream out, String label, boolean interactive, int intervalSeconds) {
        this.out = out;
        this.label = label;
        this.interactive = interactive;
        this.intervalNanos = intervalSeconds * 1_000_000_000L;
    }

    @Override
    public void started(long offset, long total) {
        start = System.nanoTime();
        startBytes = offset;
        samples.clear();
        samples.add(new long[]{start, offset});
        lastPrint = start;
        if (!interactive) {
            out.println("downloading " + label + (total >= 0 ? " (" + ModelStore.humanSize(total) + ")" : "")
                    + (offset > 0 ? ", from " + ModelStore.humanSize(offset) : ""));
        } else {
            draw(offset, total);
        }
    }

    @Override
    public void progress(long done, long total) {
        long now = System.nanoTime();
        if (now - samples.peekLast()[0] >= 200_000_000L) {
            samples.add(new long[]{now, done});
            while (samples.size() > 2 && now - samples.peekFirst()[0] > 5_000_000_000L) samples.removeFirst();
        }
        boolean finished = total >= 0 && done >= total;
        if (interactive) {
            if (finished || now - lastPrint >= 100_000_000L) {
                lastPrint = now;
                draw(done, total);
            }
        } else if (now - lastPrint >= intervalNanos && !finished) {
            lastPrint = now;
            out.println("  " + status(done, total));
        }
        if (finished) done(done);
    }

    private void done(long bytes) {
        double secs = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
        if (interactive && lineOpen) {
            out.println();
            lineOpen = false;
        }
        out.printf(Locale.ROOT, "downloaded %s: %s in %s (%s/s)%n", label, ModelStore.humanSize(bytes), duration(secs),
                ModelStore.humanSize((long) ((bytes - startBytes) / secs)));
    }

    @Override
    public void note(String message) {
        if (interactive && lineOpen) {
            out.println();
            lineOpen = false;
        }
        out.println(label + ": " + message);
    }

    /** Ends an open progress line (before an error message is printed). */
    void close() {
        if (interactive && lineOpen) {
            out.println();
            lineOpen = false;
        }
    }

    private void draw(long done, long total) {
        StringBuilder b = new StringBuilder("\r").append(label).append(' ');
        if (total > 0) {
            int width = 24;
            int filled = (int) Math.min(width, done * width / total);
            b.append('[').append("#".repeat(filled)).append("-".repeat(width - filled)).append("] ");
        }
        b.append(status(done, total)).append("   ");
        out.print(b);
        out.flush();
        lineOpen = true;
    }

    private String status(long done, long total) {
        long[] first = samples.peekFirst();
        long now = System.nanoTime();
        double secs = (now - first[0]) / 1e9;
        double speed = secs > 0.2 ? (done - first[1]) / secs : -1;
        StringBuilder b = new StringBuilder();
        if (total > 0) {
            b.append(String.format(Locale.ROOT, "%3d%% ", done * 100 / total));
            b.append(ModelStore.humanSize(done)).append(" of ").append(ModelStore.humanSize(total));
        } else {
            b.append(ModelStore.humanSize(done));
        }
        if (speed > 0) {
            b.append(", ").append(ModelStore.humanSize((long) speed)).append("/s");
            if (total > 0 && done < total) b.append(", ETA ").append(duration((total - done) / speed));
        }
        return b.toString();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) return s + "s";
        if (s < 3600) return (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
        return (s / 3600) + "h" + String.format(Locale.ROOT, "%02d", (s % 3600) / 60) + "m";
    }
}
