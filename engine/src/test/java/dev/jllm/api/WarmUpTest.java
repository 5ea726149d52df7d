package dev.jllm.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.jllm.Completion;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.testing.TestData;

/** {@link Model#warmUp()}: it runs, and real sessions during and after it give the tokens they give without it. */
class WarmUpTest {

    @Test
    void warmUpChangesNoResultsEvenWhileSessionsRun() throws Exception {
        Path file = TestData.require("models/stories260K-q8_0.gguf");
        GenerationParams greedy = GenerationParams.greedy(40);
        int[] expected;
        try (Model cold = Model.load(file, ModelOptions.builder().threads(2).build())) {
            expected = cold.newSession().generate("Once upon a time", greedy).tokenIds();
        }
        try (Model model = Model.load(file, ModelOptions.builder().threads(2).build())) {
            CompletableFuture<Duration> warm = CompletableFuture.supplyAsync(model::warmUp);
            Completion during = model.newSession().generate("Once upon a time", greedy);
            Duration took = warm.get();
            Completion after = model.newSession().generate("Once upon a time", greedy);
            assertTrue(took.toNanos() > 0, "took " + took);
            assertArrayEquals(expected, during.tokenIds(), "while warming up");
            assertArrayEquals(expected, after.tokenIds(), "after warming up");
        }
    }

    @Test
    void warmUpFitsTinyContexts() throws Exception {
        Path file = TestData.require("models/stories260K-f32.gguf");
        try (Model model = Model.load(file, ModelOptions.builder().contextLength(3).build())) {
            assertTrue(model.warmUp().toNanos() > 0);
        }
    }
}
