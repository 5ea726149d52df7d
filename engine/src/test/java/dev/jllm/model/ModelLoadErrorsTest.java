package dev.jllm.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jllm.Model;
import dev.jllm.ModelLoadException;
import dev.jllm.gguf.GGUFFile;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.GGUFWriter;
import dev.jllm.gguf.TensorInfo;
import dev.jllm.tensor.GGMLType;
import dev.jllm.testing.TestData;

/** Unsupported architectures, missing tensors and unsupported tensor types are clear errors naming them. */
class ModelLoadErrorsTest {
    @TempDir Path dir;

    /** A copy of a real model with some metadata changed and some tensors dropped or retyped. */
    Path variant(String name, java.util.function.Consumer<GGUFMetadata> editMetadata, String dropTensor, String retypeTensor) throws IOException {
        Path src = TestData.require("models/stories260K-f32.gguf");
        Path out = dir.resolve(name);
        try (GGUFFile f = GGUFFile.open(src); Arena arena = Arena.ofConfined()) {
            GGUFMetadata md = f.metadata().copy();
            editMetadata.accept(md);
            GGUFWriter w = new GGUFWriter(md);
            for (TensorInfo t : f.tensors().values()) {
                if (t.name().equals(dropTensor)) continue;
                if (t.name().equals(retypeTensor)) {
                    // same bytes reinterpreted: only the type id matters for this test
                    long elements = t.elementCount();
                    w.addTensor(t.name(), GGMLType.IQ2_XXS, new long[]{256, elements / 256}, arena.allocate(GGMLType.IQ2_XXS.bytesFor(elements)));
                    continue;
                }
                w.addTensor(t.name(), t.type(), t.shape(), f.data(t));
            }
            w.write(out);
        }
        return out;
    }

    static String loadError(Path p) {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Model.load(p).close());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void unsupportedArchitectureIsNamed() throws IOException {
        Path p = variant("arch.gguf", md -> md.putString("general.architecture", "mamba"), null, null);
        String msg = loadError(p);
        assertTrue(msg.contains("unsupported model architecture 'mamba'") && msg.contains("qwen2"), msg);
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path p = variant("missing.gguf", md -> {}, "blk.3.ffn_up.weight", null);
        String msg = loadError(p);
        assertTrue(msg.contains("lacks required tensor blk.3.ffn_up.weight"), msg);
    }

    @Test
    void missingHyperParameterIsNamed() throws IOException {
        Path p = variant("nokey.gguf", md -> md.remove("llama.block_count"), null, null);
        String msg = loadError(p);
        assertTrue(msg.contains("llama.block_count"), msg);
    }

    @Test
    void unsupportedTensorTypeIsNamed() throws IOException {
        Path p = variant("type.gguf", md -> {}, null, "token_embd.weight");
        String msg = loadError(p);
        assertTrue(msg.contains("token_embd.weight") && msg.contains("IQ2_XXS"), msg);
    }

    @Test
    void notAGgufFile() throws IOException {
        Path p = dir.resolve("text.gguf");
        Files.writeString(p, "this is not a model");
        String msg = loadError(p);
        assertTrue(msg.contains("not a GGUF file"), msg);
    }
}
