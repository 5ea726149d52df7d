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
 * Q4_0: blocks of 32 values, 18 bytes: an F16 scale d, then 16 bytes of 4-bit quants. Byte j
 * holds value j in its low nibble and value j+16 in its high nibble; value = d · (nibble − 8).
 * Activations are Q8_0.
 */
final class Q4_0Format implements TensorFormat {
    static final int BLOCK = 32, BYTES = 18;

    @Override public GGMLType type() { return GGMLType.Q4_0; }
    @Override public GGMLType activationType() { return GGMLType.Q8_0; }

    @Override
    public void dequantize(MemorySegment data, long first, float[] out, int outOffset, int count) {
        long block0 = first / BLOCK;
        for (int b = 0; b < count / BLOCK; b++) {
            long off = (block0 + b) * BYTES;
            float d = f16(data, off);
            int o = outOffset + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int v = data.get(BYTE, off + 2 + j) & 0xFF;
                out[o + j] = ((v & 0xF) - 8) * d;
                out[o + j + 16] = ((v >>> 4) - 8) * d;
            }
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
            for (int j = 0; j < 16; j++) {
                int v = data.get(BYTE, off + 2 + j) & 0xFF;
                sumi += ((v & 0xF) - 8) * x.quants[q + j] + ((v >>> 4) - 8) * x.quants[q + j + 16];
            }
            sum += sumi * (f16(data, off) * x.scales[xb + b]);
        }
        return sum;
    }

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
            for (int j = 0; j < 16; j += FLEN) {
                ByteVector packed = ByteVector.fromMemorySegment(B_FOR_F, data, off + 2 + j, LE);
                FloatVector lo = (FloatVector) packed.and((byte) 0xF).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0);
                FloatVector hi = (FloatVector) packed.lanewise(VectorOperators.LSHR, 4).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0);
                block = lo.fma(FloatVector.fromArray(F, xq, q + j), block);
                block = hi.fma(FloatVector.fromArray(F, xq, q + j + 16), block);
            }
            acc = block.fma(FloatVector.broadcast(F, f16(data, off) * x.scales[xb + b]), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** ggml's quantize_row_q4_0_ref: the value m of largest magnitude sets d = m / −8. */
    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        for (int b = 0; b < count / BLOCK; b++) {
            int s = srcOffset + b * BLOCK;
            long off = dstOffset + (long) b * BYTES;
            float amax = 0, max = 0;
            for (int j = 0; j < BLOCK; j++) {
                float v = src[s + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            dst.set(SHORT_LE, off, Float.floatToFloat16(d));
            for (int j = 0; j < 16; j++) {
                int x0 = Math.min(15, (byte) (int) (src[s + j] * id + 8.5f));
                int x1 = Math.min(15, (byte) (int) (src[s + j + 16] * id + 8.5f));
                dst.set(BYTE, off + 2 + j, (byte) (x0 | (x1 << 4)));
            }
        }
    }
}
