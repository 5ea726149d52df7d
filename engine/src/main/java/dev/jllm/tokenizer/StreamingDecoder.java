package dev.jllm.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns generated token ids, fed one at a time, into text without ever splitting a character.
 *
 * <p>A token can end in the middle of a UTF-8 character (byte tokens such as {@code <0xF0>},
 * or BPE pieces cutting an emoji). {@link #push} returns the text up to the last complete
 * character and keeps the incomplete bytes for the next token; bytes that can never become a
 * valid character are returned as U+FFFD right away. {@link #flush} returns whatever is left.
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
        int cut = completePrefixLength(all);
        pending = Arrays.copyOfRange(all, cut, all.length);
        return new String(all, 0, cut, StandardCharsets.UTF_8);
    }

    /** The remaining bytes (an incomplete character becomes U+FFFD); the decoder is then empty. */
    public String flush() {
        String s = new String(pending, StandardCharsets.UTF_8);
        pending = new byte[0];
        return s;
    }

    /** True when bytes of an incomplete character are waiting for the next token. */
    public boolean hasPending() {
        return pending.length > 0;
    }

    /**
     * The length of the longest prefix that does not end inside a character that could still be
     * completed: a trailing valid-but-unfinished UTF-8 sequence is held back, anything else is
     * released (and decoded, with U+FFFD for invalid bytes).
     */
    static int completePrefixLength(byte[] b) {
        int n = b.length;
        // find the start of the last sequence: at most 3 continuation bytes back
        int lead = n - 1;
        while (lead >= 0 && lead > n - 4 && (b[lead] & 0xC0) == 0x80) lead--;
        if (lead < 0) return n;
        int first = b[lead] & 0xFF;
        int need;
        if (first >= 0xC2 && first <= 0xDF) need = 2;
        else if (first >= 0xE0 && first <= 0xEF) need = 3;
        else if (first >= 0xF0 && first <= 0xF4) need = 4;
        else return n; // ASCII or a byte that starts no character
        int have = n - lead;
        if (have >= need) return n; // complete (or over-long: the decoder replaces what is invalid)
        if (have >= 2 && !validSecondByte(first, b[lead + 1] & 0xFF)) return n; // can never complete
        return lead;
    }

    private static boolean validSecondByte(int first, int second) {
        return switch (first) {
            case 0xE0 -> second >= 0xA0 && second <= 0xBF;
            case 0xED -> second >= 0x80 && second <= 0x9F;
            case 0xF0 -> second >= 0x90 && second <= 0xBF;
            case 0xF4 -> second >= 0x80 && second <= 0x8F;
            default -> second >= 0x80 && second <= 0xBF;
        };
    }
}
