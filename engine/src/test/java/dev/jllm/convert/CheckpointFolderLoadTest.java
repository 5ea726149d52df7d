package dev.jllm.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelLoadException;
import dev.jllm.ModelOptions;
import dev.jllm.TokenListener;
import dev.jllm.testing.TestData;

/** {@code Model.load} on a Hugging Face checkpoint folder: converted once into the options' folder, then loaded like the GGUF it came from. */
class CheckpointFolderLoadTest {
    @TempDir Path dir;

    private static int[] greedy(Model m) {
        return m.newSession().generate("Once upon a time", GenerationParams.builder().temperature(0).maxTokens(10).build(), TokenListener.NONE).tokenIds();
    }

    @Test
    void aCheckpointFolderLoadsAsTheModelItWasConvertedFrom() throws Exception {
        Path original = TestData.require("models/synth-qwen3.gguf");
        Path ckpt = dir.resolve("Qwen3-synth");
        HfCheckpointWriter.write(original, ckpt, HfCheckpointWriter.Options.defaults());
        Path cache = dir.resolve("converted");
        List<String> stages = new ArrayList<>();
        ModelOptions options = ModelOptions.builder().threads(1).convertedModelsFolder(cache).progress((stage, f) -> stages.add(stage)).build();

        int[] expected;
        try (Model m = Model.load(original, ModelOptions.builder().threads(1).build())) {
            expected = greedy(m);
        }
        try (Model m = Model.load(ckpt, options)) {
            assertArrayEquals(expected, greedy(m));
        }
        assertTrue(stages.contains("converting checkpoint"), stages.toString());
        Path converted;
        try (var files = Files.list(cache)) {
            converted = files.filter(f -> f.getFileName().toString().matches("Qwen3-synth-[0-9a-f]{8}\\.gguf")).findFirst().orElseThrow();
        }
        FileTime made = Files.getLastModifiedTime(converted);

        stages.clear();
        try (Model m = Model.load(ckpt, options)) {
            assertArrayEquals(expected, greedy(m));
        }
        assertFalse(stages.contains("converting checkpoint"), "reused: " + stages);
        assertEquals(made, Files.getLastModifiedTime(converted));

        Files.setLastModifiedTime(ckpt.resolve("tokenizer_config.json"), FileTime.fromMillis(made.toMillis() + 5000));
        stages.clear();
        try (Model m = Model.load(ckpt, options)) {
            assertArrayEquals(expected, greedy(m));
        }
        assertTrue(stages.contains("converting checkpoint"), "a changed folder is converted again: " + stages);
    }

    @Test
    void aBadCheckpointFolderIsALoadError() throws Exception {
        Path ckpt = Files.createDirectories(dir.resolve("broken"));
        Files.writeString(ckpt.resolve("config.json"), "{\"architectures\": [\"BertModel\"]}");
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> Model.load(ckpt, ModelOptions.builder().convertedModelsFolder(dir.resolve("c")).build()));
        assertTrue(e.getMessage().contains("has no .safetensors weights"), e.getMessage());
    }
}
