package dev.jllm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jllm.Model;
import dev.jllm.ModelLoadException;
import dev.jllm.gguf.GGUFFile;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.GGUFWriter;
import dev.jllm.gguf.TensorInfo;
import dev.jllm.tensor.GGMLType;
import dev.jllm.tensor.WorkerPool;
import dev.jllm.testing.TestData;

/**
 * Mixture-of-experts models end to end. No llama.cpp reference of a MoE file is at hand, so the
 * check is by construction: a dense model turned into one whose experts are all copies of its
 * feed-forward computes the same function whatever the router says (the chosen experts'
 * weights sum to 1) — for synth-qwen3, which itself matches llama.cpp's reference, as qwen3moe.
 * The routing and per-expert arithmetic with distinct experts are checked by
 * {@link ExpertFeedForwardTest}.
 */
class MixtureOfExpertsModelTest {
    static final int EXPERTS = 4, USED = 2;
    @TempDir Path dir;

    /**
     * A copy of a dense model whose layers' ffn_gate/up/down are replaced by {@code EXPERTS}
     * copies each (3-D _exps tensors) and a random router; metadata keys move to {@code arch}.
     */
    Path moeVariant(String source, String arch, Consumer<GGUFMetadata> edit) throws IOException {
        Path out = dir.resolve(arch + "-moe.gguf");
        Random r = new Random(11);
        try (GGUFFile f = GGUFFile.open(TestData.require(source)); Arena arena = Arena.ofConfined()) {
            String from = f.metadata().getString("general.architecture");
            GGUFMetadata md = new GGUFMetadata();
            for (String k : f.metadata().keys()) {
                String key = k.startsWith(from + ".") ? arch + k.substring(from.length()) : k;
                md.put(key, f.metadata().type(k), f.metadata().get(k));
            }
            md.putString("general.architecture", arch);
            md.putUInt32(arch + ".expert_count", EXPERTS);
            md.putUInt32(arch + ".expert_used_count", USED);
            md.putUInt32(arch + ".expert_feed_forward_length", f.metadata().getInt(from + ".feed_forward_length"));
            edit.accept(md);
            GGUFWriter w = new GGUFWriter(md);
            for (TensorInfo t : f.tensors().values()) {
                String name = t.name();
                if (!name.matches("blk\\.\\d+\\.ffn_(gate|up|down)\\.weight")) {
                    w.addTensor(name, t.type(), t.shape(), f.data(t));
                    continue;
                }
                MemorySegment one = f.data(t), all = arena.allocate(EXPERTS * one.byteSize());
                for (int e = 0; e < EXPERTS; e++) MemorySegment.copy(one, 0, all, e * one.byteSize(), one.byteSize());
                w.addTensor(name.replace(".weight", "_exps.weight"), t.type(), new long[]{t.dim(0), t.dim(1), EXPERTS}, all);
                if (name.endsWith("ffn_gate.weight")) {
                    long dim = t.dim(0);
                    MemorySegment router = arena.allocate(4 * dim * EXPERTS);
                    for (long i = 0; i < dim * EXPERTS; i++) router.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) r.nextGaussian());
                    w.addTensor(name.replace("ffn_gate.weight", "ffn_gate_inp.weight"), GGMLType.F32, new long[]{dim, EXPERTS}, router);
                }
            }
            w.write(out);
        }
        return out;
    }

    static float[][] logits(Path file, int[] ids) {
        try (GGUFFile f = GGUFFile.open(file); WorkerPool pool = new WorkerPool(2)) {
            ModelConfig c = ModelConfig.from(f.metadata());
            Transformer t = new Transformer(c, ModelWeights.load(f, c), pool);
            return new InferenceSession(t, ids.length, 4).feedAll(ids); // chunks of 4: several tokens share experts
        }
    }

    void assertSameFunction(String dense, Path moe) {
        int[] ids = {1, 403, 407, 261, 126, 365, 100, 30, 286, 409, 263, 1, 2, 198};
        float[][] a = logits(TestData.require(dense), ids), b = logits(moe, ids);
        double worst = 0, range = 0;
        for (int t = 0; t < ids.length; t++) {
            for (int v = 0; v < a[t].length; v++) {
                worst = Math.max(worst, Math.abs(a[t][v] - b[t][v]));
                range = Math.max(range, Math.abs(a[t][v]));
            }
        }
        assertTrue(range > 1, "real logits: " + range);
        assertTrue(worst < 1e-4 * range, "largest logit difference " + worst + " (logits up to " + range + ")");
    }

    @Test
    void mixtralStyleLlamaWithCopiedExpertsIsTheDenseModel() throws IOException {
        Path moe = moeVariant("models/stories260K-f32.gguf", "llama", md -> md.remove("llama.expert_feed_forward_length"));
        assertSameFunction("models/stories260K-f32.gguf", moe);
        try (Model m = Model.load(moe); Model dense = Model.load(TestData.require("models/stories260K-f32.gguf"))) {
            String story = dense.newSession().generate("Once upon a time", dev.jllm.GenerationParams.greedy(30)).text();
            assertEquals(story, m.newSession().generate("Once upon a time", dev.jllm.GenerationParams.greedy(30)).text());
        }
    }

    @Test
    void qwen3moeWithCopiedExpertsIsQwen3() throws IOException {
        assertSameFunction("models/synth-qwen3.gguf", moeVariant("models/synth-qwen3.gguf", "qwen3moe", md -> {}));
    }

    @Test
    void quantizedExpertsAreSlicedPerExpert() throws IOException {
        assertSameFunction("models/synth-qwen3-q8_0.gguf", moeVariant("models/synth-qwen3-q8_0.gguf", "qwen3moe", md -> {}));
    }

    @Test
    void expertWeightsScaleScalesTheExpertsOutput() throws IOException {
        // copied experts, weights × 2: the feed-forward output doubles, so the logits must differ from the dense model's
        Path moe = moeVariant("models/stories260K-f32.gguf", "llama", md -> md.putFloat32("llama.expert_weights_scale", 2f));
        int[] ids = {1, 403, 407, 261, 126};
        float[][] a = logits(TestData.require("models/stories260K-f32.gguf"), ids), b = logits(moe, ids);
        double diff = 0;
        for (int v = 0; v < a[4].length; v++) diff = Math.max(diff, Math.abs(a[4][v] - b[4][v]));
        assertTrue(diff > 0.1, "scaled experts change the logits: " + diff);
        Path unit = moeVariant("models/stories260K-f32.gguf", "llama", md -> md.putFloat32("llama.expert_weights_scale", 1f));
        assertSameFunction("models/stories260K-f32.gguf", unit);
    }

    static String loadError(Path p) {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Model.load(p).close());
        return e.getMessage();
    }

    @Test
    void unsupportedExpertSetupsAreNamed() throws IOException {
        String used = loadError(moeVariant("models/stories260K-f32.gguf", "llama", md -> md.putUInt32("llama.expert_used_count", 5)));
        assertTrue(used.contains("llama.expert_used_count 5 is not between 1 and expert_count 4"), used);
        String shared = loadError(moeVariant("models/stories260K-f32.gguf", "llama", md -> md.putUInt32("llama.expert_shared_count", 1)));
        assertTrue(shared.contains("shared experts (1) are not supported"), shared);
        String sigmoid = loadError(moeVariant("models/stories260K-f32.gguf", "llama", md -> md.putUInt32("llama.expert_gating_func", 2)));
        assertTrue(sigmoid.contains("expert_gating_func 2 is not supported"), sigmoid);
        String gemma = loadError(moeVariant("models/synth-gemma2.gguf", "gemma2", md -> {}));
        assertTrue(gemma.contains("supported for llama (Mixtral) and qwen3moe only"), gemma);
    }

    @Test
    void aDenseFileCalledQwen3moeIsRefused() throws IOException {
        Path p = dir.resolve("dense-qwen3moe.gguf");
        try (GGUFFile f = GGUFFile.open(TestData.require("models/synth-qwen3.gguf"))) {
            GGUFMetadata md = new GGUFMetadata();
            for (String k : f.metadata().keys()) md.put(k.startsWith("qwen3.") ? "qwen3moe" + k.substring(5) : k, f.metadata().type(k), f.metadata().get(k));
            md.putString("general.architecture", "qwen3moe");
            GGUFWriter w = new GGUFWriter(md);
            for (TensorInfo t : f.tensors().values()) w.addTensor(t.name(), t.type(), t.shape(), f.data(t));
            w.write(p);
        }
        String msg = loadError(p);
        assertTrue(msg.contains("lacks qwen3moe.expert_count"), msg);
    }
}
