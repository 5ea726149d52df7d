package dev.jllm.tokenizer;

/** The tokenizer algorithm a vocabulary uses, from {@code tokenizer.ggml.model}. */
public enum VocabType {
    /** {@code llama}: SentencePiece-style bigram merging by score, with byte fallback. */
    SPM,
    /** {@code gpt2}: byte-level BPE with ranked merges and a regex pre-tokenizer. */
    BPE,
    /** {@code bert}: WordPiece, greedy longest match. */
    WPM
}
