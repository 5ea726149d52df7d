package dev.jllm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jllm.gguf.GGUFFile;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.GGUFWriter;
import dev.jllm.gguf.TensorInfo;
import dev.jllm.tensor.GGMLType;
import dev.jllm.tensor.WorkerPool;
import dev.jllm.testing.TestData;

/**
 * Phi-3's LongRoPE (the {@code rope_factors_short}/{@code rope_factors_long} tensors and
 * {@code rope.scaling.attn_factor}), checked by equivalence on variants of synth-phi3, whose
 * original context is 256: the factor set a session uses follows its context length, and the
 * attention factor acts as queries and keys scaled by it. Plus the load errors around them.
 */
class RopeScalingTest {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final int PAIRS = 32; // rope.dimension_count 64 / 2
    static final int[] TOKENS = {1, 300, 45, 87, 200, 13, 480, 77, 9, 150, 310, 64};

    @TempDir Path dir;
    final Arena arena = Arena.ofAuto();

    /** A copy of synth-phi3 with metadata edits and extra or replaced tensors (F32 values; null drops a tensor). */
    Path variant(String name, Map<String, Object> metadata, Map<String, float[]> tensors) throws IOException {
        Path out = dir.resolve(name);
        try (GGUFFile f = GGUFFile.open(TestData.require("models/synth-phi3.gguf"))) {
            GGUFMetadata md = f.metadata().copy();
            metadata.forEach((k, v) -> {
                if (v instanceof Float x) md.putFloat32(k, x);
                else md.putUInt32(k, (Integer) v);
            });
            GGUFWriter w = new GGUFWriter(md);
            for (TensorInfo t : f.tensors().values()) {
                if (tensors.containsKey(t.name())) continue;
                w.addTensor(t.name(), t.type(), t.shape(), f.data(t));
            }
            for (var e : tensors.entrySet()) {
                if (e.getValue() == null) continue;
                TensorInfo original = f.tensorInfo(e.getKey());
                long[] shape = original != null ? original.shape() : new long[]{e.getValue().length};
                w.addTensor(e.getKey(), GGMLType.F32, shape, arena.allocateFrom(F32, e.getValue()));
            }
            w.write(out);
        }
        return out;
    }

    /** Logits of every position of {@link #TOKENS}, in a session with room for {@code context} positions. */
    static float[][] logits(Path model, int context) {
        try (GGUFFile file = GGUFFile.open(model); WorkerPool pool = new WorkerPool(1)) {
            ModelConfig config = ModelConfig.from(file.metadata());
            Transformer tf = new Transformer(config, ModelWeights.load(file, config), pool);
            return new InferenceSession(tf, context).feedAll(TOKENS);
        }
    }

    static float[] filled(float... cycle) {
        float[] f = new float[PAIRS];
        for (int i = 0; i < PAIRS; i++) f[i] = cycle[i % cycle.length];
        return f;
    }

    static float maxDiff(float[][] a, float[][] b) {
        float max = 0;
        for (int p = 0; p < a.length; p++) for (int i = 0; i < a[p].length; i++) max = Math.max(max, Math.abs(a[p][i] - b[p][i]));
        return max;
    }

    @Test
    void sessionsUpToTheOriginalContextUseTheShortFactorsLongerOnesTheLong() throws IOException {
        float[] shortSet = filled(1f), longSet = filled(1f, 1.5f, 3f, 8f);
        Path longRope = variant("longrope.gguf", Map.of(),
                Map.of("rope_factors_short.weight", shortSet, "rope_factors_long.weight", longSet));
        Path plain = TestData.require("models/synth-phi3.gguf");
        Path alwaysLong = variant("always-long.gguf", Map.of(), Map.of("rope_freqs.weight", longSet));

        float[][] shortSession = logits(longRope, 256);
        float[][] longSession = logits(longRope, 257);
        // factors of 1 are no factors: bit for bit the file without them
        for (int p = 0; p < TOKENS.length; p++) assertArrayEquals(logits(plain, 256)[p], shortSession[p], "position " + p);
        float[][] expectedLong = logits(alwaysLong, 257);
        for (int p = 0; p < TOKENS.length; p++) assertArrayEquals(expectedLong[p], longSession[p], "position " + p);
        assertTrue(maxDiff(shortSession, longSession) > 0.01f, "the long factors must change the logits");
    }

    @Test
    void attentionFactorActsAsQueriesAndKeysScaledByIt() throws IOException {
        float m = 1.3f;
        Path withFactor = variant("attn-factor.gguf", Map.of("phi3.rope.scaling.attn_factor", m), Map.of());
        // the same model with the factor folded into the Q and K rows of the fused attn_qkv (RoPE is linear)
        float[] qkv0, qkv1;
        try (GGUFFile f = GGUFFile.open(TestData.require("models/synth-phi3.gguf"))) {
            qkv0 = scaledQK(f, "blk.0.attn_qkv.weight", m);
            qkv1 = scaledQK(f, "blk.1.attn_qkv.weight", m);
        }
        Path folded = variant("folded.gguf", Map.of(), Map.of("blk.0.attn_qkv.weight", qkv0, "blk.1.attn_qkv.weight", qkv1));

        float[][] a = logits(withFactor, 64), b = logits(folded, 64);
        float diff = maxDiff(a, b);
        assertTrue(diff < 2e-3f, "attn_factor and folded weights differ by " + diff);
        float changed = maxDiff(a, logits(TestData.require("models/synth-phi3.gguf"), 64));
        assertTrue(changed > 0.01f, "the attention factor must change the logits (by " + changed + ")");
    }

    /** attn_qkv's values with the query and key rows (the first 4·64 + 2·64 rows of 256 values) multiplied by m. */
    static float[] scaledQK(GGUFFile f, String name, float m) {
        TensorInfo t = f.tensorInfo(name);
        assertEquals(GGMLType.F32, t.type());
        float[] v = f.data(t).toArray(F32);
        int qkRows = 4 * 64 + 2 * 64, cols = 256;
        for (int i = 0; i < qkRows * cols; i++) v[i] *= m;
        return v;
    }

    @Test
    void halfALongRopePairIsAnError() throws IOException {
        String msg = ModelLoadErrorsTest.loadError(variant("half.gguf", Map.of(), Map.of("rope_factors_long.weight", filled(2f))));
        assertTrue(msg.contains("rope_factors_long without rope_factors_short"), msg);
    }

    @Test
    void aTensorTheArchitectureDoesNotUseIsAnError() throws IOException {
        String msg = ModelLoadErrorsTest.loadError(variant("bias.gguf", Map.of(), Map.of("blk.0.attn_output.bias", new float[256])));
        assertTrue(msg.contains("1 tensor this architecture does not use (blk.0.attn_output.bias)"), msg);
    }

    @Test
    void phi3MixtureOfExpertsIsNamedAsUnsupported() throws IOException {
        // Phi-3.5-MoE: experts are implemented for llama (Mixtral) and qwen3moe only
        String msg = ModelLoadErrorsTest.loadError(variant("moe.gguf", Map.of("phi3.expert_count", 8, "phi3.expert_used_count", 2), Map.of()));
        assertTrue(msg.contains("phi3: mixture-of-experts layers are supported for llama (Mixtral) and qwen3moe only"), msg);
    }

    @Test
    void aNonPositiveAttentionFactorIsAnError() throws IOException {
        String msg = ModelLoadErrorsTest.loadError(variant("zero.gguf", Map.of("phi3.rope.scaling.attn_factor", 0f), Map.of()));
        assertTrue(msg.contains("invalid RoPE scaling"), msg);
    }
}
