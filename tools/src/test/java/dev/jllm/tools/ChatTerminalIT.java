package dev.jllm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jllm.testing.TestData;

/**
 * {@code jllm chat} on a real terminal, as a person uses it: {@code java -jar jllm.jar chat}
 * (the PATH's java, so through the launcher) inside a tmux pane — or, without tmux, a pty from
 * util-linux {@code script}. Types a message and watches the reply grow on screen (streaming),
 * presses Ctrl-C during a long reply (the reply stops, the program stays and prompts again),
 * Ctrl-C at the prompt (clears the line), {@code /reset}, then {@code /exit} (exit status 0).
 *
 * <p>Skipped when neither tmux nor script is installed, except under CI=true where tmux is
 * required ({@code .ci/run} installs it). {@code -Djllm.pty=script} forces the script driver.
 */
class ChatTerminalIT {
    @TempDir Path tmp;

    /** The shell command running the chat in the pty; its exit status lands in {@code status}. */
    String chatCommand(Path status, String... options) {
        String stories = TestData.require("models/stories260K-f32.gguf").toString();
        return "cd " + quote(tmp.toString()) + " && env -u JAVA_HOME XDG_CACHE_HOME=" + quote(tmp.toString())
                + " java -jar " + quote(JarRunner.jar().toAbsolutePath().toString())
                + " chat -m " + quote(stories) + " " + String.join(" ", options)
                + "; echo $? > " + quote(status.toString());
    }

    static void awaitExit(Path status, Screen screen) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(status) || Files.readString(status).isBlank()) {
            if (System.nanoTime() > end) fail("still running 30 s after being asked to leave:\n" + screen.snapshot());
            Thread.sleep(50);
        }
        assertEquals("0", Files.readString(status).strip(), "exit status\n" + screen.snapshot());
    }

    @Test
    void typingStreamingCtrlCResetAndExit() throws Exception {
        Path status = tmp.resolve("status");
        try (Pty pty = openPty(chatCommand(status, "--temperature", "0", "--ctx", "2048", "-n", "1500"))) {
            Screen screen = new Screen(pty);
            screen.await("the banner and the prompt", s -> s.contains("/help for commands") && s.promptShown(), 120);

            // A message: the reply appears piece by piece.
            pty.type("Once upon a time");
            pty.enter();
            List<Integer> sizes = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                int size = screen.snapshot().replyAfter("> Once upon a time").length();
                if (sizes.isEmpty() || size != sizes.getLast()) sizes.add(size);
                if (size >= 120) break;
                if (screen.snapshot().promptShown() && size > 0) fail("the reply ended before Ctrl-C could be tested:\n" + screen.snapshot());
                if (System.nanoTime() > deadline) fail("no reply after 120 s:\n" + screen.snapshot());
                Thread.sleep(20);
            }
            System.out.println(pty.getClass().getSimpleName() + ": reply sizes seen while streaming: " + sizes);
            long growing = sizes.stream().filter(n -> n > 0).count();
            assertTrue(growing >= 3, "the reply should be seen growing (streamed), sizes seen: " + sizes);

            // Ctrl-C during the reply stops it; the program stays and prompts again.
            pty.ctrlC();
            screen.await("[stopped] and a new prompt", s -> s.contains("[stopped]") && s.promptShown(), 30);
            String stopped = screen.snapshot().replyAfter("> Once upon a time");
            Thread.sleep(1000);
            assertEquals(stopped, screen.snapshot().replyAfter("> Once upon a time"), "the reply went on after Ctrl-C");
            assertFalse(Files.exists(status), "the program exited on Ctrl-C");
            assertTrue(stopped.length() < 3000, "Ctrl-C should stop the reply quickly: " + stopped.length() + " chars");

            // Ctrl-C at the prompt clears the typed line and the program stays.
            pty.type("never sent");
            screen.await("the typed text", s -> s.lastLine().endsWith("never sent"), 30);
            pty.ctrlC();
            screen.await("a cleared prompt", Snapshot::promptShown, 30);
            assertFalse(Files.exists(status), "the program exited on Ctrl-C at the prompt");

            pty.type("/reset");
            pty.enter();
            screen.await("the reset acknowledgement", s -> s.contains("[conversation reset]") && s.promptShown(), 30);

            pty.type("/exit");
            pty.enter();
            awaitExit(status, screen);
            String all = screen.snapshot().text;
            System.out.println("the terminal at the end:\n" + all);
            assertFalse(all.contains("Exception") || all.contains("WARNING"), all);
        }
    }

    @Test
    void ctrlCTwiceOnAnEmptyLineQuits() throws Exception {
        Path status = tmp.resolve("status");
        try (Pty pty = openPty(chatCommand(status))) {
            Screen screen = new Screen(pty);
            screen.await("the prompt", Snapshot::promptShown, 120);
            pty.ctrlC();
            screen.await("the hint", s -> s.contains("[Ctrl-C again, Ctrl-D or /exit to quit]") && s.promptShown(), 30);
            assertFalse(Files.exists(status), "one Ctrl-C on an empty line must not quit");
            pty.ctrlC();
            awaitExit(status, screen);
        }
    }

    @Test
    void ctrlDQuits() throws Exception {
        Path status = tmp.resolve("status");
        try (Pty pty = openPty(chatCommand(status, "--system", "'You tell stories.'"))) {
            Screen screen = new Screen(pty);
            screen.await("the prompt", Snapshot::promptShown, 120);
            pty.ctrlD();
            awaitExit(status, screen);
        }
    }

    // ---- terminal drivers ----

    interface Pty extends AutoCloseable {
        void type(String text) throws IOException;
        void enter() throws IOException;
        void ctrlC() throws IOException;
        void ctrlD() throws IOException;
        /** The screen (or everything printed) as plain text lines. */
        String capture() throws IOException;
        @Override void close() throws IOException;
    }

    Pty openPty(String command) throws IOException {
        String forced = System.getProperty("jllm.pty", "");
        boolean tmux = onPath("tmux") && !forced.equals("script");
        if (!tmux && TestData.isCi()) fail("tmux is not installed: CI=true needs it for this test (.ci/run installs it with apt-get)");
        if (tmux) return new Tmux(command);
        if (onPath("script")) return new Script(command);
        Assumptions.abort("neither tmux nor script (util-linux) is installed: cannot drive a terminal");
        return null;
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** A detached tmux session on a private server socket. */
    static final class Tmux implements Pty {
        private final String socket = "jllm-chat-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();

        Tmux(String command) throws IOException {
            tmux("-f", "/dev/null", "new-session", "-d", "-s", "chat", "-x", "160", "-y", "50", command);
            tmux("set-option", "-t", "chat", "remain-on-exit", "on"); // the last screen stays readable after the exit
        }

        private String tmux(String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) throw new IOException("tmux " + args[0] + " hangs");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            if (p.exitValue() != 0) throw new IOException("tmux " + String.join(" ", args) + " failed: " + out);
            return out;
        }

        @Override public void type(String text) throws IOException { tmux("send-keys", "-t", "chat", "-l", text); }
        @Override public void enter() throws IOException { tmux("send-keys", "-t", "chat", "Enter"); }
        @Override public void ctrlC() throws IOException { tmux("send-keys", "-t", "chat", "C-c"); }
        @Override public void ctrlD() throws IOException { tmux("send-keys", "-t", "chat", "C-d"); }

        @Override
        public String capture() throws IOException {
            try {
                return tmux("capture-pane", "-p", "-J", "-t", "chat", "-S", "-");
            } catch (IOException e) {
                return ""; // the session ended (the program exited)
            }
        }

        @Override
        public void close() {
            try {
                tmux("kill-server");
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    /** util-linux script: a pty around the command, keys written to its input, output collected. */
    static final class Script implements Pty {
        private final Process process;
        private final OutputStream keys;
        private final ByteArrayOutputStream output = new ByteArrayOutputStream();

        Script(String command) throws IOException {
            process = new ProcessBuilder("script", "-q", "-f", "-c", "stty cols 160 rows 50; " + command, "/dev/null")
                    .redirectErrorStream(true).start();
            keys = process.getOutputStream();
            Thread reader = new Thread(() -> {
                byte[] buf = new byte[4096];
                try (InputStream in = process.getInputStream()) {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        synchronized (output) {
                            output.write(buf, 0, n);
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            }, "script-output");
            reader.setDaemon(true);
            reader.start();
        }

        private void send(String s) throws IOException {
            keys.write(s.getBytes(StandardCharsets.UTF_8));
            keys.flush();
        }

        @Override public void type(String text) throws IOException { send(text); }
        @Override public void enter() throws IOException { send("\r"); }
        @Override public void ctrlC() throws IOException { send("\u0003"); }
        @Override public void ctrlD() throws IOException { send("\u0004"); }

        @Override
        public String capture() {
            String raw;
            synchronized (output) {
                raw = output.toString(StandardCharsets.UTF_8);
            }
            // Drop escape sequences; a carriage return starts the line over (JLine redraws the prompt line).
            String plain = raw.replaceAll("\u001B\\[[0-9;?]*[ -/]*[@-~]", "").replaceAll("\u001B[()][A-Za-z0-9]", "")
                    .replaceAll("\u001B[=>]", "").replace("\r\n", "\n");
            StringBuilder sb = new StringBuilder();
            for (String line : plain.split("\n", -1)) {
                int cr = line.lastIndexOf('\r');
                String visible = cr < 0 ? line : line.substring(cr + 1);
                if (visible.isEmpty() && cr >= 0) visible = line.substring(0, cr).replace("\r", ""); // trailing CR only
                sb.append(visible.replace("\u0007", "")).append('\n');
            }
            return sb.toString();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    /** Polls a {@link Pty}'s screen. */
    static final class Screen {
        private final Pty pty;

        Screen(Pty pty) {
            this.pty = pty;
        }

        Snapshot snapshot() {
            try {
                return new Snapshot(pty.capture());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void await(String what, Predicate<Snapshot> condition, int seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            Snapshot s;
            while (!condition.test(s = snapshot())) {
                if (System.nanoTime() > deadline) fail("waited " + seconds + " s for " + what + "; the screen:\n" + s.text);
                Thread.sleep(50);
            }
        }
    }

    record Snapshot(String text) {
        boolean contains(String s) {
            return text.contains(s);
        }

        String lastLine() {
            List<String> lines = text.lines().map(String::stripTrailing).filter(l -> !l.isEmpty()).toList();
            return lines.isEmpty() ? "" : lines.getLast();
        }

        /** The prompt, with nothing typed, is the last line. */
        boolean promptShown() {
            return lastLine().equals(">");
        }

        /** The text printed after the last line equal to {@code echo} (a typed message), up to the next notice or prompt. */
        String replyAfter(String echo) {
            List<String> lines = text.lines().map(String::stripTrailing).toList();
            int start = -1;
            for (int i = 0; i < lines.size(); i++) if (lines.get(i).equals(echo)) start = i;
            if (start < 0) return "";
            StringBuilder reply = new StringBuilder();
            for (int i = start + 1; i < lines.size(); i++) {
                String l = lines.get(i);
                if (l.startsWith("[") || l.startsWith(">")) break;
                reply.append(l).append('\n');
            }
            return reply.toString().strip();
        }
    }
}
