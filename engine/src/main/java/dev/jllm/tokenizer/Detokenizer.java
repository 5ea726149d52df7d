package dev.jllm.tokenizer;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Token ids back to bytes, as llama.cpp's llama_detokenize.
 *
 * <ul>
 * <li>With {@code add_space_prefix} (SentencePiece) the first token loses one leading space —
 *     unless the sequence starts with BOS and special tokens are removed, in which case BOS is
 *     dropped and the space is kept (llama.cpp's rule).</li>
 * <li>With {@code removeSpecial}, a leading BOS (if the vocabulary adds one) and a trailing EOS
 *     (if it adds one) are dropped; other control tokens render as nothing unless
 *     {@code renderSpecial}.</li>
 * <li>With the vocabulary's clean_spaces flag (most BPE and WordPiece vocabularies) spaces before
 *     {@code ? ! . ,}, around a lone apostrophe and before {@code 's 'm 're 've} are removed.</li>
 * </ul>
 */
final class Detokenizer {
    private final Vocabulary vocab;
    private final TokenPieces pieces;

    Detokenizer(Vocabulary vocab, TokenPieces pieces) {
        this.vocab = vocab;
        this.pieces = pieces;
    }

    byte[] detokenize(int[] ids, boolean removeSpecial, boolean renderSpecial) {
        boolean removeSpace = vocab.addSpacePrefix();
        int start = 0;
        int end = ids.length;
        if (removeSpecial && vocab.addBos() && end > 0 && ids[0] == vocab.bos()) {
            removeSpace = false;
            start++;
        }
        if (removeSpecial && vocab.addEos() && end > start && ids[end - 1] == vocab.eos()) end--;

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = start; i < end; i++) {
            byte[] piece = pieces.bytes(ids[i], renderSpecial);
            int skip = removeSpace && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
            out.write(piece, skip, piece.length - skip);
            removeSpace = false;
        }
        byte[] text = out.toByteArray();
        return vocab.flags().cleanSpaces() ? cleanSpaces(text) : text;
    }

    /** llama.cpp's three clean-up passes, byte for byte (including their quirks). */
    static byte[] cleanSpaces(byte[] text) {
        byte[] t = text.clone();
        int total = t.length;

        // first pass: " ?", " !", " .", " ," lose the space
        int total1 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total1; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) total--;
            t[total++] = x;
        }

        // second pass: " ' " becomes "'"
        int total2 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total2; i++) {
            byte x = t[i];
            if (x == '\'' && i + 1 < total2 && t[i - 1] == ' ' && t[i + 1] == ' ') {
                total--;
                t[++i] = 0;
            }
            t[total++] = x;
        }

        // third pass: " 's", " 'm", " 're", " 've" lose the space (" 't", " 'd", " 'll" keep it)
        int total3 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total3; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && x == '\'' && i + 1 < total3) {
                byte x1 = t[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (x1 != 't' && x1 != 'd' && i + 2 < total3) {
                    byte x2 = t[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) total--;
                }
            }
            t[total++] = x;
        }
        return Arrays.copyOf(t, total);
    }
}
