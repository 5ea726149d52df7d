package dev.jllm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.jllm.testing.TestData;

/**
 * {@code java -jar jllm.jar} started by a JVM older than 22 (Java 17 on this machine) works: the
 * launcher finds a JDK 22+ and re-runs the app with the Vector API flags.
 */
class LauncherIT {

    /** A java executable whose version is below 22: the PATH's, else one under /usr/lib/jvm. */
    static Path oldJava() throws IOException, InterruptedException {
        List<Path> candidates = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) candidates.add(Path.of(dir, "java"));
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) try (Stream<Path> s = Files.list(jvms)) {
            s.sorted().forEach(p -> candidates.add(p.resolve("bin/java")));
        }
        for (Path java : candidates) {
            if (Files.isExecutable(java) && feature(java) > 0 && feature(java) < 22) return java;
        }
        return null;
    }

    static int feature(Path java) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java.toString(), "-version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        var m = Pattern.compile("version \"(\\d+)").matcher(out);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    @Test
    void oldJavaRunsTheAppThroughTheLauncher() throws Exception {
        Path java = oldJava();
        if (java == null) {
            String msg = "no Java older than 22 on this machine to start the launcher with";
            if (TestData.isCi()) throw new AssertionError(msg);
            Assumptions.abort(msg);
        }
        String model = TestData.require("models/stories260K-f32.gguf").toString();
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-jar", JarRunner.jar().toString(),
                "generate", "-m", model, "-p", "Once upon a time", "--temperature", "0", "-n", "20");
        pb.environment().remove("JAVA_HOME");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "started with " + java + " (Java " + feature(java) + "): " + err);
        assertTrue(out.startsWith("Once upon a time, there was a little girl named Lily."), out);
        assertFalse(err.contains("WARNING"), "no JVM warnings reach the user: " + err);
    }
}
