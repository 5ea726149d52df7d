package dev.jllm.gguf;

import java.util.Arrays;

import dev.jllm.tensor.GGMLType;

/**
 * One entry of a GGUF tensor directory. {@code shape} is in ggml order: {@code shape[0]} is the
 * number of columns (the contiguous, innermost dimension), {@code shape[1]} the number of rows.
 * {@code offset} is relative to the start of the file's tensor data section.
 */
public record TensorInfo(String name, long[] shape, GGMLType type, long offset) {

    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int dims() {
        return shape.length;
    }

    public long dim(int i) {
        return i < shape.length ? shape[i] : 1;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public long byteSize() {
        return type.bytesFor(elementCount());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.name.equals(name) && Arrays.equals(t.shape, shape) && t.type == type && t.offset == offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
