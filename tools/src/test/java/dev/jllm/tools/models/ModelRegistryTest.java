package dev.jllm.tools.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.jllm.JllmException;
import dev.jllm.tensor.GGMLType;

/** The committed registry (as shipped in the jar) and the registry format's checks. */
class ModelRegistryTest {
    static final ModelRegistry BUILT_IN = ModelRegistry.load(dev.jllm.testing.TestData.projectRoot().resolve("models/registry.json"));

    @Test
    void listsTheModelsTheIssueAsksFor() {
        for (String name : List.of("smollm2-135m-instruct", "smollm2-360m-instruct", "qwen2.5-0.5b-instruct", "llama-3.2-1b-instruct",
                "llama-3.2-3b-instruct", "qwen3-0.6b", "qwen3-1.7b", "phi-3.5-mini-instruct", "gemma-2-2b-it")) {
            assertTrue(BUILT_IN.find(name).isPresent(), name);
        }
    }

    @Test
    void everyEntryIsComplete() {
        Set<String> arch = java.util.Arrays.stream(dev.jllm.model.Architecture.values()).map(a -> a.ggufName).collect(java.util.stream.Collectors.toSet());
        for (ModelRegistry.Entry e : BUILT_IN.entries()) {
            assertEquals("https", e.url().getScheme(), e.name());
            assertEquals("huggingface.co", e.url().getHost(), e.name());
            assertTrue(e.url().getPath().endsWith("/resolve/main/" + e.file()), e.name() + ": the file name is the URL's");
            assertTrue(arch.contains(e.architecture()), e.name() + " has an architecture jllm runs");
            assertTrue(e.license() != null && e.description() != null && e.parameters() != null, e.name());
            // The quantization must be one jllm computes with (K-quant mixes are named after their main type).
            String q = e.quantization().replaceFirst("_[SML]$", "");
            GGMLType.valueOf(q);
            assertTrue(e.displaySize() > 0, e.name() + " has a size to show");
            // No invented checksums: none could be verified when the list was written.
            assertNull(e.sha256(), e.name());
        }
    }

    @Test
    void theDefaultIsSmall() {
        ModelRegistry.Entry d = BUILT_IN.defaultEntry();
        assertEquals("smollm2-135m-instruct", d.name());
        assertTrue(d.displaySize() < 200_000_000L, "the default downloads quickly");
        assertEquals(d, BUILT_IN.find("SmolLM2-135M").orElseThrow(), "aliases, case-insensitive");
        assertEquals(d, BUILT_IN.byFile(d.file()).orElseThrow());
    }

    @Test
    void theJarShipsTheSameRegistry() {
        ModelRegistry shipped = ModelRegistry.load();
        assertEquals(BUILT_IN.entries(), shipped.entries());
    }

    static JllmException bad(String json) {
        return assertThrows(JllmException.class, () -> ModelRegistry.parse(json.getBytes(StandardCharsets.UTF_8), "r.json"));
    }

    @Test
    void malformedRegistriesAreRefusedWithTheReason() {
        String ok = "{\"name\":\"a\",\"url\":\"https://h/a.gguf\",\"default\":true}";
        assertEquals(1, ModelRegistry.parse(("{\"models\":[" + ok + "]}").getBytes(), "r.json").entries().size());
        assertTrue(bad("{").getMessage().contains("not valid JSON"));
        assertTrue(bad("{\"models\":[{\"name\":\"a\",\"url\":\"https://h/a.gguf\"}]}").getMessage().contains("exactly one model"));
        assertTrue(bad("{\"models\":[" + ok + "," + ok + "]}").getMessage().contains("used twice"));
        assertTrue(bad("{\"models\":[{\"name\":\"a\",\"url\":\"https://h/a.gguf\",\"default\":true,\"sha256\":\"xyz\"}]}").getMessage().contains("64 hex"));
        assertTrue(bad("{\"models\":[{\"name\":\"a\",\"url\":\"https://h/../x\",\"file\":\"../x.gguf\",\"default\":true}]}").getMessage().contains("plain NAME.gguf"));
        assertTrue(bad("{\"models\":[{\"name\":\"a\",\"url\":\"ftp://h/a.gguf\",\"default\":true}]}").getMessage().contains("http(s)"));
        assertTrue(bad("{\"models\":[{\"name\":\"a\",\"url\":\"https://h/a.gguf\",\"default\":true,\"size\":-3}]}").getMessage().contains("positive"));
    }
}
