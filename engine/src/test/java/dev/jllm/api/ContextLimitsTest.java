package dev.jllm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.testing.TestData;

/** A context too long for the KV cache is refused with a message saying why and what to do, and the model stays usable. */
class ContextLimitsTest {

    private static Model stories() {
        return Model.load(TestData.require("models/stories260K-f32.gguf"), ModelOptions.builder().threads(1).build());
    }

    @Test
    void aContextBeyondJavaArraysIsRefusedWithTheLongestThatFits() {
        try (Model model = stories()) {
            var e = assertThrows(IllegalArgumentException.class, () -> model.newSession(Integer.MAX_VALUE));
            // stories260K: 4 KV heads of 8, so at most (2^31 − 9) / 32 positions, rounded down to whole tiles of 16
            assertTrue(e.getMessage().contains("at most 67108848 positions"), e.getMessage());
            assertEquals(5, model.newSession(64).generate("Once", GenerationParams.greedy(5), (p, id) -> dev.jllm.TokenListener.Action.CONTINUE).tokenIds().length);
        }
    }

    @Test
    void aContextBeyondTheHeapIsRefusedBeforeAllocating() {
        // stories260K's cache takes 640 bytes a position (5 layers, keys and values, 32 halves each)
        long heap = Runtime.getRuntime().maxMemory();
        assumeTrue(heap / 640 * 2 < 67_000_000, "the heap is too large for this model to exceed it");
        int positions = (int) (heap / 640 * 2);
        try (Model model = stories()) {
            var e = assertThrows(IllegalArgumentException.class, () -> model.newSession(positions));
            assertTrue(e.getMessage().startsWith("a context of " + positions + " positions needs a "), e.getMessage());
            assertTrue(e.getMessage().contains("more than the Java heap's limit") && e.getMessage().contains("--ctx"), e.getMessage());
        }
    }
}
