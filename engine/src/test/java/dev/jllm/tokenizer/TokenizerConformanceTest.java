package dev.jllm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import dev.jllm.testing.TestData;
import dev.jllm.tokenizer.TokenizerFixtures.Vector;

/**
 * llama.cpp's tokenizer test vectors (test-tokenizer-0): every string of every vocabulary must
 * give exactly llama.cpp's ids (no BOS, special tokens not parsed), and decoding must give the
 * string back wherever llama.cpp's own ids decode to it.
 */
class TokenizerConformanceTest {

    /** Vocabulary files with vectors, relative to the shared data folder. */
    static final List<String> VOCABS = List.of(
        "vocab/ggml-vocab-llama-spm.gguf",
        "vocab/ggml-vocab-phi-3.gguf",
        "vocab/ggml-vocab-deepseek-coder.gguf",
        "vocab/ggml-vocab-deepseek-llm.gguf",
        "vocab/ggml-vocab-falcon.gguf",
        "vocab/ggml-vocab-gpt-2.gguf",
        "vocab/ggml-vocab-mpt.gguf",
        "vocab/ggml-vocab-refact.gguf",
        "vocab/ggml-vocab-starcoder.gguf",
        "vocab/ggml-vocab-bert-bge.gguf",
        "models/llama3-vocab-tiny.gguf");

    /** Vectors whose vocabulary file is not in the shared data (llama-bpe is covered by llama3-vocab-tiny). */
    static final Set<String> WITHOUT_VOCAB = Set.of("ggml-vocab-qwen2.gguf", "ggml-vocab-llama-bpe.gguf");

    /**
     * How many of the 46 strings decode back to themselves from llama.cpp's ids. The others do not
     * because of llama.cpp's detokenizer, not ours: clean_spaces turns " ?" into "?" (strings 32
     * and 45), and WordPiece lowercases, strips accents and drops spacing.
     */
    static final Map<String, Integer> ROUND_TRIPS = Map.ofEntries(
        Map.entry("ggml-vocab-llama-spm.gguf", 46),
        Map.entry("ggml-vocab-phi-3.gguf", 46),
        Map.entry("ggml-vocab-deepseek-coder.gguf", 46),
        Map.entry("ggml-vocab-deepseek-llm.gguf", 46),
        Map.entry("ggml-vocab-falcon.gguf", 44),
        Map.entry("ggml-vocab-gpt-2.gguf", 44),
        Map.entry("ggml-vocab-mpt.gguf", 44),
        Map.entry("ggml-vocab-refact.gguf", 44),
        Map.entry("ggml-vocab-starcoder.gguf", 44),
        Map.entry("ggml-vocab-bert-bge.gguf", 4),
        Map.entry("llama3-vocab-tiny.gguf", 44));

    @TestFactory
    Stream<DynamicNode> vectors() {
        return VOCABS.stream().map(relative -> {
            String name = Path.of(relative).getFileName().toString();
            return DynamicContainer.dynamicContainer(name, Stream.of(
                DynamicTest.dynamicTest("encode", () -> checkEncode(relative)),
                DynamicTest.dynamicTest("round trip", () -> checkRoundTrip(relative))));
        });
    }

    private static void checkEncode(String relative) {
        Path gguf = TestData.require(relative);
        Tokenizer t = TokenizerFixtures.tokenizer(gguf);
        List<Vector> vectors = TokenizerFixtures.vectors(gguf);
        assertEquals(46, vectors.size(), "number of test strings");
        List<String> failures = new ArrayList<>();
        for (Vector v : vectors) {
            int[] got = t.encode(v.text(), false, false);
            String diff = firstDifference(v.ids(), got);
            if (diff != null) failures.add("string " + v.index() + " " + TokenizerFixtures.show(v.text()) + ": " + diff);
        }
        if (!failures.isEmpty()) {
            fail(relative + ": " + failures.size() + " of " + vectors.size() + " strings differ from llama.cpp\n  " + String.join("\n  ", failures));
        }
    }

    private static void checkRoundTrip(String relative) {
        Path gguf = TestData.require(relative);
        Tokenizer t = TokenizerFixtures.tokenizer(gguf);
        int roundTrips = 0;
        List<String> failures = new ArrayList<>();
        for (Vector v : TokenizerFixtures.vectors(gguf)) {
            if (!t.decode(v.ids()).equals(v.text())) continue; // llama.cpp's ids do not round-trip either
            roundTrips++;
            String back = t.decode(t.encode(v.text(), false, false));
            if (!back.equals(v.text())) failures.add("string " + v.index() + " " + TokenizerFixtures.show(v.text()) + " came back as " + TokenizerFixtures.show(back));
        }
        assertTrue(failures.isEmpty(), relative + ":\n  " + String.join("\n  ", failures));
        assertEquals(ROUND_TRIPS.get(Path.of(relative).getFileName().toString()), roundTrips,
            relative + ": number of strings whose llama.cpp ids decode back to the string");
    }

    /** Null when equal, else where and how the ids first differ. */
    static String firstDifference(int[] expected, int[] actual) {
        int n = Math.min(expected.length, actual.length);
        for (int i = 0; i < n; i++) {
            if (expected[i] != actual[i]) {
                return "first difference at position " + i + ": expected id " + expected[i] + ", got " + actual[i]
                    + " (expected " + java.util.Arrays.toString(expected) + ", got " + java.util.Arrays.toString(actual) + ")";
            }
        }
        if (expected.length != actual.length) {
            return "expected " + expected.length + " ids, got " + actual.length
                + " (expected " + java.util.Arrays.toString(expected) + ", got " + java.util.Arrays.toString(actual) + ")";
        }
        return null;
    }

    /** Every vector file in the shared vocab folder is tested or knowingly skipped. */
    @Test
    void everyVectorFileIsCovered() throws IOException {
        Path dir = TestData.require("vocab");
        Set<String> tested = new TreeSet<>();
        for (String v : VOCABS) tested.add(Path.of(v).getFileName().toString());
        List<String> uncovered = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".gguf.inp")).sorted().forEach(n -> {
                String gguf = n.substring(0, n.length() - ".inp".length());
                if (!tested.contains(gguf) && !WITHOUT_VOCAB.contains(gguf)) uncovered.add(gguf);
                if (WITHOUT_VOCAB.contains(gguf) && Files.exists(dir.resolve(gguf))) uncovered.add(gguf + " (now has a vocab file: test it)");
            });
        }
        assertTrue(uncovered.isEmpty(), "vector files not covered by this test: " + uncovered);
    }
}
