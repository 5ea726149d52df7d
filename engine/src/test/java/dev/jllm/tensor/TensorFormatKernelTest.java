package dev.jllm.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every tensor format's SIMD kernels (dot, matvec, matmul) against its scalar twin, on random
 * blocks — raw random bytes (so every bit pattern of the quants occurs) and quantized random
 * floats — and row lengths that are not a multiple of the vector width where the format allows.
 * The kernels assume FLEN float lanes (16 with AVX-512, 8 with AVX2); run this class once with
 * {@code -DargLine=... -XX:MaxVectorSize=32} to exercise the 8-lane paths on an AVX-512 machine.
 */
class TensorFormatKernelTest {

    static Stream<Arguments> formatsAndLengths() {
        List<Arguments> out = new ArrayList<>();
        for (GGMLType t : GGMLType.values()) {
            TensorFormat f = TensorFormats.ofOrNull(t);
            if (f == null) continue;
            int block = Math.max(t.blockSize, f.activationType().blockSize);
            int[] lengths = block == 1 ? new int[]{1, 7, 15, 16, 17, 33, 64, 100, 257, 2048} : new int[]{block, 2 * block, 3 * block, 8 * block, 2048};
            for (int cols : IntStream.of(lengths).distinct().toArray()) {
                if (cols % block == 0) out.add(Arguments.of(t, cols));
            }
        }
        return out.stream();
    }

    /**
     * Byte offsets of the F16 scale fields inside one block of each quantized type (the
     * {@code ggml_half} members of its {@code block_*} struct): raw random blocks get valid,
     * finite values there so that products stay finite.
     */
    static int[] f16Fields(GGMLType t) {
        return switch (t) {
            case Q4_0, Q5_0, Q8_0, IQ4_NL, IQ4_XS -> new int[]{0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[]{0, 2};
            case Q2_K -> new int[]{80, 82};
            case Q3_K -> new int[]{108};
            case Q6_K -> new int[]{208};
            default -> throw new AssertionError("no F16 field table for " + t + ": add one");
        };
    }

    /**
     * A random matrix. Odd rows of quantized types are raw random bytes — every bit pattern of
     * quants, packed scales and high bits occurs, including ones no encoder writes (negative
     * Q6_K/Q3_K scales at their extremes, large mins) — with valid F16 scales. Even rows (and all
     * rows of float types) are quantized random floats, with zeros now and then.
     */
    static MemorySegment randomWeights(Arena arena, GGMLType t, int rows, int cols, Random rnd) {
        TensorFormat f = TensorFormats.ofOrNull(t);
        long rowBytes = f.rowBytes(cols);
        MemorySegment seg = arena.allocate(rowBytes * rows, 64);
        float[] values = new float[cols];
        for (int r = 0; r < rows; r++) {
            if (t.isQuantized() && r % 2 == 1) {
                randomBlocks(seg, r * rowBytes, cols / t.blockSize, t, rnd);
                continue;
            }
            for (int i = 0; i < cols; i++) values[i] = (float) (rnd.nextGaussian() * (r % 3 == 0 ? 0.02 : 1.5));
            if (r % 4 == 0) values[rnd.nextInt(cols)] = 0; // zeros and a zero block now and then
            f.quantize(values, 0, cols, seg, r * rowBytes);
        }
        return seg;
    }

    static void randomBlocks(MemorySegment seg, long offset, int blocks, GGMLType t, Random rnd) {
        byte[] bytes = new byte[blocks * t.bytesPerBlock];
        rnd.nextBytes(bytes);
        MemorySegment.copy(bytes, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, offset, bytes.length);
        for (int b = 0; b < blocks; b++) {
            for (int field : f16Fields(t)) {
                short h = Float.floatToFloat16((float) (rnd.nextGaussian() * 0.01));
                seg.set(Simd.SHORT_LE, offset + (long) b * t.bytesPerBlock + field, h);
            }
        }
    }

    static float[] randomActivations(int n, Random rnd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextGaussian() * (i % 64 < 32 ? 3 : 0.001));
        return x;
    }

    static void assertClose(float expected, float actual, float scale, String what) {
        float tol = 1e-5f * Math.max(1, scale);
        assertTrue(Math.abs(expected - actual) <= tol, what + ": expected " + expected + " got " + actual + " (tol " + tol + ")");
    }

    @ParameterizedTest(name = "{0} cols={1}")
    @MethodSource("formatsAndLengths")
    void simdKernelsMatchScalarTwin(GGMLType type, int cols) {
        TensorFormat f = TensorFormats.ofOrNull(type);
        assumeTrue(hasSimdGemv(), "no SIMD kernels for " + Kernels.vectorBits() + "-bit vectors");
        Random rnd = new Random(type.ordinal() * 1000L + cols);
        int rows = 13, tokens = 3;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = randomWeights(arena, type, rows, cols, rnd);
            float[] x = randomActivations(cols * tokens, rnd);
            Activations a = new Activations();
            ActivationQuantizer.prepare(f.activationType(), x, 0, cols, tokens, a);
            long rowBytes = f.rowBytes(cols);

            // Each product is judged against its own Σ|w·x|: rows of very different size (0.02 vs
            // 1.5 scales, raw random blocks) must each agree with the scalar twin.
            float[] expected = new float[tokens * rows];
            float[] scale = new float[tokens * rows];
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < rows; r++) {
                    expected[t * rows + r] = f.dotScalar(w, r * rowBytes, a, t, cols);
                    scale[t * rows + r] = magnitude(f, w, r, rowBytes, cols, a, t);
                }
            }
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < rows; r++) {
                    assertClose(expected[t * rows + r], f.dot(w, r * rowBytes, a, t, cols), scale[t * rows + r], "dot row " + r + " token " + t);
                }
                float[] mv = new float[rows + 2];
                f.matvec(w, rowBytes, 1, rows, a, t, mv, 2);
                for (int r = 1; r < rows; r++) assertClose(expected[t * rows + r], mv[2 + r - 1], scale[t * rows + r], "matvec row " + r + " token " + t);
            }
            float[] mm = new float[tokens * rows];
            if (Simd.WIDE) {
                f.matmul(w, rowBytes, 0, rows, a, mm, rows);
            } else { // 128 bits: MatMul takes a batch token by token through the gemv
                try (WorkerPool pool = new WorkerPool(1)) {
                    MatMul.multiplyPrepared(new Tensor("w", f, w, rows, cols), a, mm, pool);
                }
            }
            for (int i = 0; i < mm.length; i++) assertClose(expected[i], mm[i], scale[i], "matmul element " + i);
        }
    }

    /** Whether the formats' dot and matvec are SIMD kernels at this vector width: all of them at 128 bits and more. */
    static boolean hasSimdGemv() {
        return Simd.WIDE || Simd.NARROW_128;
    }

    /**
     * The K-quant kernels agree with their scalar twins bit for bit: those that reproduce
     * llama.cpp's x86 float order (Q4_K: the repacked gemv and gemm; Q5_K, Q6_K: the AVX2 lanes
     * of ggml_vec_dot), and Q2_K and Q3_K, whose integer sums are exact in every kernel. Q4_K's
     * matmul takes the first count − count mod 4 activation rows in the gemm order and the rest
     * in the gemv order.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GGMLType.class, names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void kQuantKernelsMatchScalarTwinBitForBit(GGMLType type) {
        TensorFormat f = TensorFormats.ofOrNull(type);
        assumeTrue(hasSimdGemv(), "no SIMD kernels for " + Kernels.vectorBits() + "-bit vectors");
        int rows = 15, cols = 768, tokens = 7; // odd: the batched kernels pair rows
        Random rnd = new Random(41 + type.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = randomWeights(arena, type, rows, cols, rnd);
            float[] x = randomActivations(cols * tokens, rnd);
            Activations a = new Activations();
            ActivationQuantizer.prepare(f.activationType(), x, 0, cols, tokens, a);
            long rowBytes = f.rowBytes(cols);
            float[] mm = new float[tokens * rows];
            if (Simd.WIDE) f.matmul(w, rowBytes, 0, rows, a, mm, rows);
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < rows; r++) {
                    float gemv = f.dotScalar(w, r * rowBytes, a, t, cols);
                    assertEquals(gemv, f.dot(w, r * rowBytes, a, t, cols), 0f, "dot row " + r + " token " + t);
                    if (!Simd.WIDE) continue; // no batched kernels at 128 bits
                    float batch = f.dotScalarInBatch(w, r * rowBytes, a, t, cols);
                    if (type == GGMLType.Q4_K) assertEquals(Q4_KFormat.dotScalar(w, r * rowBytes, a, t, cols, t < 4), batch, 0f, "gemm rows");
                    assertEquals(batch, mm[t * rows + r], 0f, "matmul row " + r + " token " + t);
                }
            }
        }
    }

    static Stream<Arguments> batchShapes() {
        List<Arguments> out = new ArrayList<>();
        int[][] shapes = {{1, 2}, {2, 5}, {7, 8}, {13, 9}, {16, 17}, {33, 36}};
        for (GGMLType t : GGMLType.values()) {
            TensorFormat f = TensorFormats.ofOrNull(t);
            if (f == null) continue;
            for (int[] rt : shapes) out.add(Arguments.of(t, rt[0], rt[1]));
        }
        return out.stream();
    }

    /**
     * The batched and multi-row paths with row and token counts around their tile sizes (4 rows
     * × 2·FLEN tokens and the per-token rest for the {@link Block32Format}s, 2 rows × 2·FLEN
     * tokens and the rest for the {@link SuperBlockFormat}s, FLEN-token tiles and the gemm/gemv
     * split at count − count mod 4 for the K-quants): matmul on a row sub-range and matvec of
     * every activation row against the scalar twin, and the exact-order paths bit for bit.
     */
    @ParameterizedTest(name = "{0} rows={1} tokens={2}")
    @MethodSource("batchShapes")
    void batchedKernelsMatchScalarTwin(GGMLType type, int rows, int tokens) {
        TensorFormat f = TensorFormats.ofOrNull(type);
        assumeTrue(Simd.WIDE, "no batched kernels at " + Kernels.vectorBits() + " bits");
        int block = Math.max(type.blockSize, f.activationType().blockSize);
        int cols = Math.max(2 * block, 512 / block * block);
        Random rnd = new Random(type.ordinal() * 31L + rows * 7L + tokens);
        boolean exact = type == GGMLType.Q2_K || type == GGMLType.Q3_K || type == GGMLType.Q4_K || type == GGMLType.Q5_K || type == GGMLType.Q6_K;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = randomWeights(arena, type, rows + 3, cols, rnd);
            float[] x = randomActivations(cols * tokens, rnd);
            Activations a = new Activations();
            ActivationQuantizer.prepare(f.activationType(), x, 0, cols, tokens, a);
            long rowBytes = f.rowBytes(cols);
            int stride = rows + 3, r0 = 1, r1 = 1 + rows;
            float[] mm = new float[tokens * stride];
            java.util.Arrays.fill(mm, Float.NaN);
            f.matmul(w, rowBytes, r0, r1, a, mm, stride);
            int gemmRows = tokens - tokens % 4;
            boolean tokenLanes = f instanceof Block32Format || f instanceof SuperBlockFormat;
            for (int t = 0; t < tokens; t++) {
                float[] mv = new float[rows];
                f.matvec(w, rowBytes, r0, r1, a, t, mv, 0);
                for (int r = r0; r < r1; r++) {
                    float expected = f.dotScalar(w, r * rowBytes, a, t, cols);
                    float batch = type == GGMLType.Q4_K ? Q4_KFormat.dotScalar(w, r * rowBytes, a, t, cols, t < gemmRows) : expected;
                    String where = " row " + r + " token " + t;
                    if (exact) {
                        assertEquals(expected, mv[r - r0], 0f, "matvec" + where);
                        assertEquals(batch, mm[t * stride + r], 0f, "matmul" + where);
                    } else if (tokenLanes && tokens > 1 && t < a.laneTiledTokens()) {
                        assertClose(expected, mv[r - r0], magnitude(f, w, r, rowBytes, cols, a, t), "matvec" + where);
                        assertEquals(expected, mm[t * stride + r], 0f, "matmul (token lanes)" + where);
                    } else {
                        float scale = magnitude(f, w, r, rowBytes, cols, a, t);
                        assertClose(expected, mv[r - r0], scale, "matvec" + where);
                        assertClose(expected, mm[t * stride + r], scale, "matmul" + where);
                    }
                }
                // the columns outside [r0, r1) are not written
                assertTrue(Float.isNaN(mm[t * stride]) && Float.isNaN(mm[t * stride + r1]), "matmul wrote outside its rows, token " + t);
            }
        }
    }

    /** Σ|w·x| of a row: the scale against which float rounding differences are judged. */
    static float magnitude(TensorFormat f, MemorySegment w, int r, long rowBytes, int cols, Activations a, int t) {
        float[] deq = new float[cols];
        f.dequantize(w, (long) r * cols, deq, 0, cols);
        float[] xd = dequantizedActivations(a, t, cols);
        float s = 0;
        for (int i = 0; i < cols; i++) s += Math.abs(deq[i] * xd[i]);
        return s;
    }

    static float[] dequantizedActivations(Activations a, int t, int cols) {
        float[] out = new float[cols];
        switch (a.type()) {
            case F32, F16, BF16 -> System.arraycopy(a.values, t * cols, out, 0, cols);
            case Q8_0, Q8_1 -> { for (int i = 0; i < cols; i++) out[i] = a.quants[t * cols + i] * a.scales[(t * cols + i) / 32]; }
            case Q8_K -> { for (int i = 0; i < cols; i++) out[i] = a.quants[t * cols + i] * a.scales[(t * cols + i) / 256]; }
            default -> throw new AssertionError();
        }
        return out;
    }

    /** The scalar twin itself against the plain definition: Σ dequantize(w) · dequantize(x). */
    @ParameterizedTest(name = "{0} cols={1}")
    @MethodSource("formatsAndLengths")
    void scalarTwinEqualsDequantizedProduct(GGMLType type, int cols) {
        TensorFormat f = TensorFormats.ofOrNull(type);
        Random rnd = new Random(7 + type.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = randomWeights(arena, type, 4, cols, rnd);
            float[] x = randomActivations(cols, rnd);
            Activations a = new Activations();
            ActivationQuantizer.prepare(f.activationType(), x, 0, cols, 1, a);
            float[] xd = dequantizedActivations(a, 0, cols);
            for (int r = 0; r < 4; r++) {
                float[] deq = new float[cols];
                f.dequantize(w, (long) r * cols, deq, 0, cols);
                double exact = 0, mag = 0;
                for (int i = 0; i < cols; i++) {
                    exact += (double) deq[i] * xd[i];
                    mag += Math.abs((double) deq[i] * xd[i]);
                }
                float got = f.dotScalar(w, r * f.rowBytes(cols), a, 0, cols);
                // Q8_1's per-block sum is stored as F16, so Q4_1/Q5_1 carry an extra relative error of 2^-11 of that term.
                double tol = 1e-5 * Math.max(1, mag) + (f.activationType() == GGMLType.Q8_1 ? 1e-3 * mag : 0);
                assertEquals(exact, got, tol, "row " + r);
            }
        }
    }
}
