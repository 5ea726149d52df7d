package dev.jllm.tools.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jllm.convert.ConversionException;
import dev.jllm.Completion;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.gguf.GGUFFile;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.TensorInfo;
import dev.jllm.testing.Reference;
import dev.jllm.testing.TestData;
import dev.jllm.tokenizer.Tokenizer;

/**
 * llama2.c → GGUF against llama.cpp's conversion of the same checkpoint
 * ({@code ../shared/models/stories260K-f32.gguf}): every tensor byte for byte, the vocabulary,
 * tokenization of the reference prompts, and greedy generation.
 */
class Llama2cConverterTest {
    @TempDir static Path dir;
    static Path converted;

    @BeforeAll
    static void convert() throws Exception {
        converted = dir.resolve("stories260K.gguf");
        Llama2cConverter.convert(TestData.require("models/stories260K.bin"), TestData.require("models/tok512.bin"), converted,
                Llama2cConverter.Options.defaults());
    }

    @Test
    void tensorsAreBitIdenticalToLlamaCpp() {
        try (GGUFFile ours = GGUFFile.open(converted); GGUFFile ref = GGUFFile.open(TestData.require("models/stories260K-f32.gguf"))) {
            assertEquals(List.copyOf(ref.tensors().keySet()), List.copyOf(ours.tensors().keySet()), "same tensors in the same order");
            for (TensorInfo r : ref.tensors().values()) {
                TensorInfo o = ours.tensorInfo(r.name());
                assertArrayEquals(r.shape(), o.shape(), r.name());
                assertEquals(r.type(), o.type(), r.name());
                MemorySegment a = ref.data(r), b = ours.data(o);
                assertEquals(a.byteSize(), b.byteSize(), r.name());
                assertEquals(-1, a.mismatch(b), "bytes of " + r.name());
            }
            assertEquals(ref.fileSize(), ours.fileSize());
        }
    }

    @Test
    void metadataMatchesLlamaCppExceptTheDocumentedFields() {
        try (GGUFFile ours = GGUFFile.open(converted); GGUFFile ref = GGUFFile.open(TestData.require("models/stories260K-f32.gguf"))) {
            GGUFMetadata o = ours.metadata(), r = ref.metadata();
            assertEquals(List.copyOf(r.keys()), List.copyOf(o.keys()), "same keys in the same order");
            for (String k : r.keys()) {
                assertEquals(r.type(k), o.type(k), "type of " + k);
                switch (k) {
                    case "general.name" -> assertEquals("stories260K", o.getString(k));
                    case "llama.context_length" -> {
                        assertEquals(128, r.getInt(k), "llama.cpp writes its fixed default");
                        assertEquals(512, o.getInt(k), "we write the checkpoint's seq_len");
                    }
                    default -> assertEquals(r.get(k), o.get(k), k);
                }
            }
        }
    }

    @Test
    void tokenizerEncodesTheReferencePromptsLikeLlamaCpp() {
        List<Reference> refs = Reference.load(TestData.require("reference/stories260K-f32.json"));
        try (GGUFFile ours = GGUFFile.open(converted)) {
            Tokenizer tok = Tokenizer.fromMetadata(ours.metadata());
            for (Reference ref : refs) {
                assertArrayEquals(ref.promptIds(), tok.encode(ref.prompt(), true, false), ref.prompt());
            }
        }
    }

    @Test
    void generationMatchesTheReference() {
        List<Reference> refs = Reference.load(TestData.require("reference/stories260K-f32.json"));
        ModelOptions opts = ModelOptions.builder().contextLength(512).threads(2).build();
        int identical = 0;
        try (Model ours = Model.load(converted, opts); Model ref = Model.load(TestData.require("models/stories260K-f32.gguf"), opts)) {
            for (Reference r : refs) {
                Completion a = ours.newSession().generate(r.prompt(), GenerationParams.greedy(r.greedyIds().length));
                Completion b = ref.newSession().generate(r.prompt(), GenerationParams.greedy(r.greedyIds().length));
                assertArrayEquals(b.tokenIds(), a.tokenIds(), "same continuation as from llama.cpp's file: " + r.prompt());
                if (Arrays.equals(r.greedyIds(), a.tokenIds())) identical++;
            }
        }
        // The bar GreedyGenerationTest sets for llama.cpp's own file (greedy decoding has near-ties).
        assertTrue(identical >= 5, identical + " of " + refs.size() + " prompts token-identical to llama.cpp");
    }

    @Test
    void tokenTypesFollowLlamaCpp() {
        assertEquals(new Llama2cConverter.Token("<unk>", 0f, 2), Llama2cConverter.token(0, "whatever", 0f));
        assertEquals(3, Llama2cConverter.token(1, "\n<s>\n", 0f).type());
        assertEquals(3, Llama2cConverter.token(2, "\n</s>\n", 0f).type());
        assertEquals(6, Llama2cConverter.token(5, "<0x0A>", 0f).type());
        assertEquals(3, Llama2cConverter.token(9, "", 0f).type());
        assertEquals(new Llama2cConverter.Token("\u2581the", -1.5f, 1), Llama2cConverter.token(300, " the", -1.5f));
    }

    @Test
    void truncatedCheckpointIsRefused() throws Exception {
        byte[] all = Files.readAllBytes(TestData.require("models/stories260K.bin"));
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(all, all.length - 100));
        ConversionException e = assertThrows(ConversionException.class,
                () -> Llama2cConverter.convert(cut, TestData.require("models/tok512.bin"), dir.resolve("cut.gguf"), Llama2cConverter.Options.defaults()));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("cut.gguf")));
    }

    @Test
    void tokenizerOfTheWrongSizeIsRefused() throws Exception {
        // A tokenizer with 3 tokens for a 512-token model.
        ByteBuffer b = ByteBuffer.allocate(4 + 3 * 9).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(1);
        for (int i = 0; i < 3; i++) b.putFloat(0f).putInt(1).put((byte) 'a');
        Path tok = dir.resolve("tok3.bin");
        Files.write(tok, b.array());
        ConversionException e = assertThrows(ConversionException.class,
                () -> Llama2cConverter.convert(TestData.require("models/stories260K.bin"), tok, dir.resolve("x.gguf"), Llama2cConverter.Options.defaults()));
        assertTrue(e.getMessage().contains("has 3 tokens but the checkpoint's vocabulary has 512"), e.getMessage());
    }

    @Test
    void notACheckpointIsRefusedWithTheReason() {
        ByteBuffer h = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0x616b3432).putInt(1).putInt(0).putInt(0).putInt(0).putInt(0).putInt(0).flip();
        ConversionException v1 = assertThrows(ConversionException.class, () -> Llama2cConverter.parseConfig(h, -1, "v1.bin"));
        assertTrue(v1.getMessage().contains("version 1 export"), v1.getMessage());
        ByteBuffer g = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
        g.putInt(64).putInt(172).putInt(5).putInt(7).putInt(4).putInt(512).putInt(512).flip();
        ConversionException heads = assertThrows(ConversionException.class, () -> Llama2cConverter.parseConfig(g, -1, "odd.bin"));
        assertTrue(heads.getMessage().contains("not a multiple of n_heads"), heads.getMessage());
    }

    @Test
    void unsharedClassifierIsWrittenAsOutput() throws Exception {
        // Build a tiny checkpoint with a separate classifier and check output.weight is that data.
        int dim = 8, hidden = 16, layers = 1, heads = 2, kv = 1, vocab = 4, seq = 4;
        var c = new Llama2cConverter.Config(dim, hidden, layers, heads, kv, vocab, false, seq);
        long floats = (c.expectedFileSize() - 28) / 4;
        ByteBuffer b = ByteBuffer.allocate((int) c.expectedFileSize()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(dim).putInt(hidden).putInt(layers).putInt(heads).putInt(kv).putInt(-vocab).putInt(seq);
        for (int i = 0; i < floats; i++) b.putFloat(i);
        Path ckpt = dir.resolve("tiny.bin");
        Files.write(ckpt, b.array());
        ByteBuffer t = ByteBuffer.allocate(4 + vocab * 9).order(ByteOrder.LITTLE_ENDIAN);
        t.putInt(1);
        for (int i = 0; i < vocab; i++) t.putFloat(-i).putInt(1).put((byte) ('a' + i));
        Path tok = dir.resolve("tok4.bin");
        Files.write(tok, t.array());
        Path out = dir.resolve("tiny.gguf");
        Llama2cConverter.convert(ckpt, tok, out, new Llama2cConverter.Options("tiny", 64));
        try (GGUFFile f = GGUFFile.open(out)) {
            float[] cls = f.data(f.tensorInfo("output.weight")).toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
            assertEquals(floats - vocab * dim, (long) cls[0], "the classifier is the last vocab×dim floats");
            float[] emb = f.data(f.tensorInfo("token_embd.weight")).toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
            assertEquals(0f, emb[0]);
            assertArrayEquals(new long[]{dim, dim * kv / heads}, f.tensorInfo("blk.0.attn_k.weight").shape());
            assertEquals(64, f.metadata().getInt("llama.context_length"));
            assertEquals("tiny", f.metadata().getString("general.name"));
            List<String> names = new ArrayList<>(f.tensors().keySet());
            assertEquals(3 + 9, names.size());
        }
    }
}
