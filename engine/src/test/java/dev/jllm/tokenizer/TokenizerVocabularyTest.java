package dev.jllm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.jllm.ModelLoadException;
import dev.jllm.gguf.GGUFArray;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.GGUFValueType;

/** Vocabulary loading: special ids, flags and end-of-generation sets as llama.cpp computes them; typed errors. */
class TokenizerVocabularyTest {

    @Test
    void llama3() {
        Tokenizer t = TokenizerFixtures.tokenizer("models/llama3-vocab-tiny.gguf");
        Vocabulary v = t.vocabulary();
        assertInstanceOf(BpeTokenizer.class, t);
        assertEquals("llama3", ((BpeTokenizer) t).preTokenizerType());
        assertEquals(128256, v.size());
        assertEquals(128000, v.bos());
        assertEquals(128009, v.eos());
        assertEquals(128009, v.eot());
        assertTrue(v.addBos());
        assertFalse(v.addEos());
        assertTrue(v.flags().ignoreMerges());
        assertTrue(v.flags().cleanSpaces());
        // <|end_of_text|>, <|eom_id|>, <|eot_id|>
        assertArrayEquals(new int[]{128001, 128008, 128009}, v.endOfGenerationIds());
        assertTrue(v.isControl(128006));
        assertFalse(v.isEndOfGeneration(128006));
    }

    @Test
    void spm512() {
        Vocabulary v = TokenizerFixtures.tokenizer("models/stories260K-f32.gguf").vocabulary();
        assertEquals(VocabType.SPM, v.type());
        assertEquals(1, v.bos());
        assertEquals(2, v.eos());
        assertEquals(0, v.unk());
        // the file sets the separator and padding ids to -1: llama.cpp ignores out-of-range ids
        assertEquals(Vocabulary.NULL, v.sep());
        assertEquals(Vocabulary.NULL, v.pad());
        assertTrue(v.addBos());
        assertTrue(v.addSpacePrefix());
        assertArrayEquals(new int[]{2}, v.endOfGenerationIds());
        assertEquals(TokenAttr.TYPE_BYTE, v.tokenType(3));
        assertTrue(v.isByte(3));
        assertEquals("<0x00>", v.text(3));
    }

    @Test
    void gemmaHasNoSpacePrefix() {
        Tokenizer gemma = TokenizerFixtures.tokenizer("models/synth-gemma2.gguf");
        Tokenizer llama = TokenizerFixtures.tokenizer("models/synth-llama.gguf");
        assertFalse(gemma.vocabulary().addSpacePrefix());
        assertTrue(llama.vocabulary().addSpacePrefix());
        int[] g = gemma.encode("Once", false, false);
        int[] l = llama.encode("Once", false, false);
        assertFalse(gemma.vocabulary().text(g[0]).startsWith("\u2581"), "no ▁ prefix: " + gemma.vocabulary().text(g[0]));
        assertEquals("\u2581Once", llama.vocabulary().text(l[0]));
        assertEquals("Once", gemma.decode(g));
        assertEquals("Once", llama.decode(l), "the added space is removed again");
        assertEquals(" Once", llama.decode(llama.encode("Once", true, false)), "after BOS llama.cpp keeps the space");
    }

    @Test
    void phi3AndQwen2EndOfGeneration() {
        Vocabulary phi3 = TokenizerFixtures.tokenizer("models/synth-phi3.gguf").vocabulary();
        assertArrayEquals(new int[]{2, 512, 519}, phi3.endOfGenerationIds(), "</s>, <|endoftext|>, <|end|>");
        assertEquals(519, phi3.eot(), "<|end|> is Phi-3's end of turn");
        assertFalse(phi3.addBos());

        Vocabulary qwen = TokenizerFixtures.tokenizer("models/synth-qwen2.gguf").vocabulary();
        assertArrayEquals(new int[]{556, 558}, qwen.endOfGenerationIds(), "<|endoftext|>, <|im_end|>");
        assertEquals(558, qwen.eot());
        assertEquals(558, qwen.eos());
        assertFalse(qwen.addBos());
        assertFalse(qwen.flags().cleanSpaces(), "qwen2 keeps spaces before punctuation");
    }

    @Test
    void bertDefaults() {
        Vocabulary v = TokenizerFixtures.tokenizer("vocab/ggml-vocab-bert-bge.gguf").vocabulary();
        assertEquals(VocabType.WPM, v.type());
        assertEquals(101, v.bos());
        assertEquals(102, v.sep());
        assertEquals(100, v.unk());
        assertEquals(0, v.pad());
        assertTrue(v.flags().lowercase());
    }

    // ---- errors ---------------------------------------------------------------------------

    private static GGUFMetadata tinyBpe(String pre) {
        GGUFMetadata m = new GGUFMetadata();
        m.putString("tokenizer.ggml.model", "gpt2");
        if (pre != null) m.putString("tokenizer.ggml.pre", pre);
        m.putArray("tokenizer.ggml.tokens", new GGUFArray(GGUFValueType.STRING, new String[]{"a", "b", "ab", "<|endoftext|>"}));
        m.putArray("tokenizer.ggml.token_type", new GGUFArray(GGUFValueType.INT32, new int[]{1, 1, 1, 3}));
        m.putArray("tokenizer.ggml.merges", new GGUFArray(GGUFValueType.STRING, new String[]{"a b"}));
        m.putUInt32("tokenizer.ggml.eos_token_id", 3);
        return m;
    }

    @Test
    void unknownPreTokenizerIsATypedErrorNamingIt() {
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.fromMetadata(tinyBpe("no-such-pre")));
        assertTrue(e.getMessage().contains("'no-such-pre'"), e.getMessage());
        assertTrue(e.getMessage().contains("tokenizer.ggml.pre"), e.getMessage());
        assertInstanceOf(ModelLoadException.class, e);
    }

    @Test
    void unknownTokenizerModelIsATypedError() {
        GGUFMetadata m = tinyBpe("gpt-2");
        m.putString("tokenizer.ggml.model", "sentencepiece-v9");
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.fromMetadata(m));
        assertTrue(e.getMessage().contains("'sentencepiece-v9'"), e.getMessage());
        m.putString("tokenizer.ggml.model", "t5");
        assertTrue(assertThrows(TokenizerException.class, () -> Tokenizer.fromMetadata(m)).getMessage().contains("unsupported"));
        m.remove("tokenizer.ggml.model");
        assertThrows(TokenizerException.class, () -> Tokenizer.fromMetadata(m));
    }

    @Test
    void bpeWithoutMergesOrDuplicateTokensIsAnError() {
        GGUFMetadata noMerges = tinyBpe("gpt-2").remove("tokenizer.ggml.merges");
        assertTrue(assertThrows(TokenizerException.class, () -> Tokenizer.fromMetadata(noMerges)).getMessage().contains("merges"));
        GGUFMetadata dup = tinyBpe("gpt-2");
        dup.putArray("tokenizer.ggml.tokens", new GGUFArray(GGUFValueType.STRING, new String[]{"a", "b", "a", "<|endoftext|>"}));
        assertTrue(assertThrows(TokenizerException.class, () -> Tokenizer.fromMetadata(dup)).getMessage().contains("duplicate"));
        GGUFMetadata bos = tinyBpe("gpt-2");
        bos.putBool("tokenizer.ggml.add_bos_token", true);
        bos.putUInt32("tokenizer.ggml.bos_token_id", 99); // out of range: the default (11) is out of range too
        assertThrows(TokenizerException.class, () -> Tokenizer.fromMetadata(bos));
    }

    @Test
    void tinyInMemoryBpeVocabulary() {
        Tokenizer t = Tokenizer.fromMetadata(tinyBpe(null)); // missing pre: llama.cpp's "default"
        assertArrayEquals(new int[]{2, 0}, t.encode("aba", false, false));
        assertArrayEquals(new int[]{2, 3}, t.encode("ab<|endoftext|>", true, true));
        assertArrayEquals(new int[]{3}, t.vocabulary().endOfGenerationIds());
        assertEquals("aba", t.decode(new int[]{2, 0, 3}));
    }
}
