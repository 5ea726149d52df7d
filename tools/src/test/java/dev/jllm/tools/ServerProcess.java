package dev.jllm.tools;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code java -jar jllm.jar serve … --port 0} as a user starts it, for the integration tests:
 * waits for the "listening on URL" line and stops the server (and the JVM the launcher started)
 * on close.
 */
final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

    private final Process process;
    private final String baseUrl;
    private final StringBuffer stderr;

    private ServerProcess(Process process, String baseUrl, StringBuffer stderr) {
        this.process = process;
        this.baseUrl = baseUrl;
        this.stderr = stderr;
    }

    static ServerProcess start(String... serveArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", JarRunner.jar().toString(), "serve", "--port", "0", "--host", "127.0.0.1"));
        cmd.addAll(List.of(serveArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("JAVA_HOME");
        Process p = pb.start();
        StringBuffer err = new StringBuffer();
        Thread errPump = new Thread(() -> pump(new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8)), err), "serve-stderr");
        errPump.setDaemon(true);
        errPump.start();
        CompletableFuture<String> url = new CompletableFuture<>();
        Thread outPump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) url.complete(m.group(1));
                }
                url.completeExceptionally(new IllegalStateException("jllm serve exited before listening"));
            } catch (IOException e) {
                url.completeExceptionally(e);
            }
        }, "serve-stdout");
        outPump.setDaemon(true);
        outPump.start();
        try {
            return new ServerProcess(p, url.get(120, TimeUnit.SECONDS), err);
        } catch (Exception e) {
            destroy(p);
            throw new AssertionError("jllm serve did not start: " + e.getMessage() + "\nstderr:\n" + err, e);
        }
    }

    private static void pump(BufferedReader r, StringBuffer into) {
        try (r) {
            for (String line; (line = r.readLine()) != null; ) into.append(line).append('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String baseUrl() {
        return baseUrl;
    }

    /** What the server has logged so far (one line per request). */
    String stderr() {
        return stderr.toString();
    }

    @Override
    public void close() {
        destroy(process);
    }

    private static void destroy(Process p) {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
