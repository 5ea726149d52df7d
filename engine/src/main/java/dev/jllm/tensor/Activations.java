package dev.jllm.tensor;

/**
 * Activation rows converted to the encoding a weight type multiplies with (ggml's
 * {@code vec_dot_type}), ready for dot products. Converting once per matrix product, not once
 * per weight row, is what makes quantized products cheap — and it is also what fixes the
 * numerics: llama.cpp rounds activations the same way, so our logits agree with its logits.
 *
 * <p>Layout, for {@code count} rows of {@code cols} values each (row r starts at r*cols):
 * <ul>
 *   <li>F32, F16, BF16: {@link #values} holds the values, rounded to F16/BF16 precision for those
 *       types (kept as float because products are computed in float, as ggml does).</li>
 *   <li>Q8_0 and Q8_1: {@link #quants} holds int8 quants, {@link #scales} one scale per block of
 *       32 (F16-rounded), and for Q8_1 {@link #sums} holds scale × Σquants per block (F16-rounded).
 *       {@link #quantsAsFloat} holds the same quants as floats for kernels that multiply in
 *       float (exact: products and 32-term sums of int8 values fit in a float's mantissa).</li>
 *   <li>Q8_K: {@link #quants}, one F32 scale per block of 256 in {@link #scales}, and the sums of
 *       each 16 quants in {@link #blockSums16} (16 per block).</li>
 * </ul>
 * Buffers grow on demand and are reused between calls; an instance belongs to one thread at a time.
 */
public final class Activations {
    GGMLType type = GGMLType.F32;
    int cols;
    int count;

    public float[] values = new float[0];
    public byte[] quants = new byte[0];
    public float[] quantsAsFloat = new float[0];
    public float[] scales = new float[0];
    public float[] sums = new float[0];
    public short[] blockSums16 = new short[0];

    public GGMLType type() { return type; }
    public int cols() { return cols; }
    public int count() { return count; }

    /** Prepares the buffers for {@code count} rows of {@code cols} values in encoding {@code type}. */
    void reset(GGMLType type, int cols, int count) {
        this.type = type;
        this.cols = cols;
        this.count = count;
        int n = Math.multiplyExact(cols, count);
        switch (type) {
            case F32, F16, BF16 -> values = grow(values, n);
            case Q8_0, Q8_1 -> {
                quants = grow(quants, n);
                quantsAsFloat = grow(quantsAsFloat, n);
                scales = grow(scales, n / 32);
                sums = grow(sums, n / 32);
            }
            case Q8_K -> {
                quants = grow(quants, n);
                quantsAsFloat = grow(quantsAsFloat, n);
                scales = grow(scales, n / 256);
                blockSums16 = grow(blockSums16, n / 16);
            }
            default -> throw new IllegalArgumentException(type + " is not an activation encoding");
        }
    }

    private static float[] grow(float[] a, int n) { return a.length >= n ? a : new float[n]; }
    private static byte[] grow(byte[] a, int n) { return a.length >= n ? a : new byte[n]; }
    private static short[] grow(short[] a, int n) { return a.length >= n ? a : new short[n]; }
}
