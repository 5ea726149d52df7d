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

/** bfloat16: the top half of an F32. Activations are rounded to BF16, products summed in F32, as ggml does. */
final class BF16Format implements FloatFormat {
    @Override public GGMLType type() { return GGMLType.BF16; }
    @Override public GGMLType activationType() { return GGMLType.BF16; }

    @Override
    public void dequantize(MemorySegment data, long first, float[] out, int outOffset, int count) {
        for (int i = 0; i < count; i++) out[outOffset + i] = Half.bf16ToFloat(data.get(SHORT_LE, 2 * (first + i)));
    }

    @Override
    public float dotScalar(MemorySegment data, long rowOffset, Activations x, int xRow, int cols) {
        float[] a = x.values;
        int base = xRow * cols;
        float sum = 0;
        for (int i = 0; i < cols; i++) sum += Half.bf16ToFloat(data.get(SHORT_LE, rowOffset + 2L * i)) * a[base + i];
        return sum;
    }

    /** Widens FLEN bf16 values to floats: shift each 16-bit pattern into the high half of an int. */
    static FloatVector load(MemorySegment data, long offset) {
        IntVector v = (IntVector) ShortVector.fromMemorySegment(S_FOR_F, data, offset, LE).convertShape(VectorOperators.S2I, I_FOR_F, 0);
        return (FloatVector) v.lanewise(VectorOperators.LSHL, 16).reinterpretShape(F, 0);
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
        for (; i < cols; i++) sum += Half.bf16ToFloat(data.get(SHORT_LE, rowOffset + 2L * i)) * a[base + i];
        return sum;
    }

    @Override
    public void decodeValues(MemorySegment data, long rowOffset, int first, int count, float[] w, int at) {
        int i = 0;
        for (; i + FLEN <= count; i += FLEN) load(data, rowOffset + 2L * (first + i)).intoArray(w, at + i);
        for (; i < count; i++) w[at + i] = Half.bf16ToFloat(data.get(SHORT_LE, rowOffset + 2L * (first + i)));
    }

    @Override
    public void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        for (int i = 0; i < count; i++) dst.set(SHORT_LE, dstOffset + 2L * i, Half.floatToBf16(src[srcOffset + i]));
    }
}
