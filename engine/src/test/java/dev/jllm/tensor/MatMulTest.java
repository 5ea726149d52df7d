package dev.jllm.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    /**
     * Products sharing an input in one hand-off give exactly what they give one by one: the same
     * kernels on the same rows. Same activation types (converted once), a mixture (Q4_0 needs
     * Q8_0 activations, the K-quants Q8_K: converted per weight), gemv and batched token counts.
     */
    @ParameterizedTest
    @CsvSource({"Q4_0 Q4_0 Q4_0, 1", "Q4_0 Q4_0 Q4_0, 3", "Q4_0 Q4_0 Q4_0, 12", "Q4_K Q6_K, 1", "Q4_K Q6_K, 11",
            "Q4_0 Q4_K Q8_0, 1", "Q4_0 Q4_K Q8_0, 10", "F16 F16, 2"})
    void sharedInputProductsEqualSeparateOnes(String typeNames, int tokens) {
        String[] names = typeNames.split(" ");
        int cols = 256;
        Random rnd = new Random(typeNames.hashCode() * 31L + tokens);
        try (Arena arena = Arena.ofShared()) {
            Tensor[] w = new Tensor[names.length];
            float[][] shared = new float[names.length][], separate = new float[names.length][];
            for (int i = 0; i < names.length; i++) {
                GGMLType type = GGMLType.valueOf(names[i]);
                int rows = 512 + 97 * i; // unequal row counts: chunks straddle the matrices' boundaries
                w[i] = new Tensor("w" + i, TensorFormats.of(type, "w" + i), TensorFormatKernelTest.randomWeights(arena, type, rows, cols, rnd), rows, cols);
                shared[i] = new float[tokens * rows];
                separate[i] = new float[tokens * rows];
            }
            float[] x = TensorFormatKernelTest.randomActivations(cols * tokens, rnd);
            MatMul.multiplyShared(w, x, tokens, shared, new Activations(), POOL);
            for (int i = 0; i < w.length; i++) MatMul.multiply(w[i], x, 0, tokens, separate[i], new Activations(), POOL);
            for (int i = 0; i < w.length; i++) assertArrayEquals(separate[i], shared[i], names[i] + " (weight " + i + ")");
        }
    }
}
