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
 *       float (exact: products and 32-term sums of int8 values fit in a float's mantissa), and
 *       {@link #dequantized} the quants times their block's scale (also exact).</li>
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
    /** Q8_0 / Q8_1: each quant times its block's (F16-rounded) scale, exact in float (11 × 8 significant bits). */
    public float[] dequantized = new float[0];
    public float[] scales = new float[0];
    public float[] sums = new float[0];
    public short[] blockSums16 = new short[0];
    /** Q8_0, Q8_1, Q8_K: the quants widened to short, for kernels that multiply in 16-bit lanes. */
    public short[] quantsAsShort = new short[0];
    /** Q8_K: the sums of each 32 quants (8 per block), for the min terms of Q4_K and Q5_K. */
    public int[] blockSums32 = new int[0];

    /*
     * Batches (count > 1) also keep a token-major copy for the batched kernels,
     * which put tokens in vector lanes ("lanes = tokens"): the rows are split into tiles of
     * Simd.FLEN tokens (the last tile padded with zeros, and an all-zero tile added to make the
     * count even) and within a tile value c of every token is stored contiguously.
     */
    /** F32, F16, BF16: valuesByToken[(tile·cols + c)·FLEN + lane] = value c of token tile·FLEN + lane. */
    public float[] valuesByToken = new float[0];
    /** quantsByToken[(tile·cols + c)·FLEN + lane] = quant c of token tile·FLEN + lane, as float. */
    public float[] quantsByToken = new float[0];
    /** scalesByToken[(tile·blocks + b)·FLEN + lane] = scale of block b of that token. */
    public float[] scalesByToken = new float[0];
    /** Q8_1 only: sumsByToken[(tile·blocks + b)·FLEN + lane] = the sum s of block b of that token (see {@link #sums}). */
    public float[] sumsByToken = new float[0];
    /** sums32ByToken[((tile·blocks + b)·8 + j)·FLEN + lane] = Σ of the 32 quants of sub-block j of block b, as float. */
    public float[] sums32ByToken = new float[0];
    /** sums16ByToken[((tile·blocks + b)·16 + j)·FLEN + lane] = Σ of the 16 quants of sub-block j of block b, as float (Q2_K's min term). */
    public float[] sums16ByToken = new float[0];

    /** Number of FLEN-token tiles holding the batch's tokens. */
    int tiles() { return (count + Simd.FLEN - 1) / Simd.FLEN; }

    /**
     * Number of tiles in the token-major copy: {@link #tiles} rounded up to even, so that
     * kernels taking tiles in pairs always find a second one (all zeros if the batch has none).
     */
    int paddedTiles() { return (tiles() + 1) & ~1; }

    /**
     * The tokens a lanes = tokens kernel should take, the first ones of the batch: every full
     * tile, and the last tile if at least half of it is real tokens. A tile costs the same
     * however many of its lanes are padding, and below half full the per-token kernel is
     * faster; the tokens after these go through it.
     */
    int laneTiledTokens() {
        int full = count - count % Simd.FLEN;
        return count - full >= Simd.FLEN / 2 ? count : full;
    }

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
            case F32, F16, BF16 -> {
                values = grow(values, n);
                if (count > 1) valuesByToken = grow(valuesByToken, Math.multiplyExact(paddedTiles() * Simd.FLEN, cols));
            }
            case Q8_0, Q8_1 -> {
                quants = grow(quants, n);
                quantsAsShort = grow(quantsAsShort, n);
                quantsAsFloat = grow(quantsAsFloat, n);
                dequantized = grow(dequantized, n);
                scales = grow(scales, n / 32);
                sums = grow(sums, n / 32);
                if (count > 1) {
                    int padded = Math.multiplyExact(paddedTiles() * Simd.FLEN, cols);
                    quantsByToken = grow(quantsByToken, padded);
                    scalesByToken = grow(scalesByToken, padded / 32);
                    if (type == GGMLType.Q8_1) sumsByToken = grow(sumsByToken, padded / 32);
                }
            }
            case Q8_K -> {
                quants = grow(quants, n);
                quantsAsFloat = grow(quantsAsFloat, n);
                scales = grow(scales, n / 256);
                // 16 more: a kernel may load 32 sums from a block's first (Q2_K's gemv) and mask half
                blockSums16 = grow(blockSums16, n / 16 + 16);
                blockSums32 = grow(blockSums32, n / 32);
                quantsAsShort = grow(quantsAsShort, n);
                if (count > 1) {
                    int padded = Math.multiplyExact(paddedTiles() * Simd.FLEN, cols);
                    quantsByToken = grow(quantsByToken, padded);
                    scalesByToken = grow(scalesByToken, padded / 256);
                    sums32ByToken = grow(sums32ByToken, padded / 32);
                    sums16ByToken = grow(sums16ByToken, padded / 16);
                }
            }
            default -> throw new IllegalArgumentException(type + " is not an activation encoding");
        }
    }

    private static float[] grow(float[] a, int n) { return a.length >= n ? a : new float[n]; }
    private static byte[] grow(byte[] a, int n) { return a.length >= n ? a : new byte[n]; }
    private static int[] grow(int[] a, int n) { return a.length >= n ? a : new int[n]; }
    private static short[] grow(short[] a, int n) { return a.length >= n ? a : new short[n]; }
}
