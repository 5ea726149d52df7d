package dev.jllm.model;

/**
 * What may differ from one layer to the next in the same model.
 *
 * @param slidingWindow the number of most recent positions a query sees (itself included), or 0
 *                      for global attention over the whole context
 * @param ropeBase      RoPE frequency base for this layer
 * @param ropeScale     positions are multiplied by this before rotation (linear RoPE scaling; 1 = none)
 * @param yarn          YaRN scaling, blending the scaled and the unscaled angle, or null
 */
public record LayerSpec(int slidingWindow, float ropeBase, float ropeScale, Yarn yarn) {
    public LayerSpec(int slidingWindow, float ropeBase, float ropeScale) {
        this(slidingWindow, ropeBase, ropeScale, null);
    }

    public boolean isGlobal() {
        return slidingWindow == 0;
    }
}
