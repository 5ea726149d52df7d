package dev.jllm.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

/**
 * Locates the shared test data (real and synthetic models, vocabularies, llama.cpp references,
 * chat templates) that lives outside the repository.
 *
 * <p>Search order: {@code $JLLM_TEST_DATA}, then {@code ../shared} next to the project root.
 * When the data is missing a test is skipped on a developer machine but fails when
 * {@code CI=true}: CI must never pass by skipping.
 */
public final class TestData {
    private TestData() {}

    /** The shared data folder, or null if it cannot be found. */
    public static Path rootOrNull() {
        String env = System.getenv("JLLM_TEST_DATA");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            return Files.isDirectory(p) ? p : null;
        }
        Path projectRoot = projectRoot();
        Path shared = projectRoot.resolve("../shared").normalize();
        return Files.isDirectory(shared) ? shared : null;
    }

    /** The project root (the folder holding the parent pom.xml). */
    public static Path projectRoot() {
        String prop = System.getProperty("jllm.projectRoot");
        if (prop != null && !prop.isBlank()) return Path.of(prop).toAbsolutePath().normalize();
        Path dir = Path.of("").toAbsolutePath();
        // Surefire runs tests in the module folder; walk up to the folder that has .ci/ or the parent pom.
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve(".ci")) || Files.isRegularFile(p.resolve("engine/pom.xml"))) return p;
        }
        return dir;
    }

    public static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * A file under the shared data folder, e.g. {@code require("models/stories260K-f32.gguf")}.
     * Skips the test when it is missing, or fails it under CI=true.
     */
    public static Path require(String relative) {
        Path root = rootOrNull();
        Path p = root == null ? null : root.resolve(relative);
        if (p == null || !Files.exists(p)) {
            String msg = "test data missing: " + relative + " (set JLLM_TEST_DATA or put the shared folder at ../shared)";
            if (isCi()) throw new AssertionError(msg + " — CI=true, so this is a failure, not a skip");
            Assumptions.abort(msg);
        }
        return p;
    }
}
