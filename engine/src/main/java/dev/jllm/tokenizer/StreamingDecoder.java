package dev.jllm.tokenizer;

import java.util.Arrays;

/**
 * Turns generated token ids, fed one at a time, into text without ever splitting a character.
 *
 * <p>A token can end in the middle of a UTF-8 character (byte tokens such as {@code <0xF0>},
 * or BPE pieces cutting an emoji). {@link #push} returns the text up to the last complete
 * character and keeps the incomplete bytes for the next token; bytes that can never become a
 * valid character are returned as U+FFFD right away (one per maximal invalid subsequence, the
 * Unicode Standard's practice, see {@link Utf8}). {@link #flush} returns whatever is left.
 *
 * <p>Pieces are llama.cpp's token_to_piece with no space stripping, which is what llama.cpp's
 * own generation loop prints: a SentencePiece token {@code ▁Once} that follows the prompt yields
 * {@code " Once"}, leading space included, because generated text continues the prompt (the
 * space prefix only gets stripped when a whole sequence is detokenized from its start). Control
 * tokens (BOS, EOS, {@code <|im_end|>}…) yield nothing unless the decoder renders special tokens.
 *
 * <p>Not thread-safe: one decoder per generation stream.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean renderSpecial;
    private byte[] pending = new byte[0];

    public StreamingDecoder(Tokenizer tokenizer, boolean renderSpecial) {
        this.tokenizer = tokenizer;
        this.renderSpecial = renderSpecial;
    }

    /** Adds one token; returns the text it completes (possibly empty). */
    public String push(int tokenId) {
        byte[] piece = tokenizer.tokenBytes(tokenId, renderSpecial);
        if (piece.length == 0) return "";
        byte[] all = Arrays.copyOf(pending, pending.length + piece.length);
        System.arraycopy(piece, 0, all, pending.length, piece.length);
        int cut = Utf8.completePrefixLength(all, all.length);
        pending = Arrays.copyOfRange(all, cut, all.length);
        return Utf8.decode(all, 0, cut);
    }

    /** The remaining bytes (an incomplete character becomes U+FFFD); the decoder is then empty. */
    public String flush() {
        String s = Utf8.decode(pending);
        pending = new byte[0];
        return s;
    }

    /** True when bytes of an incomplete character are waiting for the next token. */
    public boolean hasPending() {
        return pending.length > 0;
    }
}
