package dev.jllm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The streaming decoder never returns part of a character, and replaces invalid bytes as the Unicode Standard says. */
class TokenizerStreamingDecoderTest {
    private static final String CAKE = "\uD83C\uDF70"; // 🍰 = F0 9F 8D B0

    /** spm512: byte tokens are 3 + byte value. */
    private static int spmByte(int b) {
        return 3 + b;
    }

    @Test
    void spmByteTokensOfAnEmojiComeOutAsOneCharacter() {
        Tokenizer t = TokenizerFixtures.tokenizer("models/stories260K-f32.gguf");
        int[] ids = {spmByte(0xF0), spmByte(0x9F), spmByte(0x8D), spmByte(0xB0)};
        for (int i = 0; i < 4; i++) assertEquals("<0x" + String.format("%02X", new int[]{0xF0, 0x9F, 0x8D, 0xB0}[i]) + ">", t.vocabulary().text(ids[i]));
        StreamingDecoder d = t.streamingDecoder();
        assertEquals("", d.push(ids[0]));
        assertTrue(d.hasPending());
        assertEquals("", d.push(ids[1]));
        assertEquals("", d.push(ids[2]));
        assertEquals(CAKE, d.push(ids[3]));
        assertFalse(d.hasPending());
        assertEquals("", d.flush());
    }

    @Test
    void encodedEmojiIsByteFallbackAndDecodesBack() {
        Tokenizer t = TokenizerFixtures.tokenizer("models/stories260K-f32.gguf");
        int[] ids = t.encode("a " + CAKE, false, false);
        // "▁a", "▁", then the four byte tokens
        assertArrayEquals(new int[]{spmByte(0xF0), spmByte(0x9F), spmByte(0x8D), spmByte(0xB0)}, java.util.Arrays.copyOfRange(ids, ids.length - 4, ids.length));
        StreamingDecoder d = t.streamingDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String s = d.push(id);
            assertFalse(s.contains("\uFFFD"), "partial character emitted: " + s);
            sb.append(s);
        }
        assertEquals(" a " + CAKE, sb.append(d.flush()).toString()); // pieces keep SentencePiece's leading space
    }

    @Test
    void bpeByteCharactersOfAnEmojiComeOutAsOneCharacter() {
        Tokenizer t = TokenizerFixtures.tokenizer("models/synth-qwen2.gguf");
        int[] ids = t.encode(CAKE, false, false);
        assertEquals(4, ids.length, "bpe559 has no merge for the emoji: one token per byte");
        StreamingDecoder d = t.streamingDecoder();
        for (int i = 0; i < 3; i++) assertEquals("", d.push(ids[i]));
        assertEquals(CAKE, d.push(ids[3]));
    }

    @Test
    void invalidBytesAreReleasedAsReplacementCharacters() {
        Tokenizer t = TokenizerFixtures.tokenizer("models/stories260K-f32.gguf");
        StreamingDecoder d = t.streamingDecoder();
        assertEquals("", d.push(spmByte(0xED)));
        // ED may only be followed by 80..9F: ED BE can never complete, so both bytes are released
        assertEquals("\uFFFD\uFFFD", d.push(spmByte(0xBE)));
        assertEquals("s", d.push(spmByte('s')));
        assertEquals("\uFFFD", d.push(spmByte(0x80))); // a lone continuation byte
        assertEquals("", d.push(spmByte(0xE2)));
        assertEquals("", d.push(spmByte(0x82)));
        assertEquals("\uFFFDx", d.push(spmByte('x')) ); // E2 82 cut short by 'x'
        assertEquals("", d.push(spmByte(0xF0)));
        assertEquals("\uFFFD", d.flush()); // incomplete at the end
        assertFalse(d.hasPending());
    }

    @Test
    void controlTokensRenderOnlyWhenAsked() {
        Tokenizer t = TokenizerFixtures.tokenizer("models/stories260K-f32.gguf");
        assertEquals("", t.streamingDecoder().push(1));
        assertEquals("<s>", new StreamingDecoder(t, true).push(1));
        assertEquals(0, t.tokenBytes(2).length);
        assertEquals("</s>", new String(t.tokenBytes(2, true), StandardCharsets.UTF_8));
    }

    @Test
    void utf8DecodingFollowsTheMaximalSubpartPractice() {
        assertEquals("\uFFFD\uFFFDs", Utf8.decode(bytes(0xED, 0xBE, 's')));
        assertEquals("\uFFFDa", Utf8.decode(bytes(0xF0, 0x9F, 'a')));
        assertEquals("\uFFFD\uFFFD", Utf8.decode(bytes(0xC0, 0x80)));
        assertEquals("\uFFFD\uFFFD\uFFFD", Utf8.decode(bytes(0xF5, 0x80, 0x80)));
        assertEquals("\u20AC" + CAKE, Utf8.decode(bytes(0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x8D, 0xB0)));
        assertEquals(3, Utf8.completePrefixLength(bytes('a', 'b', 'c', 0xF0, 0x9F), 5));
        assertEquals(5, Utf8.completePrefixLength(bytes('a', 'b', 'c', 0xE0, 0x80), 5)); // E0 80 can never complete
    }

    private static byte[] bytes(int... bs) {
        byte[] r = new byte[bs.length];
        for (int i = 0; i < bs.length; i++) r[i] = (byte) bs[i];
        return r;
    }
}
