package dev.jllm.sampling;

/**
 * Restricts which tokens may come next (JSON mode, JSON schemas): before each sampling step
 * {@link #mask} sets the logits of the tokens that may not follow to −∞, and after it
 * {@link #accept} moves past the token chosen. One per generation; not thread-safe.
 */
public interface TokenConstraint {
    /**
     * Sets the logits of the tokens that may not come next to −∞; end-of-generation tokens stay
     * only where the text so far is complete.
     *
     * @return how many tokens remain possible (0: nothing the model can say continues the text)
     */
    int mask(float[] logits);

    /** Advances past a token that {@link #mask} allowed. */
    void accept(int id);

    /** True once the text is complete and nothing may follow it. */
    boolean complete();
}
