package dev.jllm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.jllm.ModelOptions;

/** The options builder refuses values that cannot work, naming them. */
class ModelOptionsTest {
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    @Test
    void threadsFromOneToFourPerProcessorAreAccepted() {
        assertEquals(1, ModelOptions.builder().threads(1).build().threads());
        assertEquals(4 * CORES, ModelOptions.builder().threads(4 * CORES).build().threads());
    }

    @Test
    void tooManyThreadsAreRefusedWithTheLimit() {
        // 100,000 threads once took minutes to start, spinning meanwhile
        var e = assertThrows(IllegalArgumentException.class, () -> ModelOptions.builder().threads(4 * CORES + 1).build());
        assertTrue(e.getMessage().contains("use at most " + 4 * CORES), e.getMessage());
    }

    @Test
    void zeroThreadsAndNegativeSizesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ModelOptions.builder().threads(0).build());
        assertThrows(IllegalArgumentException.class, () -> ModelOptions.builder().contextLength(-1).build());
        assertThrows(IllegalArgumentException.class, () -> ModelOptions.builder().batchSize(0).build());
    }
}
