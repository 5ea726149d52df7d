package dev.jllm.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.jllm.gguf.GGUFFile;
import dev.jllm.gguf.TensorInfo;
import dev.jllm.testing.TestData;

/**
 * The K-quant and IQ4 formats against llama.cpp's own encodings of one model
 * ({@code models/synth-llama-kq-<type>.gguf}, every matrix in that type) and its unquantized
 * weights ({@code synth-llama-kq-f32.gguf}):
 * <ul>
 *   <li>decoding: every dequantized matrix lies within the format's quantization error of the
 *       F32 original (a wrong bit layout puts values in the wrong place or with the wrong scale
 *       and misses by many quantization steps);</li>
 *   <li>encoding: quantizing the F32 matrices reproduces llama-quantize's bytes exactly, in the
 *       single-type files and in the mixed Q4_K_M / Q5_K_M recipes.</li>
 * </ul>
 */
class KQuantReferenceTest {

    enum Kind {
        Q2_K(GGMLType.Q2_K, "q2_k", 16, 2),
        Q3_K(GGMLType.Q3_K, "q3_k", 16, 3),
        Q4_K(GGMLType.Q4_K, "q4_k", 32, 4),
        Q5_K(GGMLType.Q5_K, "q5_k", 32, 5),
        Q6_K(GGMLType.Q6_K, "q6_k", 16, 6),
        IQ4_NL(GGMLType.IQ4_NL, "iq4_nl", 32, 4),
        IQ4_XS(GGMLType.IQ4_XS, "iq4_xs", 32, 4);

        final GGMLType type;
        final String file;
        /** Values sharing one scale (a sub-block). */
        final int group;
        /** Bits per quant. */
        final int bits;

        Kind(GGMLType type, String file, int group, int bits) {
            this.type = type;
            this.file = file;
            this.group = group;
            this.bits = bits;
        }
    }

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static float[] readF32(GGUFFile f, TensorInfo t) {
        MemorySegment s = f.data(t);
        float[] out = new float[Math.toIntExact(t.elementCount())];
        for (int i = 0; i < out.length; i++) out[i] = s.getAtIndex(F32_LE, i);
        return out;
    }

    /** The 2-D tensors of the quantized file with their F32 originals. */
    private static List<TensorInfo> matrices(GGUFFile q, Kind kind) {
        List<TensorInfo> out = new ArrayList<>();
        for (TensorInfo t : q.tensors().values()) {
            if (t.dims() == 2) {
                assertEquals(kind.type, t.type(), t.name() + " in " + q.path().getFileName());
                out.add(t);
            }
        }
        assertEquals(16, out.size(), "matrices in " + q.path().getFileName());
        return out;
    }

    /** Largest allowed error of one value, in steps of its group (measured: 0.90–1.24). */
    static final double MAX_STEPS = 1.5;
    /** Largest allowed root-mean-square error over a file, in steps (measured: 0.24–0.31). */
    static final double RMS_STEPS = 0.35;

    /**
     * Errors are measured in quantization steps: a group of values sharing one scale (a
     * sub-block) of range r quantized with b bits has step r / (2^b − 1), the level spacing of an
     * ideal uniform quantizer over that range. (The IQ4 codebook is not uniform — its 16 levels
     * span 240 units with gaps of 11 to 24 — but its largest gap is only 1.5 uniform steps.)
     * <ul>
     *   <li>Root mean square: rounding to the nearest level of an ideal uniform quantizer gives
     *       step/√12 ≈ 0.29 steps; the encoders minimize a weighted squared error, so they stay
     *       close to that. The bound 0.35 leaves ~20 % for the coarse (4- to 8-bit) sub-block
     *       scales and F16 super-block scales.</li>
     *   <li>Largest error: half a step from rounding, plus what the encoders accept at a few
     *       values to lower the total — the scale searches try scales that clip the extremes of
     *       a group, and a value whose group scale was rounded down lands further out. The bound
     *       is 1.5 steps.</li>
     * </ul>
     * A decoder bug is far outside both: reading sub-block j's scale for j^1 (Q6_K), its min
     * (Q4_K) or Q2_K's min from the neighbouring sub-block gives errors of 190, 20 and 7 steps
     * (RMS 27, 2.6 and 0.8) on these files.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void dequantizedWeightsMatchOriginal(Kind kind) {
        TensorFormat f = TensorFormats.ofOrNull(kind.type);
        try (GGUFFile orig = GGUFFile.open(TestData.require("models/synth-llama-kq-f32.gguf"));
             GGUFFile q = GGUFFile.open(TestData.require("models/synth-llama-kq-" + kind.file + ".gguf"))) {
            double worst = 0, sumSq = 0;
            long n = 0;
            String worstWhere = "";
            for (TensorInfo t : matrices(q, kind)) {
                float[] ref = readF32(orig, orig.tensorInfo(t.name()));
                float[] deq = new float[ref.length];
                f.dequantize(q.data(t), 0, deq, 0, deq.length);
                for (int g = 0; g < ref.length; g += kind.group) {
                    float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
                    double err = 0;
                    for (int i = g; i < g + kind.group; i++) {
                        min = Math.min(min, ref[i]);
                        max = Math.max(max, ref[i]);
                        err = Math.max(err, Math.abs((double) deq[i] - ref[i]));
                    }
                    double step = ((double) max - min) / ((1 << kind.bits) - 1);
                    if (step == 0) continue; // a constant group has no scale to measure by (none in these files)
                    for (int i = g; i < g + kind.group; i++) {
                        double e = ((double) deq[i] - ref[i]) / step;
                        sumSq += e * e;
                        n++;
                    }
                    double inSteps = err / step;
                    if (inSteps > worst) {
                        worst = inSteps;
                        worstWhere = t.name() + " values " + g + "…" + (g + kind.group - 1);
                    }
                }
            }
            double rms = Math.sqrt(sumSq / n);
            System.out.printf("%s: largest error %.3f steps (%s), rms %.4f steps%n", kind, worst, worstWhere, rms);
            assertTrue(worst <= MAX_STEPS, kind + ": error of " + worst + " steps at " + worstWhere + " (allowed " + MAX_STEPS + ")");
            assertTrue(rms <= RMS_STEPS, kind + ": rms error of " + rms + " steps (allowed " + RMS_STEPS + ")");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void quantizerReproducesLlamaCppBytes(Kind kind) {
        String file = "models/synth-llama-kq-" + kind.file + ".gguf";
        try (GGUFFile q = GGUFFile.open(TestData.require(file))) {
            matrices(q, kind); // every matrix has the named type
        }
        assertQuantizerReproduces(file);
    }

    /**
     * llama.cpp's Q4_K_M and Q5_K_M recipes: Q4_K / Q5_K matrices with Q6_K for output,
     * blk.1.attn_v and blk.1.ffn_down — each matrix re-encoded with the format of its type.
     */
    @ParameterizedTest
    @ValueSource(strings = {"q4_k_m", "q5_k_m"})
    void quantizerReproducesMixedRecipes(String recipe) {
        String file = "models/synth-llama-kq-" + recipe + ".gguf";
        try (GGUFFile q = GGUFFile.open(TestData.require(file))) {
            assertEquals(GGMLType.Q6_K, q.tensorInfo("output.weight").type());
            assertEquals(GGMLType.Q6_K, q.tensorInfo("blk.1.ffn_down.weight").type());
            assertEquals(recipe.startsWith("q4") ? GGMLType.Q4_K : GGMLType.Q5_K, q.tensorInfo("blk.0.ffn_down.weight").type());
        }
        assertQuantizerReproduces(file);
    }

    /** Quantizes every 2-D tensor of the F32 file with the type it has in {@code file}; compares block by block. */
    private static void assertQuantizerReproduces(String file) {
        try (GGUFFile orig = GGUFFile.open(TestData.require("models/synth-llama-kq-f32.gguf"));
             GGUFFile q = GGUFFile.open(TestData.require(file));
             Arena arena = Arena.ofConfined()) {
            int matrices = 0, blocks = 0, wrong = 0;
            String firstWrong = null;
            for (TensorInfo t : q.tensors().values()) {
                if (t.dims() != 2) continue;
                matrices++;
                TensorFormat f = TensorFormats.ofOrNull(t.type());
                float[] src = readF32(orig, orig.tensorInfo(t.name()));
                MemorySegment expected = q.data(t);
                MemorySegment mine = arena.allocate(expected.byteSize());
                f.quantize(src, 0, src.length, mine, 0);
                int bytes = t.type().bytesPerBlock;
                for (long off = 0; off < expected.byteSize(); off += bytes) {
                    blocks++;
                    if (MemorySegment.mismatch(expected, off, off + bytes, mine, off, off + bytes) >= 0) {
                        wrong++;
                        if (firstWrong == null) firstWrong = t.name() + " (" + t.type() + ") block " + off / bytes;
                    }
                }
            }
            assertEquals(16, matrices, "matrices in " + file);
            assertEquals(0, wrong, file + ": " + wrong + " of " + blocks + " blocks differ from llama.cpp's, first at " + firstWrong);
        }
    }
}
