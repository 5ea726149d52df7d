package dev.jllm.tools;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the packaged {@code jllm.jar} the way a user does — {@code java -jar jllm.jar …} with the
 * {@code java} found on the PATH (Java 17 on the CI machine, so the launcher's re-execution is
 * exercised) — and captures the exit status, stdout and stderr.
 */
final class JarRunner {
    record Result(int status, String out, String err) {}

    static Path jar() {
        Path jar = Path.of(System.getProperty("jllm.jar", "target/jllm.jar"));
        if (!Files.isRegularFile(jar)) throw new IllegalStateException("jllm.jar not built: " + jar);
        return jar;
    }

    static Result run(String stdin, String... args) {
        return runWithEnv(java.util.Map.of(), stdin, args);
    }

    /** Runs with extra environment variables (e.g. JLLM_MODELS pointing at a temporary folder). */
    static Result runWithEnv(java.util.Map<String, String> env, String stdin, String... args) {
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", jar().toString()));
        cmd.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().remove("JAVA_HOME"); // the launcher must find a JDK on its own
            pb.environment().putAll(env);
            Process p = pb.start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            try (var in = p.getOutputStream()) {
                if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("jllm " + String.join(" ", args) + " did not finish in 300 s");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JarRunner() {}
}
