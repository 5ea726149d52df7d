package dev.jllm.tokenizer;

import dev.jllm.gguf.GGUFMetadata;

/**
 * Text ↔ token ids for a GGUF model, producing the ids llama.cpp produces.
 *
 * <p>Build one with {@link #fromMetadata}; it picks the algorithm from
 * {@code tokenizer.ggml.model}: {@code llama} → {@link SpmTokenizer}, {@code gpt2} →
 * {@link BpeTokenizer}, {@code bert} → {@link WpmTokenizer}. Instances are immutable and
 * thread-safe.
 */
public sealed interface Tokenizer permits SpmTokenizer, BpeTokenizer, WpmTokenizer {

    /**
     * The tokenizer a model's metadata describes.
     *
     * @throws TokenizerException for an unknown tokenizer model or pre-tokenizer, or inconsistent
     *                            vocabulary metadata; the message names the key and value
     */
    static Tokenizer fromMetadata(GGUFMetadata metadata) {
        Vocabulary vocab = Vocabulary.fromMetadata(metadata);
        return switch (vocab.type()) {
            case SPM -> new SpmTokenizer(vocab);
            case BPE -> new BpeTokenizer(vocab, VocabularyLoader.stringArray(metadata, VocabularyLoader.KEY_MERGES));
            case WPM -> new WpmTokenizer(vocab);
        };
    }

    Vocabulary vocabulary();

    /**
     * Token ids of a text, as llama.cpp's llama_tokenize.
     *
     * @param addSpecial   add BOS/EOS (WordPiece: CLS/SEP) as the vocabulary asks
     * @param parseSpecial recognise the texts of control tokens (e.g. {@code <|im_start|>}) and
     *                     emit them as single ids; without it they are tokenized as plain text.
     *                     User-defined tokens are recognised either way, as in llama.cpp.
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /**
     * The bytes a token stands for (llama.cpp's token_to_piece with no space stripping).
     *
     * @param renderSpecial render control/unknown tokens as their text; otherwise they are empty
     */
    byte[] tokenBytes(int id, boolean renderSpecial);

    /** {@link #tokenBytes(int, boolean)} without rendering control tokens. */
    default byte[] tokenBytes(int id) {
        return tokenBytes(id, false);
    }

    /**
     * Bytes of a token sequence, as llama.cpp's llama_detokenize.
     *
     * @param removeSpecial drop a leading BOS / trailing EOS the vocabulary adds
     * @param renderSpecial render control tokens as their text
     */
    byte[] detokenize(int[] ids, boolean removeSpecial, boolean renderSpecial);

    /**
     * Text of a token sequence with special tokens removed (llama_detokenize with
     * remove_special = true, unparse_special = false). Bytes that are not valid UTF-8 become
     * U+FFFD, one per maximal invalid subsequence.
     */
    default String decode(int[] ids) {
        return Utf8.decode(detokenize(ids, true, false));
    }

    /** A decoder for generated tokens that only ever returns whole characters. */
    default StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(this, false);
    }
}
