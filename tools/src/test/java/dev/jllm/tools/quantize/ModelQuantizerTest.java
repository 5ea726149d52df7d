package dev.jllm.tools.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import dev.jllm.Completion;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.gguf.GGUFFile;
import dev.jllm.gguf.TensorInfo;
import dev.jllm.tensor.GGMLType;
import dev.jllm.tensor.WorkerPool;
import dev.jllm.testing.TestData;

/**
 * {@code jllm quantize} reproduces llama-quantize: quantizing the F32 synthetic model gives, for
 * every tensor, the type and the exact bytes of llama.cpp's file of the same recipe.
 */
class ModelQuantizerTest {
    @TempDir Path dir;

    @TestFactory
    Stream<DynamicTest> sameTypesAndBytesAsLlamaQuantize() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String target : new String[]{"Q8_0", "Q4_0", "Q5_1", "Q6_K", "Q4_K_M", "Q5_K_M", "IQ4_NL"}) {
            tests.add(DynamicTest.dynamicTest(target, () -> compare(target)));
        }
        return tests.stream();
    }

    void compare(String target) throws Exception {
        Path f32 = TestData.require("models/synth-llama-kq-f32.gguf");
        Path reference = TestData.require("models/synth-llama-kq-" + target.toLowerCase() + ".gguf");
        Path out = dir.resolve(target + ".gguf");
        try (GGUFFile in = GGUFFile.open(f32); WorkerPool pool = new WorkerPool(2)) {
            ModelQuantizer.quantize(in, QuantRecipe.parse(target), false, out, pool, n -> {});
        }
        try (GGUFFile ours = GGUFFile.open(out); GGUFFile ref = GGUFFile.open(reference)) {
            assertEquals(ref.tensors().keySet(), ours.tensors().keySet());
            for (TensorInfo r : ref.tensors().values()) {
                TensorInfo o = ours.tensorInfo(r.name());
                assertEquals(r.type(), o.type(), r.name() + " type");
                assertEquals(-1, ref.data(r).mismatch(ours.data(o)), r.name() + " bytes");
            }
            assertEquals(ref.metadata().getInt("general.file_type"), ours.metadata().getInt("general.file_type"));
        }
    }

    @Test
    void refusesToQuantizeQuantizedWeights() throws Exception {
        Path q4 = TestData.require("models/synth-llama-kq-q4_0.gguf");
        try (GGUFFile in = GGUFFile.open(q4); WorkerPool pool = new WorkerPool(1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ModelQuantizer.quantize(in, QuantRecipe.parse("Q8_0"), false, dir.resolve("x.gguf"), pool, n -> {}));
            assertTrue(e.getMessage().contains("already Q4_0"), e.getMessage());
        }
    }

    @Test
    void recipeFollowsLlamaCppRules() {
        QuantRecipe m = QuantRecipe.parse("Q4_K_M");
        assertEquals(GGMLType.Q6_K, m.typeFor("output.weight", 2048, 2, 16, true));
        assertEquals(GGMLType.Q6_K, m.typeFor("token_embd.weight", 2048, 2, 16, false), "a tied embedding stands in for the output");
        assertEquals(GGMLType.Q4_K, m.typeFor("token_embd.weight", 2048, 2, 16, true));
        assertEquals(GGMLType.Q6_K, m.typeFor("blk.0.ffn_down.weight", 8192, 2, 16, true));
        assertEquals(GGMLType.Q4_K, m.typeFor("blk.2.ffn_down.weight", 8192, 2, 16, true));
        assertEquals(GGMLType.Q6_K, m.typeFor("blk.4.attn_v.weight", 2048, 2, 16, true));
        assertEquals(GGMLType.Q5_0, m.typeFor("blk.2.attn_q.weight", 896, 2, 24, true), "896 is no multiple of 256");
        assertEquals(GGMLType.F32, m.typeFor("blk.0.attn_norm.weight", 2048, 1, 16, true));
        assertThrows(IllegalArgumentException.class, () -> QuantRecipe.parse("Q7_X"));
    }

    /** A synthetic mixture-of-experts model: 3-D expert tensors, an F32 router, and it loads, runs and quantizes. */
    @Test
    void syntheticMixtureOfExpertsLoadsRunsAndQuantizes() throws Exception {
        ModelShape shape = new ModelShape("tiny-moe", "qwen3moe", 256, 2, 4, 2, 256, 300, 256, 10000f, false, false, 8, 2);
        Path out = dir.resolve("tiny-moe.gguf");
        try (WorkerPool pool = new WorkerPool(2)) {
            SyntheticModel.write(shape, QuantRecipe.parse("Q4_K_M"), null, out, pool, n -> {});
        }
        try (GGUFFile f = GGUFFile.open(out)) {
            assertEquals("[256, 256, 8]", java.util.Arrays.toString(f.tensorInfo("blk.1.ffn_up_exps.weight").shape()));
            assertEquals(GGMLType.F32, f.tensorInfo("blk.0.ffn_gate_inp.weight").type());
            assertEquals(GGMLType.Q4_K, f.tensorInfo("blk.0.ffn_up_exps.weight").type());
            assertEquals(GGMLType.Q6_K, f.tensorInfo("blk.1.ffn_down_exps.weight").type(), "the last layer: more bits, as llama.cpp");
            assertEquals(GGMLType.Q4_K, f.tensorInfo("blk.0.ffn_down_exps.weight").type());
            assertEquals(SyntheticModel.tensorBytes(shape, QuantRecipe.parse("Q4_K_M"), 300),
                    f.tensors().values().stream().mapToLong(TensorInfo::byteSize).sum());
        }
        Path q8 = dir.resolve("tiny-moe-q8_0.gguf");
        try (GGUFFile f = GGUFFile.open(out); WorkerPool pool = new WorkerPool(2)) {
            ModelQuantizer.quantize(f, QuantRecipe.parse("Q8_0"), true, q8, pool, n -> {});
        }
        for (Path p : new Path[]{out, q8}) {
            try (Model m = Model.load(p, ModelOptions.builder().contextLength(64).build())) {
                assertEquals("qwen3moe", m.info().architecture());
                Completion c = m.newSession().generate(new int[]{1, 300 - 1, 5, 7, 9}, GenerationParams.greedy(4), dev.jllm.TokenListener.NONE);
                assertEquals(4, c.generatedTokens());
            }
        }
    }

    /** A synthetic model in a custom shape loads and generates (its text is gibberish; its shape is what matters). */
    @Test
    void syntheticModelLoadsAndRuns() throws Exception {
        ModelShape shape = new ModelShape("tiny", "llama", 256, 2, 4, 2, 512, 300, 256, 10000f, true, false, 0, 0);
        Path out = dir.resolve("tiny.gguf");
        try (WorkerPool pool = new WorkerPool(2)) {
            SyntheticModel.write(shape, QuantRecipe.parse("Q4_K_M"), null, out, pool, n -> {});
        }
        try (GGUFFile f = GGUFFile.open(out)) {
            assertEquals(GGMLType.Q6_K, f.tensorInfo("token_embd.weight").type());
            assertEquals(GGMLType.Q4_K, f.tensorInfo("blk.0.attn_q.weight").type());
            assertEquals(SyntheticModel.tensorBytes(shape, QuantRecipe.parse("Q4_K_M"), 300),
                    f.tensors().values().stream().mapToLong(TensorInfo::byteSize).sum());
        }
        try (Model m = Model.load(out, ModelOptions.builder().contextLength(64).build())) {
            Completion c = m.newSession().generate(new int[]{1, 300 - 1, 5}, GenerationParams.greedy(4), (p, id) -> dev.jllm.TokenListener.Action.CONTINUE);
            assertEquals(3, c.promptTokens());
        }
    }
}
