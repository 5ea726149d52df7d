package dev.jllm.tools;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Standard output and error as UTF-8 streams, whatever the platform locale says: model output
 * is UTF-8 text (emoji, accents) and must not turn into question marks under a POSIX locale.
 */
final class Console {
    private Console() {}

    static final PrintStream OUT = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    static final PrintStream ERR = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

    /** Whether stderr is an interactive terminal (progress bars redraw in place only there). */
    static boolean interactive() {
        return System.console() != null;
    }
}
