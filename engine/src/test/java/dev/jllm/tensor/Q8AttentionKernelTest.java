package dev.jllm.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Q8_0-cache attention kernel against its scalar twin and against attention over the dequantized cache in doubles. */
class Q8AttentionKernelTest {

    /**
     * A Q8_0 cache of {@code positions} × {@code kvHeads} heads stored through the kernel's own
     * store methods, and queries for {@code tokens} × {@code heads}. The padding of the last tile
     * holds stored random vectors too, so a kernel that read past the positions it may see would
     * show it.
     */
    record Case(int headDim, int heads, int kvHeads, int tokens, int positions,
                byte[] keys, short[] keyScales, byte[] values, short[] valueScales, float[] q) {
        static Case random(long seed, int headDim, int heads, int kvHeads, int tokens, int positions) {
            Random rnd = new Random(seed);
            int region = AttentionKernel.regionSize(positions, headDim);
            byte[] k = new byte[kvHeads * region], v = new byte[k.length];
            short[] ks = new short[k.length / Q8AttentionKernel.BLOCK], vs = new short[ks.length];
            float[] x = new float[headDim];
            for (int h = 0; h < kvHeads; h++) {
                for (int p = 0; p < AttentionKernel.paddedPositions(positions); p++) {
                    for (int i = 0; i < headDim; i++) x[i] = (float) rnd.nextGaussian();
                    Q8AttentionKernel.storeKey(x, 0, headDim, k, ks, h * region, p);
                    for (int i = 0; i < headDim; i++) x[i] = (float) (rnd.nextGaussian() * 3);
                    Q8AttentionKernel.storeValue(x, 0, headDim, v, vs, h * region, p);
                }
            }
            float[] q = new float[tokens * heads * headDim];
            for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian() * 2;
            return new Case(headDim, heads, kvHeads, tokens, positions, k, ks, v, vs, q);
        }

        int group() { return heads / kvHeads; }
        int qDim() { return heads * headDim; }
        int base(int kv) { return kv * AttentionKernel.regionSize(positions, headDim); }
        float scale() { return (float) (1 / Math.sqrt(headDim)); }

        float[] simd(int kv, int window, float softcap) {
            float[] out = new float[tokens * qDim()];
            int h0 = kv * group();
            var rows = new AttentionKernel.Rows(tokens, group(), positions - tokens, window, h0 * headDim, qDim(), h0 * headDim, qDim());
            Q8AttentionKernel.attend(rows, q, keys, keyScales, values, valueScales, base(kv), headDim, scale(), softcap, out);
            return out;
        }

        float[] scalar(int kv, int window, float softcap) {
            float[] out = new float[tokens * qDim()];
            for (int t = 0; t < tokens; t++) {
                int last = positions - tokens + t, first = window > 0 ? Math.max(0, last - window + 1) : 0;
                for (int g = 0; g < group(); g++) {
                    int at = t * qDim() + (kv * group() + g) * headDim;
                    Q8AttentionKernel.attendScalar(q, at, keys, keyScales, values, valueScales, base(kv), headDim,
                            first, last, scale(), softcap, out, at);
                }
            }
            return out;
        }

        /** Plain softmax attention in doubles over the dequantized cache and the Q8_0-quantized query. */
        double[] exact(int kv, int t, int g, int window) {
            int last = positions - tokens + t, first = window > 0 ? Math.max(0, last - window + 1) : 0;
            int qOff = t * qDim() + (kv * group() + g) * headDim, blocks = headDim / Q8AttentionKernel.BLOCK;
            int base = base(kv), sbase = base / Q8AttentionKernel.BLOCK;
            double[] query = new double[headDim]; // quantized to Q8_0 as llama.cpp quantizes it
            for (int b = 0; b < blocks; b++) {
                float amax = 0;
                for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(q[qOff + b * 32 + j]));
                double d = Float.float16ToFloat(Float.floatToFloat16(amax / 127));
                for (int j = 0; j < 32; j++) query[b * 32 + j] = Math.rint(q[qOff + b * 32 + j] * (127f / amax)) * d;
            }
            double[] w = new double[last + 1];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int p = first; p <= last; p++) {
                double dot = 0;
                for (int i = 0; i < headDim; i++) {
                    double key = keys[base + AttentionKernel.keyOffset(p, i, headDim)]
                            * (double) Float.float16ToFloat(keyScales[sbase + Q8AttentionKernel.keyScaleOffset(p, i / Q8AttentionKernel.BLOCK, blocks)]);
                    dot += query[i] * key;
                }
                w[p] = dot * scale();
                max = Math.max(max, w[p]);
            }
            for (int p = first; p <= last; p++) sum += w[p] = Math.exp(w[p] - max);
            double[] out = new double[headDim];
            for (int p = first; p <= last; p++) {
                for (int i = 0; i < headDim; i++) {
                    out[i] += w[p] / sum * values[base + p * headDim + i] * (double) Float.float16ToFloat(valueScales[sbase + p * blocks + i / Q8AttentionKernel.BLOCK]);
                }
            }
            return out;
        }
    }

    @ParameterizedTest(name = "headDim {0}, {1} heads over {2} KV heads, {3} tokens, {4} positions, window {5}, softcap {6}")
    @CsvSource({
            "64, 32, 8, 1, 700, 0, 0",     // a Llama-3.2-1B decoding step
            "64, 32, 8, 16, 300, 0, 0",    // a prompt chunk: causal mask within the chunk
            "128, 8, 8, 3, 50, 0, 0",      // no grouping
            "96, 6, 2, 1, 40, 0, 0",       // Phi-3's head size, 3 heads per group
            "32, 4, 1, 4, 33, 0, 0",       // one block per head; a tile and one position
            "256, 8, 4, 6, 90, 16, 50",    // Gemma 2: sliding window and soft-capped scores
    })
    void matchesTheScalarTwinRowByRow(int headDim, int heads, int kvHeads, int tokens, int positions, int window, float softcap) {
        Case c = Case.random(headDim * 31L + tokens, headDim, heads, kvHeads, tokens, positions);
        for (int kv = 0; kv < kvHeads; kv++) {
            // the scores are the same bits; the exponential differs (within 3e-7) and the
            // maximum's rescaling comes once a tile instead of at every position that raises it
            AttentionKernelTest.assertRowsClose(c.simd(kv, window, softcap), c.scalar(kv, window, softcap), kv, tokens, c.group(), headDim, 1e-5f);
        }
    }

    /** What the kernel computes is attention: against softmax in doubles on the same quantized values, off by float rounding only. */
    @ParameterizedTest(name = "{0} tokens, window {1}")
    @CsvSource({"1, 0", "8, 0", "8, 5"})
    void isAttentionOverTheDequantizedCache(int tokens, int window) {
        Case c = Case.random(17, 64, 8, 2, tokens, 80);
        for (int kv = 0; kv < c.kvHeads(); kv++) {
            float[] simd = c.simd(kv, window, 0);
            for (int t = 0; t < tokens; t++) {
                for (int g = 0; g < c.group(); g++) {
                    double[] exact = c.exact(kv, t, g, window);
                    int at = t * c.qDim() + (kv * c.group() + g) * c.headDim();
                    double worst = 0, largest = 0;
                    for (int i = 0; i < c.headDim(); i++) {
                        worst = Math.max(worst, Math.abs(simd[at + i] - exact[i]));
                        largest = Math.max(largest, Math.abs(exact[i]));
                    }
                    assertTrue(worst <= 1e-5 * largest, "row (" + t + ", " + g + "): differs by " + worst + " (largest " + largest + ")");
                }
            }
        }
    }

    /** Rows sharing a pass get bit for bit what they get alone: scored four or one at a time alike. */
    @ParameterizedTest(name = "{0} tokens, {2} heads per KV head, window {1}")
    @CsvSource({"1, 0, 4", "12, 0, 4", "12, 5, 4", "1, 0, 3", "1, 0, 2", "5, 0, 7"})
    void aRowsResultDoesNotDependOnTheRowsBesideIt(int tokens, int window, int group) {
        Case c = Case.random(9, 64, 2 * group, 2, tokens, 60);
        int kv = 1;
        float[] together = c.simd(kv, window, 0);
        float[] alone = new float[together.length];
        for (int t = 0; t < tokens; t++) {
            for (int g = 0; g < group; g++) {
                int at = t * c.qDim() + (kv * group + g) * c.headDim();
                var row = new AttentionKernel.Rows(1, 1, c.positions() - tokens + t, window, at, c.qDim(), at, c.qDim());
                Q8AttentionKernel.attend(row, c.q(), c.keys(), c.keyScales(), c.values(), c.valueScales(), c.base(kv), c.headDim(), c.scale(), 0, alone);
            }
        }
        for (int i = 0; i < together.length; i++) {
            assertEquals(Float.floatToIntBits(alone[i]), Float.floatToIntBits(together[i]), "value " + i);
        }
    }

    /** Storing quantizes as ggml's quantize_row_q8_0: scale amax/127 rounded to F16, quants round(x·127/amax). */
    @Test
    void storesAsGgmlQuantizesQ8_0() {
        int headDim = 64;
        float[] x = new float[headDim];
        for (int i = 0; i < headDim; i++) x[i] = (i - 20) * 0.37f;
        x[40] = -30f; // the second block's largest magnitude is negative
        byte[] quants = new byte[AttentionKernel.regionSize(20, headDim)];
        short[] scales = new short[quants.length / 32];
        Q8AttentionKernel.storeValue(x, 0, headDim, quants, scales, 0, 3);
        for (int b = 0; b < 2; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]));
            assertEquals(Float.floatToFloat16(amax / 127), scales[3 * 2 + b]);
            for (int j = 0; j < 32; j++) assertEquals((int) Math.rint(x[b * 32 + j] * (127f / amax)), quants[3 * headDim + b * 32 + j], "value " + (b * 32 + j));
        }
        assertEquals(-127, quants[3 * headDim + 40]);
    }
}
