package dev.jllm.tensor;

/**
 * Converts float activation rows into the encoding a weight type multiplies with, bit-for-bit as
 * llama.cpp's x86 code does (its AVX2 quantize_row_q8_0 / q8_1 and the reference q8_K):
 * <ul>
 *   <li>Q8_0 / Q8_1, blocks of 32: d = max|x| / 127 stored as F16, quants = round-half-even(x · 127/max|x|);
 *       Q8_1 also stores s = d · Σquants as F16.</li>
 *   <li>Q8_K, blocks of 256: the value with the largest magnitude m sets iscale = −127/m, quants =
 *       min(127, round-half-even(iscale · x)), d = 1/iscale as F32, plus the sum of each 16 quants.</li>
 *   <li>F16 / BF16: each value rounded to nearest even; F32: copied.</li>
 * </ul>
 * This is O(n) work per product against O(n·rows) for the product itself, so it is plain Java.
 */
public final class ActivationQuantizer {
    private ActivationQuantizer() {}

    /** Converts {@code count} rows of {@code cols} floats starting at {@code x[offset]} into {@code out}. */
    public static void prepare(GGMLType type, float[] x, int offset, int cols, int count, Activations out) {
        out.reset(type, cols, count);
        int n = cols * count;
        switch (type) {
            case F32, F16, BF16 -> {
                if (type == GGMLType.F32) System.arraycopy(x, offset, out.values, 0, n);
                else if (type == GGMLType.F16) for (int i = 0; i < n; i++) out.values[i] = Half.roundToF16(x[offset + i]);
                else for (int i = 0; i < n; i++) out.values[i] = Half.roundToBf16(x[offset + i]);
                if (count > 1 && Simd.WIDE) transposeValues(out);
            }
            case Q8_0, Q8_1 -> {
                requireMultiple(cols, 32, type);
                for (int b = 0; b < n / 32; b++) quantizeBlock32(x, offset + b * 32, out, b);
                if (count > 1 && Simd.WIDE) transpose(out, 32);
            }
            case Q8_K -> {
                requireMultiple(cols, 256, type);
                for (int b = 0; b < n / 256; b++) quantizeBlock256(x, offset + b * 256, out, b);
                if (count > 1 && Simd.WIDE) {
                    transpose(out, 256);
                    transposeSums(out);
                }
            }
            default -> throw new IllegalArgumentException(type + " is not an activation encoding");
        }
    }

    private static void requireMultiple(int cols, int block, GGMLType type) {
        if (cols % block != 0) throw new IllegalArgumentException("row length " + cols + " is not a multiple of the " + type + " block size " + block);
    }

    private static void quantizeBlock32(float[] x, int from, Activations out, int block) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[from + j]));
        float d = amax / 127.0f;
        float id = amax != 0 ? 127.0f / amax : 0.0f;
        int base = block * 32;
        int sum = 0;
        for (int j = 0; j < 32; j++) {
            int q = (int) Math.rint(x[from + j] * id);
            out.quants[base + j] = (byte) q;
            out.quantsAsShort[base + j] = (short) q;
            out.quantsAsFloat[base + j] = q;
            sum += q;
        }
        float dh = Half.roundToF16(d);
        out.scales[block] = dh;
        out.sums[block] = Half.roundToF16(d * sum);
        for (int j = 0; j < 32; j++) out.dequantized[base + j] = out.quantsAsFloat[base + j] * dh;
    }

    /** Fills the token-major values of a float batch (see {@link Activations#valuesByToken}). */
    private static void transposeValues(Activations a) {
        int cols = a.cols, lanes = Simd.FLEN;
        for (int tile = 0; tile < a.paddedTiles(); tile++) {
            for (int lane = 0; lane < lanes; lane++) {
                int t = tile * lanes + lane;
                boolean real = t < a.count;
                for (int c = 0; c < cols; c++) a.valuesByToken[(tile * cols + c) * lanes + lane] = real ? a.values[t * cols + c] : 0;
            }
        }
    }

    /** Fills the token-major quants and scales (and Q8_1's sums) of a batch (see {@link Activations#quantsByToken}). */
    private static void transpose(Activations a, int block) {
        int cols = a.cols, nb = cols / block, lanes = Simd.FLEN;
        for (int tile = 0; tile < a.paddedTiles(); tile++) {
            for (int lane = 0; lane < lanes; lane++) {
                int t = tile * lanes + lane;
                boolean real = t < a.count;
                for (int c = 0; c < cols; c++) a.quantsByToken[(tile * cols + c) * lanes + lane] = real ? a.quantsAsFloat[t * cols + c] : 0;
                for (int b = 0; b < nb; b++) a.scalesByToken[(tile * nb + b) * lanes + lane] = real ? a.scales[t * nb + b] : 0;
                if (a.type == GGMLType.Q8_1) {
                    for (int b = 0; b < nb; b++) a.sumsByToken[(tile * nb + b) * lanes + lane] = real ? a.sums[t * nb + b] : 0;
                }
            }
        }
    }

    /** Q8_K batches: the token-major sums of each 32 and each 16 quants, for the min terms of Q4_K, Q5_K and Q2_K. */
    private static void transposeSums(Activations a) {
        int nb = a.cols / 256, lanes = Simd.FLEN;
        for (int tile = 0; tile < a.paddedTiles(); tile++) {
            for (int lane = 0; lane < lanes; lane++) {
                int t = tile * lanes + lane;
                boolean real = t < a.count;
                for (int b = 0; b < nb; b++) {
                    for (int j = 0; j < 8; j++) {
                        int s16 = (t * nb + b) * 16 + 2 * j;
                        a.sums32ByToken[((tile * nb + b) * 8 + j) * lanes + lane] = real ? a.blockSums16[s16] + a.blockSums16[s16 + 1] : 0;
                    }
                    for (int j = 0; j < 16; j++) {
                        a.sums16ByToken[((tile * nb + b) * 16 + j) * lanes + lane] = real ? a.blockSums16[(t * nb + b) * 16 + j] : 0;
                    }
                }
            }
        }
    }

    private static void quantizeBlock256(float[] x, int from, Activations out, int block) {
        float amax = 0, max = 0;
        for (int j = 0; j < 256; j++) {
            float ax = Math.abs(x[from + j]);
            if (ax > amax) {
                amax = ax;
                max = x[from + j];
            }
        }
        int base = block * 256;
        if (amax == 0) {
            out.scales[block] = 0;
            for (int j = 0; j < 256; j++) {
                out.quants[base + j] = 0;
                out.quantsAsFloat[base + j] = 0;
                out.quantsAsShort[base + j] = 0;
            }
            for (int g = 0; g < 16; g++) out.blockSums16[block * 16 + g] = 0;
            for (int g = 0; g < 8; g++) out.blockSums32[block * 8 + g] = 0;
            return;
        }
        float iscale = -127.0f / max;
        for (int j = 0; j < 256; j++) {
            int q = Math.min(127, (int) Math.rint(iscale * x[from + j]));
            out.quants[base + j] = (byte) q;
            out.quantsAsShort[base + j] = (short) q;
            out.quantsAsFloat[base + j] = q;
        }
        for (int g = 0; g < 16; g++) {
            int s = 0;
            for (int j = 0; j < 16; j++) s += out.quants[base + g * 16 + j];
            out.blockSums16[block * 16 + g] = (short) s;
        }
        for (int g = 0; g < 8; g++) out.blockSums32[block * 8 + g] = out.blockSums16[block * 16 + 2 * g] + out.blockSums16[block * 16 + 2 * g + 1];
        out.scales[block] = 1 / iscale;
    }
}
