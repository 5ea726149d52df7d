package dev.jllm.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import dev.jllm.Completion;
import dev.jllm.FinishReason;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.Session;
import dev.jllm.testing.Reference;
import dev.jllm.testing.TestData;

/**
 * Free-running greedy generation through the public API against llama.cpp's greedy
 * continuations. Greedy decoding has near-ties, so an exact match is required only where the
 * issue asks for it (the F32 file, at least 5 of 6 prompts); the counts of every file are printed.
 */
class GreedyGenerationTest {

    static int identicalPrompts(String name) {
        Path file = TestData.require("models/" + name + ".gguf");
        List<Reference> refs = Reference.load(TestData.require("reference/" + name + ".json"));
        int identical = 0;
        try (Model model = Model.load(file, ModelOptions.builder().contextLength(512).threads(2).build())) {
            for (Reference ref : refs) {
                Session s = model.newSession();
                Completion c = s.generate(ref.prompt(),
                        GenerationParams.greedy(ref.greedyIds().length), (p, id) -> dev.jllm.TokenListener.Action.CONTINUE);
                assertArrayEquals(ref.promptIds(), c.promptTokenIds(), "prompt ids of '" + ref.prompt() + "'");
                if (java.util.Arrays.equals(ref.greedyIds(), c.tokenIds())) identical++;
            }
        }
        System.out.printf("greedy %-24s %d of %d prompts token-identical to llama.cpp%n", name, identical, refs.size());
        return identical;
    }

    @Test
    void f32MatchesOnAtLeastFiveOfSixPrompts() {
        assertTrue(identicalPrompts("stories260K-f32") >= 5);
    }

    @TestFactory
    Stream<DynamicTest> otherFilesReported() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String t : new String[]{"f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1"}) {
            tests.add(DynamicTest.dynamicTest("stories260K-" + t, () -> identicalPrompts("stories260K-" + t)));
        }
        return tests.stream();
    }

    @Test
    void onceUponATimeGivesTheKnownStory() {
        Path file = TestData.require("models/stories260K-f32.gguf");
        try (Model model = Model.load(file)) {
            Completion c = model.newSession().generate("Once upon a time", GenerationParams.greedy(60));
            assertTrue(c.text().startsWith(", there was a little girl named Lily. She loved to play outside in the park."), c.text());
            assertEquals(FinishReason.LENGTH, c.finishReason());
            assertEquals(60, c.generatedTokens());
        }
    }
}
