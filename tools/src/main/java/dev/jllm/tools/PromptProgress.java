package dev.jllm.tools;

/**
 * Progress of a long prompt's evaluation on stderr, fed by the engine's chunk-by-chunk reports
 * ({@link dev.jllm.TokenListener#onPromptProgress}): nothing for a prompt done within a second;
 * after that, on a terminal a line redrawn in place and wiped when the prompt is done, so that
 * the reply starts on a clean line, otherwise a plain line at every quarter.
 */
final class PromptProgress {
    private final String label;
    private final java.util.function.LongSupplier clock;
    private final boolean tty;
    private final java.io.PrintStream err;
    private final long start;
    private int drawnWidth;
    private int lastQuarter;

    PromptProgress() {
        this("prompt");
    }

    /** Progress lines that start with {@code label} instead of "prompt". */
    PromptProgress(String label) {
        this(label, System::nanoTime, Console.interactive(), Console.ERR);
    }

    /** For tests: a clock in nanoseconds, whether to draw as on a terminal, and where. */
    PromptProgress(String label, java.util.function.LongSupplier clock, boolean tty, java.io.PrintStream err) {
        this.label = label;
        this.clock = clock;
        this.tty = tty;
        this.err = err;
        this.start = clock.getAsLong();
    }

    void update(int evaluated, int total) {
        double secs = (clock.getAsLong() - start) / 1e9;
        if (tty) {
            if (evaluated >= total) {
                if (drawnWidth > 0) err.print("\r" + " ".repeat(drawnWidth) + "\r");
                drawnWidth = 0;
            } else if (secs >= 1) {
                String line = line(evaluated, total, secs);
                err.print("\r" + line + " ".repeat(Math.max(0, drawnWidth - line.length())));
                drawnWidth = Math.max(drawnWidth, line.length());
            }
        } else if (secs >= 1) {
            int quarter = (int) (4L * evaluated / total);
            if (quarter > lastQuarter) {
                lastQuarter = quarter;
                err.println(line(evaluated, total, secs));
            }
        }
    }

    private String line(int evaluated, int total, double secs) {
        double rate = evaluated / secs;
        String left = evaluated < total && rate > 0 ? ", %.0f s left".formatted((total - evaluated) / rate) : "";
        return "%s: %d%% (%d of %d tokens, %.1f s%s)".formatted(label, 100L * evaluated / total, evaluated, total, secs, left);
    }
}
