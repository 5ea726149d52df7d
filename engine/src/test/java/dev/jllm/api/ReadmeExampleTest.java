package dev.jllm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;

import dev.jllm.Model;
import dev.jllm.testing.TestData;

/**
 * The README's library example is {@code examples/Example.java}, word for word, and it compiles
 * against the engine and runs on stories260K.
 */
class ReadmeExampleTest {

    @Test
    void readmeShowsTheExampleThatCompilesAndRuns() throws Exception {
        Path root = TestData.projectRoot();
        String example = Files.readString(root.resolve("examples/Example.java"));
        String readme = Files.readString(root.resolve("README.md"));
        assertTrue(readme.contains("```java\n" + example + "```"), "README.md must show examples/Example.java verbatim in a ```java block");

        Path out = Files.createTempDirectory("jllm-example");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String classpath = new File(Model.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int status = javac.run(null, diagnostics, diagnostics, "-Xlint:all", "-Werror",
                "-cp", classpath, "-d", out.toString(), root.resolve("examples/Example.java").toString());
        assertEquals(0, status, "examples/Example.java does not compile:\n" + diagnostics.toString(StandardCharsets.UTF_8));

        Path model = TestData.require("models/stories260K-f32.gguf");
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[]{out.toUri().toURL()}, getClass().getClassLoader())) {
            Method main = loader.loadClass("Example").getMethod("main", String[].class);
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[]{model.toString()});
        } finally {
            System.setOut(stdout);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        assertTrue(text.startsWith(", there was a little girl named Lily."), text);
        assertTrue(text.contains("[LENGTH, 5 prompt + 40 generated tokens"), text);
        List<String> lines = text.lines().toList();
        assertTrue(lines.contains("> Tell me about a cat.") && lines.contains("> What did the cat eat?"), text);
        assertTrue(lines.stream().anyMatch(l -> l.matches("JSON: \\s?\\{.*")), text);
        assertTrue(lines.stream().anyMatch(l -> l.matches("cosine\\(cat, dog\\) = 0\\.\\d{3} over 64 dimensions")), text);
    }
}
