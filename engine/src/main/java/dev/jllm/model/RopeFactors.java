package dev.jllm.model;

/**
 * Per-pair divisors of the RoPE frequencies that some files carry (pair i turns at
 * {@code base^(−2i/ropeDim) / factor[i]}). Llama 3.1 and later store one set,
 * {@code rope_freqs}, used at every context length. Phi-3's LongRoPE stores two,
 * {@code rope_factors_short} and {@code rope_factors_long}: a session whose context exceeds the
 * model's original training context uses the long set, any other the short one — chosen by the
 * session's context length, not by how far it has got, exactly as llama.cpp chooses by n_ctx.
 *
 * @param always          the factors for every context, or null
 * @param shortContext    LongRoPE factors for contexts up to {@code originalContext}, or null
 * @param longContext     LongRoPE factors for longer contexts, or null
 * @param originalContext the context length that separates the two LongRoPE sets
 */
public record RopeFactors(float[] always, float[] shortContext, float[] longContext, int originalContext) {
    /** A model without frequency factors. */
    public static final RopeFactors NONE = new RopeFactors(null, null, null, 0);

    public RopeFactors {
        if ((shortContext == null) != (longContext == null)) throw new IllegalArgumentException("LongRoPE needs both factor sets");
        if (always != null && shortContext != null) throw new IllegalArgumentException("rope_freqs and LongRoPE factors exclude each other");
    }

    /** The factors a session with room for {@code contextLength} positions uses, or null for none. */
    public float[] forContext(int contextLength) {
        if (always != null) return always;
        if (shortContext == null) return null;
        return contextLength > originalContext ? longContext : shortContext;
    }
}
