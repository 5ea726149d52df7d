package dev.jllm.tensor;

import java.lang.foreign.MemorySegment;

/**
 * How one tensor type stores values and computes with them — ggml's "type traits" row for that
 * type: block layout, decoding, the activation encoding its dot products use
 * ({@link #activationType()}, ggml's {@code vec_dot_type}), and the kernels.
 *
 * <p>Every kernel has a scalar twin: {@link #dotScalar} is the plain-Java definition of the
 * product and the oracle that tests hold the SIMD {@link #dot}, {@link #matvec} and
 * {@link #matmul} to.
 *
 * <p>Weights are addressed in the mapped file: a row of a matrix is {@code cols} values stored
 * contiguously starting at byte {@code rowOffset} of {@code data}; rows are {@code rowBytes}
 * apart. Adding a type means one class implementing this interface and one line in
 * {@link TensorFormats#of}.
 */
public sealed interface TensorFormat
        permits FloatFormat, Block32Format, SuperBlockFormat,
                Q4_KFormat, Q5_KFormat, Q6_KFormat {

    GGMLType type();

    /** The encoding activations are converted to before a dot product with this type. */
    GGMLType activationType();

    /** Decodes {@code count} values starting at value index {@code first} (a multiple of the block size). */
    void dequantize(MemorySegment data, long first, float[] out, int outOffset, int count);

    /** Reference dot product of one weight row with activation row {@code xRow}: the test oracle. */
    float dotScalar(MemorySegment data, long rowOffset, Activations x, int xRow, int cols);

    /**
     * Scalar twin of {@link #matmul} for activation row {@code t} of a batch: the float order
     * the batched kernel follows for that row. Usually {@link #dotScalar}'s; Q4_K's batched
     * kernel takes the first count − count mod 4 rows in llama.cpp's gemm order.
     */
    default float dotScalarInBatch(MemorySegment data, long rowOffset, Activations x, int t, int cols) {
        return dotScalar(data, rowOffset, x, t, cols);
    }

    /** SIMD dot product of one weight row with activation row {@code xRow}. */
    float dot(MemorySegment data, long rowOffset, Activations x, int xRow, int cols);

    /**
     * Matrix-vector product over the rows {@code [rowStart, rowEnd)}:
     * {@code out[outOffset + r - rowStart] = dot(row r, activation row xRow)}.
     * Formats override this when processing several rows per pass is faster.
     */
    default void matvec(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x, int xRow,
                        float[] out, int outOffset) {
        int cols = x.cols();
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r - rowStart] = dot(data, r * rowBytes, x, xRow, cols);
        }
    }

    /**
     * Matrix-matrix product for a batch of activation rows (prompt processing), rows
     * {@code [rowStart, rowEnd)}: {@code out[t * outStride + r] = dot(row r, activation row t)} for
     * every activation row t. Formats override this to load each weight block once per batch.
     * Batches have at least 2 rows: a single one goes to {@link #matvec} ({@link MatMul} does
     * so), and the token-major activations that batched kernels read exist only for batches.
     */
    default void matmul(MemorySegment data, long rowBytes, int rowStart, int rowEnd, Activations x,
                        float[] out, int outStride) {
        int cols = x.cols();
        for (int r = rowStart; r < rowEnd; r++) {
            for (int t = 0; t < x.count(); t++) {
                out[t * outStride + r] = dot(data, r * rowBytes, x, t, cols);
            }
        }
    }

    /** Encodes {@code count} floats (a multiple of the block size) into this format at {@code dstOffset}. */
    default void quantize(float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        throw new UnsupportedOperationException("quantizing to " + type() + " is not supported");
    }

    /** Bytes taken by a row of {@code cols} values. */
    default long rowBytes(int cols) {
        return type().bytesFor(cols);
    }
}
