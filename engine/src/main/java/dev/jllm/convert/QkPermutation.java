package dev.jllm.convert;

/**
 * The row order of Q and K that turns Hugging Face's LLaMA RoPE into GGUF's. Hugging Face
 * rotates element i of a head with element i + d/2 ({@code rotate_half}); GGUF's {@code llama}
 * architecture rotates elements 2i and 2i + 1. Both use frequency i for the pair, so moving
 * row i of each head to 2i and row i + d/2 to 2i + 1 makes the GGUF model compute exactly what
 * the Hugging Face one does — the reordering llama.cpp's converter applies ({@code permute}:
 * reshape to (heads, 2, d/2, ·), swap axes 1 and 2).
 */
final class QkPermutation {
    private QkPermutation() {}

    /** The Hugging Face row that becomes GGUF row {@code ggufRow} of a Q or K matrix with heads of {@code headDim} rows. */
    static int sourceRow(int ggufRow, int headDim) {
        int head = ggufRow / headDim, within = ggufRow % headDim;
        int pair = within / 2, half = within % 2;
        return head * headDim + half * (headDim / 2) + pair;
    }
}
