package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.SHORT_LE;

import java.lang.foreign.MemorySegment;

/**
 * The common part of ggml's quantize_row_q4_K_ref and quantize_row_q5_K_ref, which differ only
 * in nmax (15 / 31) and the parameters of the scale search (rmin −1 / −0.5, nstep 20 / 15):
 * <ol>
 *   <li>per 32 values: weights rms(x) + |x|, {@code make_qkx2_quants} → a scale and a min;</li>
 *   <li>scales and mins quantized to 6 bits against their maxima (inverse 63/max, clamped to
 *       63 after C's uint8_t truncation), d = maxScale/63 and dmin = maxMin/63 as F16;</li>
 *   <li>every quant recomputed as round((x + dmin·m)/(d·sc)) clamped to [0, nmax] from the
 *       F16-rounded values — except in sub-blocks whose d·sc is 0, which keep step 1's quants.</li>
 * </ol>
 * Writes d, dmin and the packed scales; leaves the 256 quants in {@link #quants} for the caller
 * to pack. One instance per quantize call (it holds scratch buffers).
 */
final class KQuant45Encoder {
    private final int nmax;
    private final float rmin, rdelta;
    private final int nstep;

    final byte[] quants = new byte[256];
    private final byte[] laux = new byte[32];
    private final float[] weights = new float[32];
    private final float[] mins = new float[8];
    private final float[] scales = new float[8];
    private final int[] ls = new int[8];
    private final int[] lm = new int[8];

    KQuant45Encoder(int nmax, float rmin, float rdelta, int nstep) {
        this.nmax = nmax;
        this.rmin = rmin;
        this.rdelta = rdelta;
        this.nstep = nstep;
    }

    void encode(float[] src, int x, MemorySegment dst, long dOff, long dminOff, long scalesOff) {
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += src[x + 32 * j + l] * src[x + 32 * j + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(src[x + 32 * j + l]);
            scales[j] = KQuantSearch.makeQkx2Quants(32, nmax, src, x + 32 * j, weights, quants, 32 * j, mins, j, laux, rmin, rdelta, nstep, false);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        for (int j = 0; j < 8; j++) {
            ls[j] = Math.min(63, QuantMath.nearestInt(invScale * scales[j]) & 0xFF);
            lm[j] = Math.min(63, QuantMath.nearestInt(invMin * mins[j]) & 0xFF);
        }
        KScales.packK4(ls, lm, dst, scalesOff);
        short dBits = Float.floatToFloat16(maxScale / 63.f);
        short dminBits = Float.floatToFloat16(maxMin / 63.f);
        dst.set(SHORT_LE, dOff, dBits);
        dst.set(SHORT_LE, dminOff, dminBits);

        float dq = Float.float16ToFloat(dBits), dminq = Float.float16ToFloat(dminBits);
        for (int j = 0; j < 8; j++) {
            float d = dq * ls[j];
            if (d == 0) continue;
            float dm = dminq * lm[j];
            for (int i = 0; i < 32; i++) {
                int l = QuantMath.nearestInt((src[x + 32 * j + i] + dm) / d);
                quants[32 * j + i] = (byte) Math.max(0, Math.min(nmax, l));
            }
        }
    }
}
