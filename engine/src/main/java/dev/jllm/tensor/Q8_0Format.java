package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.BYTE;
import static dev.jllm.tensor.Simd.B_FOR_F;
import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.LE;
import static dev.jllm.tensor.Simd.SHORT_LE;
import static dev.jllm.tensor.Simd.f16;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q8_0: blocks of 32 values, 34 bytes: an F16 scale d, then 32 int8 quants; value = d · q.
 * Activations are Q8_0 too, so a block's dot product is d_w · d_x · Σ q_w · q_x.
 */
final class Q8_0Format implements TensorFormat {
    static final int BLOCK = 32, BYTES = 34;

    @Override public GGMLType type() { return GGMLType.Q8_0; }
    @Override public GGMLType activationType() { return GGMLType.Q8_0; }

    @Override
    public void dequantize(MemorySegment data, long first, float[] out, int outOffset, int count) {
        long block0 = first / BLOCK;
        for (int b = 0; b < count / BLOCK; b++) {
            long off = (block0 + b) * BYTES;
            float d = f16(data, off);
            for (int j = 0; j < BLOCK; j++) out[outOffset + b * BLOCK + j] = d * data.get(BYTE, off + 2 + j);
        }
    }

    @Override
    public float dotScalar(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float sum = 0;
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q = (xb + b) * BLOCK;
            int sumi = 0;
            for (int j = 0; j < BLOCK; j++) sumi += data.get(BYTE, off + 2 + j) * x.quants[q + j];
            sum += sumi * (f16(data, off) * x.scales[xb + b]);
        }
        return sum;
    }

    /**
     * Per block: widen the int8 weights to float (exact), multiply with the activation quants
     * (kept as floats, exact), sum within the block exactly, then scale once by d_w · d_x.
     */
    @Override
    public float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        int nb = cols / BLOCK;
        int xb = xRow * nb;
        float[] xq = x.quantsAsFloat;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long off = rowOffset + (long) b * BYTES;
            int q = (xb + b) * BLOCK;
            FloatVector block = FloatVector.zero(F);
            for (int j = 0; j < BLOCK; j += FLEN) {
                FloatVector w = (FloatVector) ByteVector.fromMemorySegment(B_FOR_F, data, off + 2 + j, LE).convertShape(VectorOperators.B2F, F, 0);
                block = w.fma(FloatVector.fromArray(F, xq, q + j), block);
            }
            acc = block.fma(FloatVector.broadcast(F, f16(data, off) * x.scales[xb + b]), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** ggml's quantize_row_q8_0_ref: d = max|x| / 127 (F16), q = roundf(x / d). */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        for (int b = 0; b < count / BLOCK; b++) {
            int s = srcOffset + b * BLOCK;
            long off = dstOffset + (long) b * BYTES;
            float amax = 0;
            for (int j = 0; j < BLOCK; j++) amax = Math.max(amax, Math.abs(src[s + j]));
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            dst.set(SHORT_LE, off, Float.floatToFloat16(d));
            for (int j = 0; j < BLOCK; j++) dst.set(BYTE, off + 2 + j, (byte) QuantMath.roundHalfAway(src[s + j] * id));
        }
    }
}
