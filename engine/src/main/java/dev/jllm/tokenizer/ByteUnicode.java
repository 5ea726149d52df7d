package dev.jllm.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte ↔ unicode table used by byte-level BPE vocabularies.
 *
 * <p>Every byte becomes one printable character so that BPE pieces are plain strings: the bytes
 * {@code !}..{@code ~}, {@code ¡}..{@code ¬} and {@code ®}..{@code ÿ} stand for themselves, the
 * remaining 68 bytes (controls, space, 0x7F–0xA0, 0xAD) are mapped in byte order to U+0100,
 * U+0101, … — so space is {@code Ġ} (U+0120) and newline {@code Ċ} (U+010A).
 */
final class ByteUnicode {
    private ByteUnicode() {}

    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Indexed by code point (all are below U+0144); -1 where the character stands for no byte. */
    private static final short[] CHAR_TO_BYTE = new short[0x144];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (short) b;
        }
    }

    /** The character standing for a byte. */
    static char encode(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a character stands for, or -1 if it stands for none. */
    static int decode(int cp) {
        return cp >= 0 && cp < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[cp] : -1;
    }

    /** A string's UTF-8 bytes, each replaced by its character: what the BPE merges operate on. */
    static String encodeUtf8(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) out[i] = BYTE_TO_CHAR[utf8[i] & 0xFF];
        return new String(out);
    }
}
