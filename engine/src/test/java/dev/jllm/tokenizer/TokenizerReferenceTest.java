package dev.jllm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.testing.TestData;

/**
 * llama.cpp's tokenization of the reference prompts (BOS per the vocabulary, special tokens
 * parsed) for every model with a reference file, and its greedy continuation decoded token by
 * token: the streaming decoder must give llama.cpp's greedy_text, and no greedy token may be an
 * end-of-generation token (llama.cpp stops before those).
 */
class TokenizerReferenceTest {

    @TestFactory
    Stream<DynamicTest> references() throws IOException {
        Path dir = TestData.require("reference");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no reference files in " + dir);
        ObjectMapper json = new ObjectMapper();
        return files.stream().map(file -> {
            String model = file.getFileName().toString().replace(".json", "");
            return DynamicTest.dynamicTest(model, () -> check(model, json.readTree(file.toFile())));
        });
    }

    private static void check(String model, JsonNode entries) {
        Tokenizer t = TokenizerFixtures.tokenizer("models/" + model + ".gguf");
        assertTrue(entries.size() >= 5, model + ": expected at least 5 prompts");
        List<String> failures = new ArrayList<>();
        for (JsonNode e : entries) {
            String prompt = e.get("prompt").asText();
            int[] expected = ints(e.get("prompt_ids"));
            int[] got = t.encode(prompt, true, true);
            String diff = TokenizerConformanceTest.firstDifference(expected, got);
            if (diff != null) failures.add("prompt " + TokenizerFixtures.show(prompt) + ": " + diff);

            int[] greedy = ints(e.get("greedy_ids"));
            StreamingDecoder decoder = t.streamingDecoder();
            StringBuilder text = new StringBuilder();
            for (int id : greedy) {
                if (t.vocabulary().isEndOfGeneration(id)) failures.add("prompt " + TokenizerFixtures.show(prompt) + ": greedy id " + id + " is end-of-generation");
                text.append(decoder.push(id));
            }
            text.append(decoder.flush());
            String expectedText = e.get("greedy_text").asText();
            if (!expectedText.contentEquals(text)) {
                failures.add("prompt " + TokenizerFixtures.show(prompt) + ": greedy text " + TokenizerFixtures.show(text.toString())
                    + ", llama.cpp " + TokenizerFixtures.show(expectedText));
            }
        }
        if (!failures.isEmpty()) fail(model + ":\n  " + String.join("\n  ", failures));
        assertEquals(e0(entries).get("n_vocab").asInt(), t.vocabulary().size(), model + ": vocabulary size");
    }

    private static JsonNode e0(JsonNode entries) {
        return entries.get(0);
    }

    private static int[] ints(JsonNode array) {
        int[] r = new int[array.size()];
        for (int i = 0; i < r.length; i++) r[i] = array.get(i).asInt();
        return r;
    }
}
