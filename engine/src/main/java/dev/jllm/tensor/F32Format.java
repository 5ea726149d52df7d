package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.FLOAT_LE;
import static dev.jllm.tensor.Simd.LE;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;

/** 32-bit floats. Activations stay F32 (ggml's vec_dot_type for F32 is F32). */
final class F32Format implements FloatFormat {
    @Override public GGMLType type() { return GGMLType.F32; }
    @Override public GGMLType activationType() { return GGMLType.F32; }

    @Override
    public void dequantize(MemorySegment data, long first, float[] out, int outOffset, int count) {
        MemorySegment.copy(data, FLOAT_LE, first * 4, out, outOffset, count);
    }

    @Override
    public float dotScalar(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        float[] a = x.values;
        int base = xRow * cols;
        float sum = 0;
        for (int i = 0; i < cols; i++) sum += data.get(FLOAT_LE, rowOffset + 4L * i) * a[base + i];
        return sum;
    }

    @Override
    public float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        float[] a = x.values;
        int base = xRow * cols;
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        int i = 0;
        // Two accumulators hide the FMA latency; the loop is bound by loading the weights anyway.
        for (; i + 2 * FLEN <= cols; i += 2 * FLEN) {
            acc0 = FloatVector.fromMemorySegment(F, data, rowOffset + 4L * i, LE).fma(FloatVector.fromArray(F, a, base + i), acc0);
            acc1 = FloatVector.fromMemorySegment(F, data, rowOffset + 4L * (i + FLEN), LE).fma(FloatVector.fromArray(F, a, base + i + FLEN), acc1);
        }
        for (; i + FLEN <= cols; i += FLEN) {
            acc0 = FloatVector.fromMemorySegment(F, data, rowOffset + 4L * i, LE).fma(FloatVector.fromArray(F, a, base + i), acc0);
        }
        float sum = Simd.sumLanes(acc0.add(acc1));
        for (; i < cols; i++) sum += data.get(FLOAT_LE, rowOffset + 4L * i) * a[base + i];
        return sum;
    }

    @Override
    public void decodeValues(MemorySegment data, long rowOffset, int first, int count, float[] w, int at) {
        MemorySegment.copy(data, FLOAT_LE, rowOffset + 4L * first, w, at, count);
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        MemorySegment.copy(src, srcOffset, dst, FLOAT_LE, dstOffset, count);
    }
}
