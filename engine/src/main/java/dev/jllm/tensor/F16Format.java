package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;
import static dev.jllm.tensor.Simd.I_FOR_F;
import static dev.jllm.tensor.Simd.LE;
import static dev.jllm.tensor.Simd.SHORT_LE;
import static dev.jllm.tensor.Simd.S_FOR_F;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * IEEE half floats. Like ggml, activations are rounded to F16 and the products summed in F32.
 */
final class F16Format implements FloatFormat {
    @Override public GGMLType type() { return GGMLType.F16; }
    @Override public GGMLType activationType() { return GGMLType.F16; }

    @Override
    public void dequantize(MemorySegment data, long first, float[] out, int outOffset, int count) {
        for (int i = 0; i < count; i++) out[outOffset + i] = Float.float16ToFloat(data.get(SHORT_LE, 2 * (first + i)));
    }

    @Override
    public float dotScalar(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        float[] a = x.values;
        int base = xRow * cols;
        float sum = 0;
        for (int i = 0; i < cols; i++) sum += Float.float16ToFloat(data.get(SHORT_LE, rowOffset + 2L * i)) * a[base + i];
        return sum;
    }

    /**
     * Converts FLEN halves to floats with integer operations (the Vector API has no half-float
     * conversion): move exponent and mantissa into float position and multiply by 2^112 to
     * re-bias the exponent — exact for normal and subnormal values. Infinities and NaNs (exponent
     * 31) are not handled: model weights are finite, and a select would not compile to a blend here.
     */
    static FloatVector load(MemorySegment data, long offset) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S_FOR_F, data, offset, LE).convertShape(VectorOperators.S2I, I_FOR_F, 0);
        FloatVector magnitude = ((FloatVector) h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretShape(F, 0)).mul(0x1p112f);
        return (FloatVector) ((IntVector) magnitude.reinterpretShape(I_FOR_F, 0)).or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretShape(F, 0);
    }

    @Override
    public float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        float[] a = x.values;
        int base = xRow * cols;
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * FLEN <= cols; i += 2 * FLEN) {
            acc0 = load(data, rowOffset + 2L * i).fma(FloatVector.fromArray(F, a, base + i), acc0);
            acc1 = load(data, rowOffset + 2L * (i + FLEN)).fma(FloatVector.fromArray(F, a, base + i + FLEN), acc1);
        }
        for (; i + FLEN <= cols; i += FLEN) {
            acc0 = load(data, rowOffset + 2L * i).fma(FloatVector.fromArray(F, a, base + i), acc0);
        }
        float sum = Simd.sumLanes(acc0.add(acc1)); // fixed order: the same result interpreted and compiled
        for (; i < cols; i++) sum += Float.float16ToFloat(data.get(SHORT_LE, rowOffset + 2L * i)) * a[base + i];
        return sum;
    }

    @Override
    public void decodeValues(MemorySegment data, long rowOffset, int first, int count, float[] w, int at) {
        int i = 0;
        for (; i + FLEN <= count; i += FLEN) load(data, rowOffset + 2L * (first + i)).intoArray(w, at + i);
        for (; i < count; i++) w[at + i] = Float.float16ToFloat(data.get(SHORT_LE, rowOffset + 2L * (first + i)));
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        for (int i = 0; i < count; i++) dst.set(SHORT_LE, dstOffset + 2L * i, Float.floatToFloat16(src[srcOffset + i]));
    }
}
