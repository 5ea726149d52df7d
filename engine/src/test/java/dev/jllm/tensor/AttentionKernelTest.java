package dev.jllm.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The SIMD attention kernel against its scalar twin, row by row, on random caches. */
class AttentionKernelTest {

    /**
     * A cache of {@code positions} × {@code kvHeads} heads in the kernel's layout and queries for
     * {@code tokens} × {@code heads}. Every half of the regions is random, the padding of the last
     * tile included, so a kernel that read past the positions it may see would show it.
     */
    record Case(int headDim, int heads, int kvHeads, int tokens, int positions, short[] keys, short[] values, float[] q) {
        static Case random(long seed, int headDim, int heads, int kvHeads, int tokens, int positions) {
            Random rnd = new Random(seed);
            short[] k = new short[kvHeads * AttentionKernel.regionSize(positions, headDim)], v = new short[k.length];
            for (int i = 0; i < k.length; i++) {
                k[i] = Half.floatToF16((float) rnd.nextGaussian());
                v[i] = Half.floatToF16((float) (rnd.nextGaussian() * 3));
            }
            float[] q = new float[tokens * heads * headDim];
            for (int i = 0; i < q.length; i++) q[i] = Half.roundToF16((float) rnd.nextGaussian() * 2);
            return new Case(headDim, heads, kvHeads, tokens, positions, k, v, q);
        }

        int group() { return heads / kvHeads; }
        int qDim() { return heads * headDim; }
        int base(int kv) { return kv * AttentionKernel.regionSize(positions, headDim); }

        /** The kernel on one KV head's whole group and every token: rows (t, g). */
        float[] simd(int kv, int window, float softcap) {
            float[] out = new float[tokens * qDim()];
            int firstPos = positions - tokens, h0 = kv * group();
            var rows = new AttentionKernel.Rows(tokens, group(), firstPos, window, h0 * headDim, qDim(), h0 * headDim, qDim());
            AttentionKernel.attend(rows, q, keys, values, base(kv), headDim, scale(), softcap, out);
            return out;
        }

        /** The scalar twin, one row at a time, with the causal (and sliding-window) range worked out here. */
        float[] scalar(int kv, int window, float softcap) {
            float[] out = new float[tokens * qDim()];
            for (int t = 0; t < tokens; t++) {
                int last = positions - tokens + t, first = window > 0 ? Math.max(0, last - window + 1) : 0;
                for (int g = 0; g < group(); g++) {
                    int h = kv * group() + g;
                    AttentionKernel.attendScalar(q, t * qDim() + h * headDim, keys, values, base(kv), headDim,
                            first, last, scale(), softcap, out, t * qDim() + h * headDim);
                }
            }
            return out;
        }

        float scale() { return (float) (1 / Math.sqrt(headDim)); }
    }

    @ParameterizedTest(name = "headDim {0}, {1} heads over {2} KV heads, {3} tokens, {4} positions, window {5}, softcap {6}")
    @CsvSource({
            "64, 32, 8, 1, 700, 0, 0",     // a Llama-3.2-1B decoding step
            "64, 32, 8, 16, 300, 0, 0",    // a prompt chunk: causal mask within the chunk
            "128, 8, 8, 3, 50, 0, 0",      // no grouping
            "96, 6, 2, 1, 40, 0, 0",       // Phi-3's head size, 3 heads per group
            "8, 8, 4, 5, 20, 0, 0",        // head smaller than a vector (stories260K)
            "40, 4, 1, 4, 33, 0, 0",       // a head size with a tail after the vectors
            "256, 8, 4, 6, 90, 16, 50",    // Gemma 2: sliding window and soft-capped scores
    })
    void matchesTheScalarTwinRowByRow(int headDim, int heads, int kvHeads, int tokens, int positions, int window, float softcap) {
        Case c = Case.random(headDim * 31L + tokens, headDim, heads, kvHeads, tokens, positions);
        for (int kv = 0; kv < kvHeads; kv++) {
            // the two differ only in the order of each score's sum; through the F16 accumulator
            // that can move a value by an F16 step or two
            assertRowsClose(c.simd(kv, window, softcap), c.scalar(kv, window, softcap), kv, tokens, c.group(), headDim, 4e-3f);
        }
    }

    /**
     * KV head {@code kv}'s rows (t, g) of {@code simd} within {@code relative} of the largest
     * magnitude of the same row of {@code scalar}, and not all zeros. Rows are laid out
     * token-major, heads of {@code headDim} side by side.
     */
    static void assertRowsClose(float[] simd, float[] scalar, int kv, int tokens, int group, int headDim, float relative) {
        int qDim = simd.length / tokens;
        for (int t = 0; t < tokens; t++) {
            for (int g = 0; g < group; g++) {
                int at = t * qDim + (kv * group + g) * headDim;
                float worst = 0, largest = 0;
                for (int i = 0; i < headDim; i++) {
                    worst = Math.max(worst, Math.abs(simd[at + i] - scalar[at + i]));
                    largest = Math.max(largest, Math.abs(scalar[at + i]));
                }
                assertTrue(largest > 0, "row (" + t + ", " + g + ") is all zeros");
                assertTrue(worst <= relative * largest, "row (" + t + ", " + g + ") of KV head " + kv + ": differs by " + worst + " (largest " + largest + ")");
            }
        }
    }

    /** Every finite half (normal, subnormal, ±0) converts exactly as Float.float16ToFloat, in vectors and in the tail. */
    @org.junit.jupiter.api.Test
    void toFloatsConvertsEveryFiniteHalfExactly() {
        short[] halves = new short[0x10000];
        for (int i = 0; i < halves.length; i++) halves[i] = (short) i;
        float[] got = new float[halves.length];
        AttentionKernel.toFloats(halves, 0, got, 0, halves.length - 3); // 3 short of a whole vector: a scalar tail
        AttentionKernel.toFloats(halves, halves.length - 3, got, halves.length - 3, 3);
        int checked = 0;
        for (int i = 0; i < halves.length; i++) {
            short h = halves[i];
            if ((h & 0x7C00) == 0x7C00) continue; // infinities and NaNs: not in a cache
            checked++;
            assertEquals(Float.floatToIntBits(Float.float16ToFloat(h)), Float.floatToIntBits(got[i]), "half 0x" + Integer.toHexString(h & 0xFFFF));
        }
        assertEquals(0x10000 - 2 * 0x400, checked);
    }

    /** Rows sharing a pass get bit for bit what they get alone: sharing only saves conversions. */
    @ParameterizedTest(name = "{0} tokens, window {1}")
    @CsvSource({"1, 0", "12, 0", "12, 5"})
    void aRowsResultDoesNotDependOnTheRowsBesideIt(int tokens, int window) {
        Case c = Case.random(9, 64, 8, 2, tokens, 60);
        int kv = 1, group = c.group();
        float[] together = c.simd(kv, window, 0);
        float[] alone = new float[together.length];
        for (int t = 0; t < tokens; t++) {
            for (int g = 0; g < group; g++) {
                int h = kv * group + g;
                var row = new AttentionKernel.Rows(1, 1, c.positions() - tokens + t, window,
                        t * c.qDim() + h * c.headDim(), c.qDim(), t * c.qDim() + h * c.headDim(), c.qDim());
                AttentionKernel.attend(row, c.q(), c.keys(), c.values(), c.base(kv), c.headDim(), c.scale(), 0, alone);
            }
        }
        for (int i = 0; i < together.length; i++) {
            assertEquals(Float.floatToIntBits(alone[i]), Float.floatToIntBits(together[i]), "value " + i);
        }
    }
}
