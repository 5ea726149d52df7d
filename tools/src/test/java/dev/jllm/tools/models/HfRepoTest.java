package dev.jllm.tools.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Hugging Face repository names and the Hub's file list. */
class HfRepoTest {
    @Test
    void namesInTheFormsPeopleCopy() {
        assertEquals("hf:Qwen/Qwen2.5-0.5B-Instruct", HfRepo.parse("hf:Qwen/Qwen2.5-0.5B-Instruct").toString());
        assertEquals("hf:bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", HfRepo.parse("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M").toString());
        assertEquals("hf:HuggingFaceTB/SmolLM2-135M-Instruct", HfRepo.parse("https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct/").toString());
        assertEquals("HuggingFaceTB/SmolLM2-135M-Instruct", HfRepo.parse("huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct").id());
        assertNull(HfRepo.parse("qwen2.5-0.5b-instruct"), "a registry name");
        assertNull(HfRepo.parse("https://huggingface.co/acme/repo/resolve/main/model.gguf"), "a file URL is a plain download");
        assertNull(HfRepo.parse("hf:only-owner"));
        assertNull(HfRepo.parse("hf:acme/../etc"));
    }

    @Test
    void endpointComesFromHfEndpoint() {
        assertEquals("https://huggingface.co", HfRepo.endpoint(Map.<String, String>of()::get).toString());
        assertEquals("http://mirror.local:8080", HfRepo.endpoint(Map.of("HF_ENDPOINT", "http://mirror.local:8080/")::get).toString());
    }

    @Test
    void treeEntriesGiveSizesAndLfsChecksums() throws Exception {
        var tree = new ObjectMapper().readTree("""
                [{"type":"directory","path":"onnx"},
                 {"type":"file","path":"config.json","size":726,"oid":"abc"},
                 {"type":"file","path":"model.safetensors","size":134,"lfs":{"oid":"%s","size":988097824}}]""".formatted("0f".repeat(32)));
        assertEquals(List.of(new HfRepo.RepoFile("config.json", 726, null), new HfRepo.RepoFile("model.safetensors", 988097824, "0f".repeat(32))),
                HfRepo.parseTree(tree, "acme/x"));
        var notAList = new ObjectMapper().readTree("{\"error\":\"Repository not found\"}");
        assertTrue(assertThrows(Downloader.DownloadException.class, () -> HfRepo.parseTree(notAList, "acme/x")).getMessage().contains("is not a JSON array"));
    }
}
