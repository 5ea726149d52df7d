package dev.jllm.convert;

/** Produces the float values of a matrix row by row (random values, or a decoded input tensor). */
@FunctionalInterface
public interface RowSource {
    /** Fills {@code out[0 … cols)} with row {@code row}. Called concurrently for different rows. */
    void row(int row, float[] out);
}
