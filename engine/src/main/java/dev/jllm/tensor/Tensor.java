package dev.jllm.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A view of a weight tensor in the mapped model file: no copy, just where its bytes are and how
 * to read them. A matrix has {@code rows} rows of {@code cols} values each (GGUF shape
 * [cols, rows]); a vector has one row.
 */
public record Tensor(String name, TensorFormat format, MemorySegment data, int rows, int cols) {

    public GGMLType type() {
        return format.type();
    }

    public long rowBytes() {
        return format.rowBytes(cols);
    }

    /** Decodes row {@code r} into {@code out[offset …]}. */
    public void dequantizeRow(int r, float[] out, int offset) {
        format.dequantize(data, (long) r * cols, out, offset, cols);
    }
}
