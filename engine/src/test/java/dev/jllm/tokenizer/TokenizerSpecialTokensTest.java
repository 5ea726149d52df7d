package dev.jllm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/** Special-token parsing (llama.cpp's tokenizer_st_partition) and BOS/EOS handling. */
class TokenizerSpecialTokensTest {

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }

    private static boolean contains(int[] ids, int id) {
        return IntStream.of(ids).anyMatch(x -> x == id);
    }

    @Test
    void chatMlTokensAreSingleIdsOnlyWhenParsed() {
        Tokenizer t = TokenizerFixtures.tokenizer("models/synth-qwen2.gguf");
        Vocabulary v = t.vocabulary();
        int start = v.id("<|im_start|>");
        int end = v.id("<|im_end|>");
        assertEquals(557, start);
        assertEquals(558, end);
        String text = "<|im_start|>user\nHi<|im_end|>\n";

        int[] parsed = t.encode(text, true, true);
        assertArrayEquals(concat(new int[]{start}, t.encode("user\nHi", false, false), new int[]{end}, t.encode("\n", false, false)), parsed);

        int[] plain = t.encode(text, true, false);
        assertTrue(!contains(plain, start) && !contains(plain, end), "special tokens must not appear unparsed: " + Arrays.toString(plain));
        assertTrue(plain.length > parsed.length);
        assertEquals(text, t.decode(plain), "unparsed special tokens are ordinary text");
        assertEquals("user\nHi\n", t.decode(parsed), "decode drops control tokens");
        assertEquals(text, new String(t.detokenize(parsed, false, true), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void phi3SpecialTokensSwallowFollowingWhitespaceAndPrefixTheNextText() {
        Tokenizer t = TokenizerFixtures.tokenizer("models/synth-phi3.gguf");
        Vocabulary v = t.vocabulary();
        int user = v.id("<|user|>"), end = v.id("<|end|>"), assistant = v.id("<|assistant|>");
        assertEquals(522, user);
        assertTrue((v.attributes(end) & TokenAttr.RSTRIP) != 0, "Phi-3 special tokens have RSTRIP");
        assertEquals(0, v.attributes(v.id("<|endoftext|>")) & TokenAttr.RSTRIP, "except <|endoftext|>");
        // RSTRIP drops the newlines after the tokens; the text after a special token gets the space prefix
        int[] ids = t.encode("<|user|>\nHello<|end|>\n<|assistant|>", true, true);
        assertArrayEquals(concat(new int[]{user}, t.encode("Hello", false, false), new int[]{end, assistant}), ids);
        // without parsing, the same text is plain text (no BOS: add_bos_token is false)
        int[] plain = t.encode("<|user|>", true, false);
        assertTrue(!contains(plain, user) && plain.length > 1, Arrays.toString(plain));
    }

    @Test
    void spmSpacePrefixFollowsEverySpecialToken() {
        Tokenizer t = TokenizerFixtures.tokenizer("models/stories260K-f32.gguf");
        // "</s>" parsed is EOS; the text after it starts a new "first" fragment and gets "▁"
        int[] ids = t.encode("a</s>a", false, true);
        int[] a = t.encode("a", false, false);
        assertArrayEquals(concat(a, new int[]{2}, a), ids);
        assertArrayEquals(concat(new int[]{1}, a), t.encode("a", true, false), "BOS first");
        assertArrayEquals(new int[]{1}, t.encode("", true, true), "empty text with BOS");
        assertArrayEquals(new int[0], t.encode("", false, true));
    }

    @Test
    void userDefinedTokensAreSplitEvenWithoutParsing() {
        Tokenizer t = TokenizerFixtures.tokenizer("vocab/ggml-vocab-mpt.gguf");
        int fourSpaces = t.vocabulary().id("    ");
        assertTrue(t.vocabulary().isUserDefined(fourSpaces));
        int[] ids = t.encode("a    b", false, false);
        assertArrayEquals(concat(t.encode("a", false, false), new int[]{fourSpaces}, t.encode("b", false, false)), ids);
    }

    @Test
    void llama3BeginOfTextIsBosAndParsedAsOneToken() {
        Tokenizer t = TokenizerFixtures.tokenizer("models/llama3-vocab-tiny.gguf");
        int[] withBos = t.encode("Hello", true, false);
        assertEquals(128000, withBos[0]);
        assertArrayEquals(withBos, t.encode("<|begin_of_text|>Hello", false, true));
        int[] chat = t.encode("<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", true, true);
        assertEquals(128000, chat[0]);
        assertEquals(128006, chat[1]);
        assertEquals(128009, chat[chat.length - 1]);
        assertEquals("user\n\nHi", t.decode(chat));
    }

    @Test
    void wordPieceAddsClsAndSep() {
        Tokenizer t = TokenizerFixtures.tokenizer("vocab/ggml-vocab-bert-bge.gguf");
        int[] ids = t.encode("Hello world", true, false);
        assertArrayEquals(new int[]{101, 7592, 2088, 102}, ids);
        assertArrayEquals(new int[]{101, 103, 102}, t.encode("[MASK]", true, true));
    }
}
