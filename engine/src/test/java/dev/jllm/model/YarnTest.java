package dev.jllm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.jllm.ModelLoadException;
import dev.jllm.gguf.GGUFFile;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.GGUFWriter;
import dev.jllm.gguf.TensorInfo;
import dev.jllm.testing.TestData;

/**
 * YaRN RoPE tables against Hugging Face's formulation of the same method
 * ({@code _compute_yarn_parameters}: per-frequency blend of interpolated and extrapolated
 * inverse frequencies with a linear ramp over the correction range, attention factor
 * 0.1·ln(factor) + 1), written out independently here; and how the metadata turns into it.
 */
class YarnTest {
    @TempDir Path dir;

    @ParameterizedTest
    @CsvSource({"128, 1000000, 4, 32768, 32, 1", "64, 10000, 8, 4096, 32, 1", "64, 500000, 2.5, 8192, 16, 2", "96, 1000000, 4, 32768, 32, 1"})
    void tablesMatchHuggingFacesYarn(int dim, float base, float factor, int originalContext, float betaFast, float betaSlow) {
        Yarn yarn = new Yarn(1f, betaFast, betaSlow, originalContext);
        int half = dim / 2, positions = 5, pos0 = 40000;
        float[] cos = new float[positions * half], sin = new float[positions * half];
        Rope.tables(pos0, positions, dim, base, 1 / factor, null, 1f, yarn, cos, sin);

        double low = Math.max(Math.floor(correctionDim(betaFast, dim, base, originalContext)), 0);
        double high = Math.min(Math.ceil(correctionDim(betaSlow, dim, base, originalContext)), dim - 1);
        if (low == high) high += 0.001;
        double attention = 0.1 * Math.log(factor) + 1;
        for (int i = 0; i < half; i++) {
            double posFreq = Math.pow(base, 2.0 * i / dim);
            double extrapolation = 1 / posFreq, interpolation = 1 / (factor * posFreq);
            double ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
            double extrapolationFactor = 1 - ramp;
            double invFreq = interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
            for (int t = 0; t < positions; t++) {
                double theta = (pos0 + t) * invFreq;
                assertEquals(Math.cos(theta) * attention, cos[t * half + i], 2e-4, "cos pair " + i + " position " + (pos0 + t));
                assertEquals(Math.sin(theta) * attention, sin[t * half + i], 2e-4, "sin pair " + i + " position " + (pos0 + t));
            }
        }
    }

    private static double correctionDim(double rotations, int dim, double base, int maxPositions) {
        return dim * Math.log(maxPositions / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
    }

    @Test
    void fastPairsKeepTheirAnglesSlowPairsAreInterpolated() {
        Yarn yarn = new Yarn(1f, 32, 1, 32768);
        float[] dims = yarn.correctionDims(128, 1e6f);
        assertTrue(dims[0] > 0 && dims[1] < 127 && dims[0] < dims[1], "a correction range inside the head: " + dims[0] + ".." + dims[1]);
        assertEquals(1f, yarn.originalShare(dims, 0));
        assertEquals(0f, yarn.originalShare(dims, 63));
    }

    /** A copy of synth-qwen2 with extra metadata. */
    private Path variant(Map<String, Object> metadata) throws IOException {
        Path out = dir.resolve("yarn-" + metadata.hashCode() + ".gguf");
        try (GGUFFile f = GGUFFile.open(TestData.require("models/synth-qwen2.gguf"))) {
            GGUFMetadata md = f.metadata().copy();
            metadata.forEach((k, v) -> {
                if (v instanceof Float x) md.putFloat32(k, x);
                else if (v instanceof String s) md.putString(k, s);
                else md.putUInt32(k, (Integer) v);
            });
            GGUFWriter w = new GGUFWriter(md);
            for (TensorInfo t : f.tensors().values()) w.addTensor(t.name(), t.type(), t.shape(), f.data(t));
            w.write(out);
        }
        return out;
    }

    private static ModelConfig config(Path file) {
        try (GGUFFile f = GGUFFile.open(file)) {
            return ModelConfig.from(f.metadata());
        }
    }

    @Test
    void yarnMetadataBecomesEveryLayersScaling() throws IOException {
        ModelConfig c = config(variant(Map.of("qwen2.rope.scaling.type", "yarn", "qwen2.rope.scaling.factor", 4f,
                "qwen2.rope.scaling.original_context_length", 64)));
        for (LayerSpec l : c.layers()) {
            assertEquals(0.25f, l.ropeScale());
            assertNotNull(l.yarn());
            assertEquals(new Yarn(1f, 32f, 1f, 64), l.yarn());
        }
        assertNull(config(TestData.require("models/synth-qwen2.gguf")).layers().getFirst().yarn());
        ModelConfig betas = config(variant(Map.of("qwen2.rope.scaling.type", "yarn", "qwen2.rope.scaling.factor", 4f,
                "qwen2.rope.scaling.yarn_beta_fast", 8f, "qwen2.rope.scaling.yarn_beta_slow", 2f)));
        assertEquals(new Yarn(1f, 8f, 2f, 256), betas.layers().getFirst().yarn(), "original context defaults to context_length");
    }

    @Test
    void unsupportedYarnVariantsAreLoadErrors() throws IOException {
        Path deepseek = variant(Map.of("qwen2.rope.scaling.type", "yarn", "qwen2.rope.scaling.factor", 4f, "qwen2.rope.scaling.yarn_log_multiplier", 0.1f));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> config(deepseek));
        assertTrue(e.getMessage().contains("yarn_log_multiplier (DeepSeek's attention correction) is not supported"), e.getMessage());
        Path badBetas = variant(Map.of("qwen2.rope.scaling.type", "yarn", "qwen2.rope.scaling.factor", 4f, "qwen2.rope.scaling.yarn_beta_fast", 0.5f));
        assertTrue(assertThrows(ModelLoadException.class, () -> config(badBetas)).getMessage().contains("must satisfy beta_fast > beta_slow > 0"));
    }
}
