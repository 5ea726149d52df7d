package dev.jllm.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The token-major copies of Q8_0 and Q8_K batches and how many of their tokens go through lane tiles. */
class ActivationsTest {

    @Test
    void fullTilesAndAtLeastHalfFullLastTilesAreLaneTiled() {
        // batch sizes and the tokens the lanes = tokens kernels take, worked out by hand
        int[] counts = {2, 3, 4, 7, 8, 9, 12, 16, 17, 24, 36};
        int[] expected = Simd.FLEN == 16
                ? new int[]{0, 0, 0, 0, 8, 9, 12, 16, 16, 24, 32}
                : new int[]{0, 0, 4, 7, 8, 8, 12, 16, 16, 24, 36};
        int[] got = new int[counts.length];
        Activations a = new Activations();
        for (int i = 0; i < counts.length; i++) {
            ActivationQuantizer.prepare(GGMLType.Q8_0, new float[32 * counts[i]], 0, 32, counts[i], a);
            got[i] = a.laneTiledTokens();
        }
        assertArrayEquals(expected, got, "FLEN = " + Simd.FLEN);
    }

    @Test
    void tokenMajorCopyHoldsEveryTokensQuantsAndZeroPadding() {
        int cols = 64, count = 5, lanes = Simd.FLEN;
        float[] x = new float[cols * count];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.37) * (1 + i % 7);
        Activations a = new Activations();
        ActivationQuantizer.prepare(GGMLType.Q8_0, x, 0, cols, count, a);
        assertEquals(2, a.paddedTiles(), "one tile of tokens, padded to a pair");
        for (int tile = 0; tile < 2; tile++) {
            for (int lane = 0; lane < lanes; lane++) {
                int t = tile * lanes + lane;
                for (int c = 0; c < cols; c++) {
                    float want = t < count ? a.quants[t * cols + c] : 0;
                    assertEquals(want, a.quantsByToken[(tile * cols + c) * lanes + lane], 0f, "token " + t + " value " + c);
                }
                for (int b = 0; b < cols / 32; b++) {
                    float want = t < count ? a.scales[t * 2 + b] : 0;
                    assertEquals(want, a.scalesByToken[(tile * 2 + b) * lanes + lane], 0f, "token " + t + " scale " + b);
                }
            }
        }
    }

    @Test
    void tokenMajorCopyOfFloatBatchesHoldsTheRoundedValues() {
        int cols = 40, count = 3, lanes = Simd.FLEN;
        float[] x = new float[cols * count];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.71) * 3.3f;
        Activations a = new Activations();
        for (GGMLType type : new GGMLType[]{GGMLType.F32, GGMLType.F16, GGMLType.BF16}) {
            ActivationQuantizer.prepare(type, x, 0, cols, count, a);
            for (int tile = 0; tile < a.paddedTiles(); tile++) {
                for (int lane = 0; lane < lanes; lane++) {
                    int t = tile * lanes + lane;
                    for (int c = 0; c < cols; c++) {
                        float want = t < count ? a.values[t * cols + c] : 0;
                        assertEquals(want, a.valuesByToken[(tile * cols + c) * lanes + lane], 0f, type + " token " + t + " value " + c);
                    }
                }
            }
        }
    }

    @Test
    void tokenMajorCopyOfQ8_1BatchesHoldsTheBlockSums() {
        int cols = 64, count = 3, lanes = Simd.FLEN;
        float[] x = new float[cols * count];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.53) * (2 + i % 3);
        Activations a = new Activations();
        ActivationQuantizer.prepare(GGMLType.Q8_1, x, 0, cols, count, a);
        for (int tile = 0; tile < a.paddedTiles(); tile++) {
            for (int lane = 0; lane < lanes; lane++) {
                int t = tile * lanes + lane;
                for (int b = 0; b < cols / 32; b++) {
                    float want = t < count ? a.sums[t * 2 + b] : 0;
                    assertEquals(want, a.sumsByToken[(tile * 2 + b) * lanes + lane], 0f, "token " + t + " sum " + b);
                    if (t < count) assertEquals(a.scales[t * 2 + b], a.scalesByToken[(tile * 2 + b) * lanes + lane], 0f, "token " + t + " scale " + b);
                }
            }
        }
    }

    @Test
    void tokenMajorSumsOfQ8KBatchesAddUpEachTokensQuants() {
        int cols = 512, count = 3, lanes = Simd.FLEN, nb = cols / 256;
        float[] x = new float[cols * count];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(i * 0.11) * (1 + i % 5);
        Activations a = new Activations();
        ActivationQuantizer.prepare(GGMLType.Q8_K, x, 0, cols, count, a);
        for (int tile = 0; tile < a.paddedTiles(); tile++) {
            for (int lane = 0; lane < lanes; lane++) {
                int t = tile * lanes + lane;
                for (int b = 0; b < nb; b++) {
                    for (int j = 0; j < 16; j++) {
                        int want = 0;
                        for (int i = 0; i < 16 && t < count; i++) want += a.quants[t * cols + 256 * b + 16 * j + i];
                        assertEquals(want, a.sums16ByToken[((tile * nb + b) * 16 + j) * lanes + lane], 0f, "token " + t + " block " + b + " sum16 " + j);
                        if (j % 2 == 0) {
                            int pair = want;
                            for (int i = 16; i < 32 && t < count; i++) pair += a.quants[t * cols + 256 * b + 16 * j + i];
                            assertEquals(pair, a.sums32ByToken[((tile * nb + b) * 8 + j / 2) * lanes + lane], 0f, "token " + t + " block " + b + " sum32 " + j / 2);
                        }
                    }
                }
            }
        }
    }
}
