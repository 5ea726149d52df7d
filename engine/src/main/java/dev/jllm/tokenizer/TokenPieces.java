package dev.jllm.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The raw bytes each token stands for, as llama.cpp's token_to_piece, computed once per
 * vocabulary (llama.cpp keeps the same cache).
 *
 * <ul>
 * <li>Control, unknown and user-defined tokens render as their text — control and unknown
 *     tokens only when special tokens are rendered, otherwise as nothing.</li>
 * <li>SPM and WPM normal tokens: the text with {@code ▁} (U+2581) turned back into spaces.</li>
 * <li>BPE normal tokens: each character mapped back to its byte through the GPT-2 table
 *     ({@link ByteUnicode}); a character outside the table renders as llama.cpp renders it,
 *     {@code [UNK_BYTE_0x..<token text>]}.</li>
 * <li>Byte tokens {@code <0xXX>}: that byte.</li>
 * <li>Anything else (unused, undefined types): nothing.</li>
 * </ul>
 */
final class TokenPieces {
    private static final byte[] EMPTY = new byte[0];

    private final Vocabulary vocab;
    private final byte[][] pieces;

    TokenPieces(Vocabulary vocab) {
        this.vocab = vocab;
        this.pieces = new byte[vocab.size()][];
        for (int id = 0; id < pieces.length; id++) pieces[id] = render(vocab, id);
    }

    /**
     * The bytes of one token.
     *
     * @param special render control and unknown tokens as their text (otherwise they render as nothing)
     */
    byte[] bytes(int id, boolean special) {
        if (id < 0 || id >= pieces.length) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (size " + pieces.length + ")");
        if (!special && (vocab.attributes(id) & (TokenAttr.UNKNOWN | TokenAttr.CONTROL)) != 0) return EMPTY;
        return pieces[id];
    }

    private static byte[] render(Vocabulary v, int id) {
        int attr = v.attributes(id);
        String text = v.text(id);
        if ((attr & (TokenAttr.UNKNOWN | TokenAttr.CONTROL | TokenAttr.USER_DEFINED)) != 0) return utf8(text);
        if ((attr & TokenAttr.NORMAL) != 0) {
            return v.type() == VocabType.BPE ? decodeByteLevel(text) : utf8(text.replace('\u2581', ' '));
        }
        if ((attr & TokenAttr.BYTE) != 0) return new byte[]{(byte) hexByte(text)};
        return EMPTY;
    }

    /** llama.cpp's token_to_byte: the two hex digits at positions 3–4 of {@code <0xXX>}. */
    private static int hexByte(String text) {
        if (text.length() < 5) return 0;
        int hi = Character.digit(text.charAt(3), 16);
        int lo = Character.digit(text.charAt(4), 16);
        if (hi < 0) return 0;
        return lo < 0 ? hi : hi * 16 + lo;
    }

    private static byte[] decodeByteLevel(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            int b = ByteUnicode.decode(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                StringBuilder sb = new StringBuilder("[UNK_BYTE_0x");
                for (byte x : utf8(Character.toString(cp))) sb.append(String.format("%02x", x & 0xFF));
                sb.append(text).append(']');
                out.writeBytes(utf8(sb.toString()));
            }
        }
        return out.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
