package dev.jllm.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link MatMul} over the worker pool against the scalar twins, for token counts on both sides
 * of {@link MatMul#GEMV_BELOW_TOKENS} (few tokens go through the gemv one by one, more through
 * the batched kernel) and row counts that do not divide into the pool's chunks.
 */
class MatMulTest {
    static final WorkerPool POOL = new WorkerPool(2);

    @AfterAll
    static void close() {
        POOL.close();
    }

    @ParameterizedTest
    @CsvSource({"Q4_0, 2", "Q4_0, 9", "Q4_0, 10", "Q4_K, 2", "Q4_K, 5", "Q4_K, 9", "Q4_K, 10", "Q4_K, 11", "Q6_K, 4", "Q6_K, 13",
            "Q8_0, 3", "IQ4_XS, 6", "F16, 9", "F16, 10", "F32, 5"})
    void productsMatchTheScalarTwins(String typeName, int tokens) {
        GGMLType type = GGMLType.valueOf(typeName);
        TensorFormat f = TensorFormats.of(type, "w");
        int rows = 1037, cols = 256; // 1037 rows: a remainder in every split
        Random rnd = new Random(type.ordinal() * 31L + tokens);
        try (Arena arena = Arena.ofShared()) { // the pool's threads read the weights
            MemorySegment w = TensorFormatKernelTest.randomWeights(arena, type, rows, cols, rnd);
            float[] x = TensorFormatKernelTest.randomActivations(cols * tokens, rnd);
            Activations a = new Activations();
            float[] out = new float[tokens * rows];
            MatMul.multiply(new Tensor("w", f, w, rows, cols), x, 0, tokens, out, a, POOL);
            long rowBytes = f.rowBytes(cols);
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < rows; r++) {
                    float expected = f.dotScalar(w, r * rowBytes, a, t, cols);
                    float scale = TensorFormatKernelTest.magnitude(f, w, r, rowBytes, cols, a, t);
                    TensorFormatKernelTest.assertClose(expected, out[t * rows + r], scale, typeName + " token " + t + " row " + r);
                }
            }
        }
    }
}
