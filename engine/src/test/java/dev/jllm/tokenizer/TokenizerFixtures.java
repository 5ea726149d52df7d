package dev.jllm.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.jllm.gguf.GGUFFile;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.testing.TestData;

/** Loads tokenizers from the shared test data (once per file) and llama.cpp's test vectors. */
final class TokenizerFixtures {
    private TokenizerFixtures() {}

    private static final Map<Path, Tokenizer> CACHE = new ConcurrentHashMap<>();

    /** The tokenizer of a shared GGUF file, e.g. {@code "models/synth-qwen2.gguf"}. */
    static Tokenizer tokenizer(String relative) {
        return tokenizer(TestData.require(relative));
    }

    static Tokenizer tokenizer(Path gguf) {
        return CACHE.computeIfAbsent(gguf, p -> Tokenizer.fromMetadata(metadata(p)));
    }

    static GGUFMetadata metadata(Path gguf) {
        try (GGUFFile f = GGUFFile.open(gguf)) {
            return f.metadata();
        }
    }

    /** One test string and the ids llama.cpp gave it. */
    record Vector(int index, String text, int[] ids) {}

    /**
     * Reads {@code <gguf>.inp} (strings joined by {@code "\n__ggml_vocab_test__\n"}, with a
     * trailing separator) and {@code <gguf>.out} (ids per line).
     */
    static List<Vector> vectors(Path gguf) {
        try {
            String inp = Files.readString(Path.of(gguf + ".inp"), StandardCharsets.UTF_8);
            List<String> out = Files.readAllLines(Path.of(gguf + ".out"), StandardCharsets.UTF_8);
            String[] strings = inp.split("\n__ggml_vocab_test__\n", -1);
            if (strings.length != out.size() + 1 || !strings[strings.length - 1].isEmpty()) {
                throw new IllegalStateException(gguf + ": " + strings.length + " strings for " + out.size() + " id lines");
            }
            List<Vector> vs = new ArrayList<>();
            for (int i = 0; i < out.size(); i++) {
                String line = out.get(i).trim();
                int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split("\\s+")).mapToInt(Integer::parseInt).toArray();
                vs.add(new Vector(i, strings[i], ids));
            }
            return vs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A string with control characters escaped, for messages. */
    static String show(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            if (c == '\n') b.append("\\n");
            else if (c == '\t') b.append("\\t");
            else if (c < 0x20 || c == 0x200D) b.append(String.format("\\u%04x", c));
            else b.appendCodePoint(c);
        });
        return b.append('"').toString();
    }
}
