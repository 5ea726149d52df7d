package dev.jllm.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jllm.Completion;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.gguf.GGUFFile;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.TensorInfo;
import dev.jllm.tensor.GGMLType;
import dev.jllm.tensor.WorkerPool;
import dev.jllm.testing.TestData;

/**
 * Hugging Face checkpoint → GGUF. The checkpoints are the shared synthetic models written back
 * out as the Hugging Face folders they could have come from ({@link HfCheckpointWriter}):
 * converting them must give the original GGUF again — every tensor byte for byte, the
 * vocabulary, the hyper-parameters — and the same greedy tokens. The Llama 3 RoPE factors are
 * checked against the ones llama.cpp's tooling stored in synth-llama.gguf, and the Q/K row
 * order against RoPE itself.
 */
class HfConverterTest {
    @TempDir static Path dir;
    static final WorkerPool POOL = new WorkerPool(2);
    static final ObjectMapper JSON = new ObjectMapper();

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    /** synth-llama's rope_freqs: llama3 scaling, factor 8, frequency factors 1 and 4, original context 256. */
    static HfCheckpointWriter.Options optionsFor(String model) {
        if (!model.equals("synth-llama")) return HfCheckpointWriter.Options.defaults();
        ObjectNode scaling = JSON.createObjectNode().put("rope_type", "llama3").put("factor", 8.0).put("low_freq_factor", 1.0)
                .put("high_freq_factor", 4.0).put("original_max_position_embeddings", 256);
        return new HfCheckpointWriter.Options(false, 1, false, scaling, 256);
    }

    static Path convert(Path checkpoint, HfConverter.OutputType type) throws IOException {
        Path out = dir.resolve(checkpoint.getFileName() + "-" + type + ".gguf");
        HfConverter.convert(checkpoint, out, type, null, null, POOL, n -> { });
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"synth-llama", "synth-llama-tied", "synth-qwen2", "synth-qwen3", "synth-gemma2", "synth-gemma3", "synth-phi3"})
    void convertingTheCheckpointGivesTheOriginalModelBack(String model) throws Exception {
        Path original = TestData.require("models/" + model + ".gguf");
        Path ckpt = dir.resolve(model);
        HfCheckpointWriter.write(original, ckpt, optionsFor(model));
        Path converted = convert(ckpt, HfConverter.OutputType.F32);
        try (GGUFFile ref = GGUFFile.open(original); GGUFFile ours = GGUFFile.open(converted)) {
            assertEquals(ref.tensors().keySet(), ours.tensors().keySet(), "the same tensors");
            for (TensorInfo r : ref.tensors().values()) {
                TensorInfo o = ours.tensorInfo(r.name());
                assertArrayEquals(r.shape(), o.shape(), r.name());
                assertEquals(GGMLType.F32, o.type(), r.name());
                if (r.name().equals("rope_freqs.weight")) {
                    for (int i = 0; i < r.dim(0); i++) {
                        float a = ref.data(r).getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i), b = ours.data(o).getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
                        assertEquals(a, b, Math.ulp(a), "rope_freqs[" + i + "]");
                    }
                } else {
                    assertEquals(-1, ref.data(r).mismatch(ours.data(o)), "bytes of " + r.name());
                }
            }
            GGUFMetadata rm = ref.metadata(), om = ours.metadata();
            String arch = rm.getString("general.architecture");
            for (String k : rm.keys()) {
                boolean archKey = k.startsWith(arch + ".") || k.equals("general.architecture") || k.equals("general.file_type");
                boolean tokenizerKey = k.startsWith("tokenizer.") && !k.equals("tokenizer.ggml.scores");
                if (archKey || tokenizerKey) assertEquals(rm.get(k), om.get(k), k);
            }
            if (rm.contains("tokenizer.ggml.scores")) {
                float[] rs = (float[]) rm.getArray("tokenizer.ggml.scores").values(), os = (float[]) om.getArray("tokenizer.ggml.scores").values();
                int[] types = (int[]) rm.getArray("tokenizer.ggml.token_type").values();
                for (int i = 0; i < rs.length; i++) {
                    // tokenizer_config.json's added tokens get score −1000, as llama.cpp's converter gives them
                    assertEquals(types[i] == 3 ? -1000f : rs[i], os[i], "score of token " + i);
                }
            }
        }
        assertEquals(generate(original), generate(converted), "greedy tokens of " + model);
    }

    private static List<Integer> generate(Path model) throws IOException {
        try (Model m = Model.load(model, ModelOptions.builder().threads(1).build())) {
            Completion c = m.newSession().generate("Once upon a time", GenerationParams.builder().temperature(0).maxTokens(12).build(), dev.jllm.TokenListener.NONE);
            return java.util.Arrays.stream(c.tokenIds()).boxed().toList();
        }
    }

    /** A BF16 checkpoint in two shards: kept BF16 ("auto"), each value PyTorch's BF16 rounding of the original. */
    @Test
    void shardedBf16CheckpointConvertsToBf16() throws Exception {
        Path original = TestData.require("models/synth-llama-tied.gguf");
        Path ckpt = dir.resolve("bf16-shards");
        HfCheckpointWriter.write(original, ckpt, new HfCheckpointWriter.Options(true, 2, false, null, null));
        assertTrue(Files.isRegularFile(ckpt.resolve("model-00002-of-00002.safetensors")));
        Path converted = convert(ckpt, HfConverter.OutputType.AUTO);
        try (GGUFFile ref = GGUFFile.open(original); GGUFFile ours = GGUFFile.open(converted)) {
            assertEquals(32, ours.metadata().getInt("general.file_type"), "MOSTLY_BF16");
            for (TensorInfo r : ref.tensors().values()) {
                TensorInfo o = ours.tensorInfo(r.name());
                MemorySegment a = ref.data(r), b = ours.data(o);
                if (r.dims() == 1) {
                    assertEquals(GGMLType.F32, o.type(), r.name() + ": 1-D tensors stay F32");
                    for (long i = 0; i < r.elementCount(); i++) {
                        float x = a.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
                        assertEquals(Float.intBitsToFloat(HfCheckpointWriter.bf16Bits(x) << 16), b.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i), r.name());
                    }
                } else {
                    assertEquals(GGMLType.BF16, o.type(), r.name());
                    for (long i = 0; i < r.elementCount(); i++) {
                        short expected = HfCheckpointWriter.bf16Bits(a.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i));
                        assertEquals(expected, b.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i), r.name() + " element " + i);
                    }
                }
            }
        }
    }

    @Test
    void q8_0OutputIsWhatTheQuantizerMakesOfTheWeights() throws Exception {
        Path original = TestData.require("models/synth-qwen2.gguf");
        Path ckpt = dir.resolve("q8");
        HfCheckpointWriter.write(original, ckpt, new HfCheckpointWriter.Options(false, 1, true, null, null)); // merges as ["a", "b"] pairs
        Path converted = convert(ckpt, HfConverter.OutputType.Q8_0);
        try (GGUFFile ours = GGUFFile.open(converted); GGUFFile ref = GGUFFile.open(original)) {
            assertEquals(7, ours.metadata().getInt("general.file_type"));
            assertEquals(GGMLType.Q8_0, ours.tensorInfo("blk.0.ffn_up.weight").type());
            assertEquals(GGMLType.F32, ours.tensorInfo("blk.0.attn_q.bias").type());
            assertArrayEquals((String[]) ref.metadata().getArray("tokenizer.ggml.merges").values(), (String[]) ours.metadata().getArray("tokenizer.ggml.merges").values());
        }
        List<Integer> q8 = generate(converted);
        assertEquals(12, q8.size());
    }

    /**
     * What the Q/K reordering means: Hugging Face rotates (x[i], x[i + d/2]) of each head,
     * GGUF's llama adjacent pairs (x[2i], x[2i+1]), both by angle p·θ_i. Rotating the
     * reordered vector the GGUF way gives the reordered result of rotating it the Hugging Face
     * way — so the converted model computes what the original did.
     */
    @Test
    void qkRowOrderTurnsHalfSplitRopeIntoAdjacentPairRope() {
        int heads = 3, d = 16, pos = 37;
        Random rnd = new Random(7);
        float[] hf = new float[heads * d];
        for (int i = 0; i < hf.length; i++) hf[i] = rnd.nextFloat() * 2 - 1;
        float[] gguf = new float[hf.length];
        for (int r = 0; r < gguf.length; r++) gguf[r] = hf[QkPermutation.sourceRow(r, d)];
        double[] hfRotated = new double[hf.length], ggufRotated = new double[hf.length];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < d / 2; i++) {
                double theta = pos * Math.pow(10000, -2.0 * i / d), cos = Math.cos(theta), sin = Math.sin(theta);
                int a = h * d + i, b = h * d + i + d / 2; // rotate_half
                hfRotated[a] = hf[a] * cos - hf[b] * sin;
                hfRotated[b] = hf[b] * cos + hf[a] * sin;
                int x = h * d + 2 * i, y = x + 1; // adjacent pairs
                ggufRotated[x] = gguf[x] * cos - gguf[y] * sin;
                ggufRotated[y] = gguf[y] * cos + gguf[x] * sin;
            }
        }
        for (int r = 0; r < gguf.length; r++) assertEquals(hfRotated[QkPermutation.sourceRow(r, d)], ggufRotated[r], 1e-12, "row " + r);
        assertEquals(0, QkPermutation.sourceRow(0, d));
        assertEquals(d / 2, QkPermutation.sourceRow(1, d));
        assertEquals(1, QkPermutation.sourceRow(2, d));
        assertEquals(d + d / 2, QkPermutation.sourceRow(d + 1, d));
    }

    /** Phi-3.5's LongRoPE: the factor lists become rope_factors_long/short, the context ratio the attention factor. */
    @Test
    void phi3LongRopeFactorsBecomeTensors() throws Exception {
        Path ckpt = dir.resolve("phi3-longrope");
        HfCheckpointWriter.write(TestData.require("models/synth-phi3.gguf"), ckpt, HfCheckpointWriter.Options.defaults());
        float[] longF = new float[32], shortF = new float[32];
        for (int i = 0; i < 32; i++) {
            longF[i] = 1 + i * 0.5f;
            shortF[i] = 1 + i * 0.01f;
        }
        edit(ckpt.resolve("config.json"), c -> {
            c.put("max_position_embeddings", 1024);
            ObjectNode s = c.putObject("rope_scaling").put("type", "longrope");
            for (float f : longF) s.withArray("long_factor").add(f);
            for (float f : shortF) s.withArray("short_factor").add(f);
        });
        Path out = dir.resolve("phi3-longrope.gguf");
        HfConverter.convert(ckpt, out, HfConverter.OutputType.F32, null, null, POOL, n -> { });
        try (GGUFFile f = GGUFFile.open(out)) {
            assertEquals((float) Math.sqrt(1 + Math.log(4) / Math.log(256)), f.metadata().getFloat("phi3.rope.scaling.attn_factor"));
            assertEquals(1024, f.metadata().getInt("phi3.context_length"));
            assertEquals(256, f.metadata().getInt("phi3.rope.scaling.original_context_length"));
            for (int i = 0; i < 32; i++) {
                assertEquals(longF[i], f.data(f.tensorInfo("rope_factors_long.weight")).getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i));
                assertEquals(shortF[i], f.data(f.tensorInfo("rope_factors_short.weight")).getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i));
            }
        }
        assertEquals(12, generate(out).size(), "the converted LongRoPE model loads and generates");
    }

    /** Gemma 3 4B and up: a multimodal checkpoint whose text model is under language_model. and whose config nests text_config. */
    @Test
    void gemma3MultimodalCheckpointConvertsItsTextModel() throws Exception {
        Path text = dir.resolve("gemma3-text");
        HfCheckpointWriter.write(TestData.require("models/synth-gemma3.gguf"), text, HfCheckpointWriter.Options.defaults());
        Path mm = copy(text, "gemma3-mm");
        List<HfCheckpointWriter.Entry> entries = new java.util.ArrayList<>();
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            for (Safetensors.Tensor t : Safetensors.open(text.resolve("model.safetensors"), arena).tensors().values()) {
                entries.add(new HfCheckpointWriter.Entry(t.name().replaceFirst("^model\\.", "language_model.model."), t.shape(), t.data().toArray(ValueLayout.JAVA_BYTE)));
            }
        }
        entries.add(new HfCheckpointWriter.Entry("vision_tower.vision_model.embeddings.patch_embedding.weight", new long[]{2, 2}, new byte[16]));
        entries.add(new HfCheckpointWriter.Entry("multi_modal_projector.mm_input_projection_weight", new long[]{2}, new byte[8]));
        HfCheckpointWriter.writeSafetensors(mm.resolve("model.safetensors"), entries, false);
        ObjectNode textConfig = (ObjectNode) JSON.readTree(Files.readString(text.resolve("config.json")));
        textConfig.remove("architectures");
        textConfig.put("model_type", "gemma3_text");
        ObjectNode outer = JSON.createObjectNode();
        outer.putArray("architectures").add("Gemma3ForConditionalGeneration");
        outer.set("text_config", textConfig);
        outer.putObject("vision_config").put("hidden_size", 1152);
        Files.writeString(mm.resolve("config.json"), JSON.writeValueAsString(outer));

        Path a = convert(text, HfConverter.OutputType.F32), b = convert(mm, HfConverter.OutputType.F32);
        try (GGUFFile fa = GGUFFile.open(a); GGUFFile fb = GGUFFile.open(b)) {
            assertEquals(fa.tensors().keySet(), fb.tensors().keySet());
            for (TensorInfo t : fa.tensors().values()) assertEquals(-1, fa.data(t).mismatch(fb.data(fb.tensorInfo(t.name()))), t.name());
            assertEquals("gemma3", fb.metadata().getString("general.architecture"));
            assertEquals(HfArchitecture.GEMMA3_MULTIMODAL, HfModelConfig.of(HfModelConfig.textConfig(JSON.readTree(Files.readString(mm.resolve("config.json"))))).architecture());
            assertEquals(fa.metadata().getInt("gemma3.attention.sliding_window"), fb.metadata().getInt("gemma3.attention.sliding_window"));
        }
    }

    @Test
    void badCheckpointsAreClearErrors() throws Exception {
        Path original = TestData.require("models/synth-qwen3.gguf");
        Path good = dir.resolve("good-qwen3");
        HfCheckpointWriter.write(original, good, HfCheckpointWriter.Options.defaults());

        assertMessage(dir.resolve("nowhere"), "is not a folder");
        Path noConfig = copy(good, "no-config");
        Files.delete(noConfig.resolve("config.json"));
        assertMessage(noConfig, "has no config.json");

        Path gemma = copy(good, "olmo");
        edit(gemma.resolve("config.json"), c -> c.putArray("architectures").add("Olmo2ForCausalLM"));
        assertMessage(gemma, "architecture Olmo2ForCausalLM is not supported by jllm convert (supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, "
                + "Qwen3ForCausalLM, Gemma2ForCausalLM, Gemma3ForCausalLM, Gemma3ForConditionalGeneration, Phi3ForCausalLM)");

        Path wrongShape = copy(good, "wrong-shape");
        edit(wrongShape.resolve("config.json"), c -> c.put("intermediate_size", 640));
        assertMessage(wrongShape, "checkpoint tensor model.layers.0.mlp.gate_proj.weight has shape [512, 256], config.json implies [640, 256]");

        Path moreLayers = copy(good, "more-layers");
        edit(moreLayers.resolve("config.json"), c -> c.put("num_hidden_layers", 3));
        assertMessage(moreLayers, "the checkpoint has no tensor for blk.2.attn_norm.weight");

        Path fewerLayers = copy(good, "fewer-layers");
        edit(fewerLayers.resolve("config.json"), c -> c.put("num_hidden_layers", 1));
        assertMessage(fewerLayers, "checkpoint tensor model.layers.1.input_layernorm.weight (blk.1.attn_norm.weight) does not belong to a Qwen3ForCausalLM with 1 layers");

        Path truncated = copy(good, "truncated");
        Path st = truncated.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(st);
        Files.write(st, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        assertMessage(truncated, "outside the");

        Path noWeights = copy(good, "no-weights");
        Files.delete(noWeights.resolve("model.safetensors"));
        Files.writeString(noWeights.resolve("pytorch_model.bin"), "");
        assertMessage(noWeights, "has no .safetensors weights (PyTorch pickle checkpoints are not read: save the model with safe_serialization=True)");

        Path unknownPre = copy(good, "unknown-pre");
        Path tj = unknownPre.resolve("tokenizer.json");
        Files.writeString(tj, Files.readString(tj).replace("\\\\p{N}|", "\\\\p{N}{1,2}|"));
        assertMessage(unknownPre, "is not one jllm convert recognises (Llama 3, Qwen2, GPT-2, SmolLM); if you know which llama.cpp pre-tokenizer it is, pass it with --pre NAME");
        Path out = dir.resolve("unknown-pre.gguf");
        HfConverter.convert(unknownPre, out, HfConverter.OutputType.F16, null, "qwen2", POOL, n -> { });
        try (GGUFFile f = GGUFFile.open(out)) {
            assertEquals("qwen2", f.metadata().getString("tokenizer.ggml.pre"));
        }
    }

    @Test
    void chatTemplatesAndSpecialTokensComeFromTokenizerConfig() throws Exception {
        Path ckpt = copy(dir.resolve("templates-src"), "templates");
        HfCheckpointWriter.write(TestData.require("models/synth-qwen2.gguf"), ckpt, HfCheckpointWriter.Options.defaults());
        edit(ckpt.resolve("tokenizer_config.json"), c -> {
            c.put("eos_token", "<|im_end|>");
            c.set("bos_token", JSON.createObjectNode().put("content", "<|im_start|>"));
            c.putArray("chat_template").add(JSON.createObjectNode().put("name", "default").put("template", "{{ messages }}"))
                    .add(JSON.createObjectNode().put("name", "tool use").put("template", "{{ tools }}"));
        });
        Path out = dir.resolve("templates.gguf");
        HfConverter.convert(ckpt, out, HfConverter.OutputType.F16, "my model", null, POOL, n -> { });
        try (GGUFFile f = GGUFFile.open(out)) {
            GGUFMetadata md = f.metadata();
            assertEquals("my model", md.getString("general.name"));
            assertEquals(558, md.getInt("tokenizer.ggml.eos_token_id"));
            assertEquals(557, md.getInt("tokenizer.ggml.bos_token_id"));
            assertEquals("{{ messages }}", md.getString("tokenizer.chat_template"));
            assertEquals("{{ tools }}", md.getString("tokenizer.chat_template.tool_use"));
            assertArrayEquals(new String[]{"tool_use"}, (String[]) md.getArray("tokenizer.chat_templates").values());
            assertFalse(md.getBoolean("tokenizer.ggml.add_bos_token"));
        }
    }

    @Test
    void safetensorsHeadersAreChecked() {
        MemorySegment tooShort = MemorySegment.ofArray(new byte[5]);
        assertTrue(assertThrows(ConversionException.class, () -> Safetensors.parse(tooShort, "x.safetensors")).getMessage().contains("shorter than the 8-byte header length"));
        assertHeader("{\"a\": {\"dtype\": \"I64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", 8, "tensor a has element type I64; only F32, F16 and BF16 checkpoints can be converted");
        assertHeader("{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8, "tensor a has 8 data bytes, but shape [3] of F32 needs 12");
        assertHeader("{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 8, "tensor a has data_offsets [0, 16) outside the 8 data bytes (truncated?)");
        assertHeader("{\"a\": ", 0, "header is not valid JSON");
        assertHeader("[1, 2]", 0, "header is not a JSON object");
        byte[] huge = new byte[16];
        java.nio.ByteBuffer.wrap(huge).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        assertTrue(assertThrows(ConversionException.class, () -> Safetensors.parse(MemorySegment.ofArray(huge), "x")).getMessage().contains("is not a safetensors header"));
        Safetensors ok = Safetensors.parse(segment("{\"__metadata__\": {\"format\": \"pt\"}, \"w\": {\"dtype\": \"BF16\", \"shape\": [2, 2], \"data_offsets\": [0, 8]}}", 8), "ok");
        assertEquals("pt", ok.metadata().get("format"));
        assertArrayEquals(new long[]{2, 2}, ok.tensors().get("w").shape());
        assertEquals(4, ok.tensors().get("w").elements());
    }

    @Test
    void sentencePieceModelsAreChecked() {
        assertTrue(assertThrows(ConversionException.class, () -> SentencePieceModel.parse(new byte[]{0x0a, 0x05, 0x0a}, "t.model")).getMessage()
                .contains("runs past the end (truncated?)"));
        assertTrue(assertThrows(ConversionException.class, () -> SentencePieceModel.parse(new byte[]{0x12, 0x00}, "t.model")).getMessage()
                .contains("it has no pieces"));
        // one piece "ab", score -2, type CONTROL; then a normalizer_spec, which is skipped
        byte[] model = {0x0a, 0x0b, 0x0a, 0x02, 'a', 'b', 0x15, 0, 0, 0, (byte) 0xc0, 0x18, 0x03, 0x1a, 0x02, 0x18, 0x00};
        SentencePieceModel m = SentencePieceModel.parse(model, "t.model");
        assertEquals(List.of(new SentencePieceModel.Piece("ab", -2f, 3)), m.pieces());
    }

    @Test
    void llama3RopeFactorsFollowTheFormula() {
        ObjectNode config = (ObjectNode) JSON.valueToTree(java.util.Map.of("architectures", List.of("LlamaForCausalLM"), "hidden_size", 2048,
                "intermediate_size", 8192, "num_hidden_layers", 16, "num_attention_heads", 32, "num_key_value_heads", 8, "rms_norm_eps", 1e-5,
                "rope_theta", 500000.0, "max_position_embeddings", 131072, "vocab_size", 128256));
        config.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 32.0).put("low_freq_factor", 1.0).put("high_freq_factor", 4.0)
                .put("original_max_position_embeddings", 8192);
        float[] f = RopeScaling.llama3Factors(HfModelConfig.of(config));
        assertEquals(32, f.length);
        assertEquals(1f, f[0], "the highest frequencies are not scaled");
        assertEquals(32f, f[31], "the lowest frequencies are divided by the factor");
        for (int i = 1; i < f.length; i++) assertTrue(f[i] >= f[i - 1], "factors grow as the frequency falls");
        config.remove("rope_scaling");
        assertNull(RopeScaling.llama3Factors(HfModelConfig.of(config)));
    }

    private static void assertHeader(String json, int dataBytes, String expected) {
        ConversionException e = assertThrows(ConversionException.class, () -> Safetensors.parse(segment(json, dataBytes), "x.safetensors"));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static MemorySegment segment(String json, int dataBytes) {
        byte[] h = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + h.length + dataBytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return MemorySegment.ofArray(b.array());
    }

    private static void assertMessage(Path checkpoint, String expected) {
        ConversionException e = assertThrows(ConversionException.class, () -> HfConverter.convert(checkpoint, dir.resolve("fail.gguf"),
                HfConverter.OutputType.F16, null, null, POOL, n -> { }));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(Files.exists(dir.resolve("fail.gguf")), "nothing written");
    }

    private static Path copy(Path from, String name) throws IOException {
        Path to = dir.resolve(name);
        Files.createDirectories(to);
        if (Files.isDirectory(from)) {
            try (var s = Files.list(from)) {
                for (Path p : s.toList()) Files.copy(p, to.resolve(p.getFileName()));
            }
        }
        return to;
    }

    private static void edit(Path json, java.util.function.Consumer<ObjectNode> change) throws IOException {
        ObjectNode n = (ObjectNode) JSON.readTree(Files.readString(json));
        change.accept(n);
        Files.writeString(json, JSON.writeValueAsString(n));
    }
}
