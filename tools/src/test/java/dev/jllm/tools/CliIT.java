package dev.jllm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.testing.TestData;

/** The command line as users run it: {@code java -jar tools/target/jllm.jar …}. */
class CliIT {
    static final ObjectMapper JSON = new ObjectMapper();

    static String stories() {
        return TestData.require("models/stories260K-f32.gguf").toString();
    }

    @Test
    void generateStreamsTheKnownStory() {
        JarRunner.Result r = JarRunner.run(null, "generate", "-m", stories(), "-p", "Once upon a time", "--temperature", "0", "-n", "60");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("Once upon a time, there was a little girl named Lily. She loved to play outside in the park."), r.out());
        assertFalse(r.err().contains("incubator"), "the Vector API incubator warning must not reach users: " + r.err());
    }

    @Test
    void generateJsonWithPromptIdsAndTopLogits() throws Exception {
        JarRunner.Result r = JarRunner.run(null, "generate", "-m", stories(), "--prompt-ids", "1,403,407", "-n", "5",
                "--temperature", "0", "--json", "--logits-top", "3");
        assertEquals(0, r.status(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals("[1,403,407]", j.get("prompt_ids").toString());
        assertEquals(5, j.get("ids").size());
        assertEquals("length", j.get("finish_reason").asText());
        assertEquals(3, j.get("top_logits").size());
        assertEquals(3, j.get("top_logits").get(0).size());
        // llama.cpp's best token after "<s> Once upon" is 261 (" a") — from ../shared/reference.
        assertEquals(261, j.get("top_logits").get(2).get(0).get(0).asInt());
        assertTrue(j.get("timings").has("generation_tokens_per_second"));
    }

    @Test
    void zeroTokensOnlyScoresThePrompt() throws Exception {
        JarRunner.Result r = JarRunner.run(null, "generate", "-m", stories(), "-p", "Once upon a time", "-n", "0", "--json", "--logits-top", "1");
        assertEquals(0, r.status(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals(0, j.get("ids").size());
        assertEquals(j.get("prompt_ids").size(), j.get("top_logits").size());
    }

    @Test
    void generateJsonObjectWritesJson() throws Exception {
        JarRunner.Result r = JarRunner.run(null, "generate", "-m", stories(), "-p", "Once upon a time", "--temperature", "0", "-n", "30",
                "--json-object", "--json");
        assertEquals(0, r.status(), r.err());
        String text = JSON.readTree(r.out()).get("text").asText();
        dev.jllm.sampling.JsonPrefix p = new dev.jllm.sampling.JsonPrefix();
        assertTrue(p.accept(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)), text);
        assertTrue(JSON.readTree(text + p.completion()).isObject(), text);
    }

    @Test
    void generateJsonSchemaWritesJsonTheSchemaAccepts() throws Exception {
        Path schema = java.nio.file.Files.createTempFile("schema", ".json");
        try {
            java.nio.file.Files.writeString(schema, """
                    {"type": "object", "properties": {"hero": {"type": "string", "maxLength": 12}, "mood": {"enum": ["happy", "sad"]}},
                     "required": ["hero", "mood"]}""");
            JarRunner.Result r = JarRunner.run(null, "generate", "-m", stories(), "-p", "Once upon a time", "--temperature", "0", "-n", "60",
                    "--json-schema", schema.toString(), "--json");
            assertEquals(0, r.status(), r.err());
            JsonNode out = JSON.readTree(r.out());
            assertEquals("stop", out.get("finish_reason").asText());
            JsonNode reply = JSON.readTree(out.get("text").asText());
            assertTrue(reply.get("hero").isTextual() && java.util.Set.of("happy", "sad").contains(reply.get("mood").asText()), reply.toString());
        } finally {
            java.nio.file.Files.delete(schema);
        }
        JarRunner.Result grammar = JarRunner.run(null, "generate", "-m", stories(), "-p", "Once upon a time", "--temperature", "0", "-n", "60",
                "--grammar", "root ::= \", \" (\"Lily\" | \"Tom\") \" \" [a-z]+ (\" \" [a-z]+){2,8} \".\"", "--json");
        assertEquals(0, grammar.status(), grammar.err());
        assertTrue(JSON.readTree(grammar.out()).get("text").asText().matches(", (Lily|Tom) [a-z]+( [a-z]+){2,8}\\."), grammar.out());
        JarRunner.Result badGrammar = JarRunner.run(null, "generate", "-m", stories(), "-p", "x", "--grammar", "root ::= \"a\" | b");
        assertEquals(2, badGrammar.status(), badGrammar.err());
        assertTrue(badGrammar.err().contains("--grammar: grammar line 1, column 16: rule 'b' is used but not defined"), badGrammar.err());
        JarRunner.Result bad = JarRunner.run(null, "generate", "-m", stories(), "-p", "x", "--json-schema", "{\"type\": \"string\", \"format\": \"email\"}");
        assertEquals(2, bad.status(), bad.err());
        assertTrue(bad.err().contains("format 'email' (at #) is not supported"), bad.err());
    }

    @Test
    void embedPrintsTheLibrarysVectorAndAsksForAPooling() throws Exception {
        JarRunner.Result r = JarRunner.run(null, "embed", "-m", stories(), "-p", "The little dog", "--pooling", "mean");
        assertEquals(0, r.status(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals("mean", j.get("pooling").asText());
        try (dev.jllm.Model model = dev.jllm.Model.load(Path.of(stories()))) {
            dev.jllm.Embedding expected = model.embed("The little dog", dev.jllm.Pooling.MEAN, true);
            assertEquals(expected.tokenCount(), j.get("tokens").asInt());
            float[] got = new float[j.get("embedding").size()];
            for (int i = 0; i < got.length; i++) got[i] = (float) j.get("embedding").get(i).asDouble();
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected.vector(), got);
        }
        JarRunner.Result none = JarRunner.run(null, "embed", "-m", stories(), "-p", "The little dog");
        assertEquals(2, none.status(), none.err());
        assertTrue(none.err().contains("declares no pooling for embeddings; choose one with --pooling mean, cls or last"), none.err());
        JarRunner.Result bad = JarRunner.run(null, "embed", "-m", stories(), "-p", "x", "--pooling", "max");
        assertEquals(2, bad.status(), bad.err());
        assertTrue(bad.err().contains("unknown pooling 'max'"), bad.err());
        JarRunner.Result tooLong = JarRunner.run(null, "embed", "-m", stories(), "-p", "Once upon a time there was a cat. ".repeat(40), "--pooling", "last");
        assertEquals(1, tooLong.status(), tooLong.err());
        assertTrue(tooLong.err().contains("the context holds 128"), tooLong.err());
    }

    @Test
    void benchJsonHasTheKeysOthersReadAndTheHeapAllocationOfDecoding() throws Exception {
        JarRunner.Result r = JarRunner.run(null, "bench", "-m", stories(), "-p", "16", "-n", "8", "-r", "2", "-t", "1", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode j = JSON.readTree(r.out());
        for (String key : new String[]{"model", "type", "threads", "prompt_tokens", "gen_tokens", "pp_tps_mean", "pp_tps_sd",
                "tg_tps_mean", "tg_tps_sd", "load_seconds", "peak_rss_bytes", "warmup_seconds", "tg_heap_bytes_per_token"}) {
            assertTrue(j.hasNonNull(key), key + " missing: " + r.out());
        }
        assertEquals("stories260K-f32.gguf", j.get("model").asText());
        assertEquals("F32", j.get("type").asText());
        assertEquals(16, j.get("prompt_tokens").asInt());
        assertEquals(8, j.get("gen_tokens").asInt());
        assertTrue(j.get("pp_tps_mean").asDouble() > 0 && j.get("tg_tps_mean").asDouble() > 0, r.out());
        assertTrue(j.get("peak_rss_bytes").asLong() > 0, r.out());
        // HotSpot counts every thread's allocations: the figure is measured, not left out
        assertTrue(j.get("tg_heap_bytes_per_token").asLong() >= 0, r.out());
    }

    @Test
    void benchAtADepthFillsTheContextFirstAndSaysSo() throws Exception {
        JarRunner.Result r = JarRunner.run(null, "bench", "-m", stories(), "-p", "8", "-n", "4", "-d", "40", "-r", "1", "-t", "1", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals(40, j.get("depth").asInt());
        assertTrue(j.get("pp_tps_mean").asDouble() > 0 && j.get("tg_tps_mean").asDouble() > 0, r.out());
        assertTrue(r.err().contains("filling the context with 40 tokens"), r.err());
        assertTrue(r.err().contains("pp8 @ d40 run 1/1") && r.err().contains("tg4 @ d40 run 1/1"), r.err());

        JarRunner.Result bad = JarRunner.run(null, "bench", "-m", stories(), "-d", "-5");
        assertEquals(2, bad.status(), bad.err());
        assertTrue(bad.err().contains("-d must be ≥ 0") || bad.err().contains("-p, -n and -d must be ≥ 0"), bad.err());
    }

    @Test
    void aQ8_0KvCacheIsAFlagAndRefusedWhereItCannotWork() throws Exception {
        String synth = TestData.require("models/synth-llama.gguf").toString();
        JarRunner.Result r = JarRunner.run(null, "generate", "-m", synth, "-p", "Once upon a time", "-n", "6", "--temperature", "0", "--cache-type", "q8_0");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("Once upon a time") && r.out().length() > "Once upon a time".length(), r.out());

        JarRunner.Result bench = JarRunner.run(null, "bench", "-m", synth, "-p", "8", "-n", "4", "-r", "1", "-t", "1", "--cache-type", "q8_0", "--json");
        assertEquals(0, bench.status(), bench.err());
        assertEquals("Q8_0", JSON.readTree(bench.out()).get("kv_cache_type").asText());

        JarRunner.Result heads = JarRunner.run(null, "generate", "-m", stories(), "-p", "hi", "--cache-type", "q8_0");
        assertEquals(1, heads.status());
        assertEquals(1, heads.err().trim().lines().count(), heads.err());
        assertTrue(heads.err().contains("head size that is a multiple of 32"), heads.err());

        JarRunner.Result bad = JarRunner.run(null, "generate", "-m", stories(), "-p", "hi", "--cache-type", "q4_0");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("--cache-type must be f16 or q8_0, got 'q4_0'"), bad.err());
    }

    @Test
    void aPromptCacheSavesTheContextAndTheNextRunStartsFromIt() throws Exception {
        Path cache = java.nio.file.Files.createTempDirectory("jllm-prompt-cache").resolve("story.bin");
        String[] run = {"generate", "-m", stories(), "-p", "Once upon a time, in a land far away, there lived a", "-n", "8",
                "--temperature", "0", "--json", "--prompt-cache", cache.toString()};
        JarRunner.Result first = JarRunner.run(null, run);
        assertEquals(0, first.status(), first.err());
        assertTrue(java.nio.file.Files.size(cache) > 0);
        JarRunner.Result second = JarRunner.run(null, run);
        assertEquals(0, second.status(), second.err());
        JsonNode a = JSON.readTree(first.out()), b = JSON.readTree(second.out());
        assertEquals(a.get("ids"), b.get("ids"), "the same continuation");
        int prompt = a.get("prompt_ids").size();
        assertEquals(prompt, a.get("timings").get("prompt_tokens").asInt(), "the first run evaluates the whole prompt");
        assertEquals(1, b.get("timings").get("prompt_tokens").asInt(), "the second only the last token (its logits are not saved)");

        java.nio.file.Files.writeString(cache, "not a state");
        JarRunner.Result junk = JarRunner.run(null, run);
        assertEquals(0, junk.status(), junk.err());
        assertTrue(junk.err().contains("not using the prompt cache: story.bin is not a jllm session state"), junk.err());
        assertEquals(a.get("ids"), JSON.readTree(junk.out()).get("ids"));
    }

    @Test
    void tokenizeJsonAndJsonl() throws Exception {
        JarRunner.Result r = JarRunner.run(null, "tokenize", "-m", stories(), "-p", "Once upon a time", "--json");
        assertEquals(0, r.status(), r.err());
        assertEquals("[1,403,407,261,378]", r.out().trim());
        JarRunner.Result jl = JarRunner.run("\"Once upon a time\"\n\"\"\n\"Tom saw a café with a 🍰 cake.\"\n", "tokenize", "-m", stories(), "--input-jsonl", "--no-bos");
        assertEquals(0, jl.status(), jl.err());
        String[] lines = jl.out().trim().split("\n");
        assertEquals(3, lines.length);
        assertEquals("[403,407,261,378]", lines[0]);
        assertEquals("[]", lines[1]);
        assertTrue(JSON.readTree(lines[2]).size() > 10);
    }

    @Test
    void infoShowsArchitectureAndTensors() {
        JarRunner.Result r = JarRunner.run(null, "info", "-m", TestData.require("models/synth-gemma2.gguf").toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("architecture: gemma2"), r.out());
        assertTrue(r.out().contains("attention soft-cap 4.0"), r.out());
        assertTrue(r.out().contains("blk.0.post_attention_norm.weight"), r.out());
        // 2 layers × 2 KV heads × 64 values × keys and values: 1 KiB a position in F16, 544 B in Q8_0
        assertTrue(r.out().contains("KV cache per position 1.0 KiB F16 (256.0 KiB for 256 positions), 544 B Q8_0 (136.0 KiB)"), r.out());
        assertTrue(r.out().contains("chat template: none in the file"), r.out());
        JarRunner.Result llama3 = JarRunner.run(null, "info", "-m", TestData.require("models/llama3-vocab-tiny.gguf").toString(), "--no-tensors");
        assertTrue(llama3.out().contains("chat template: 389 characters; tool calls: none jllm reads; thinking: no"), llama3.out());
    }

    @Test
    void badInputGivesOneLineAndNonZeroStatus() throws Exception {
        JarRunner.Result missing = JarRunner.run(null, "generate", "-m", "/no/such/model.gguf", "-p", "hi");
        assertEquals(2, missing.status());
        assertEquals(1, missing.err().trim().lines().count(), missing.err());
        assertTrue(missing.err().contains("not found"));

        JarRunner.Result badFlag = JarRunner.run(null, "generate", "-m", stories(), "-p", "hi", "--top-p", "7");
        assertEquals(2, badFlag.status());
        assertTrue(badFlag.err().contains("top-p"), badFlag.err());

        for (String[] bad : new String[][]{{"--chat-template-kwargs", "{oops"}, {"--chat-template-kwargs", "[1]"},
                {"--chat-template-kwargs", "{\"messages\": 1}"}, {"--chat-template", "/no/such/template.jinja"}}) {
            JarRunner.Result r = JarRunner.run("hi\n", "chat", "-m", stories(), bad[0], bad[1]);
            assertEquals(2, r.status(), String.join(" ", bad) + ": " + r.err());
            assertTrue(r.err().contains(bad[0]) && r.err().strip().lines().count() == 1, r.err());
        }

        Path truncated = java.nio.file.Files.createTempFile("trunc", ".gguf");
        java.nio.file.Files.write(truncated, java.util.Arrays.copyOf(java.nio.file.Files.readAllBytes(Path.of(stories())), 5000));
        JarRunner.Result corrupt = JarRunner.run(null, "generate", "-m", truncated.toString(), "-p", "hi");
        assertEquals(1, corrupt.status());
        assertEquals(1, corrupt.err().trim().lines().count(), corrupt.err());
        assertTrue(corrupt.err().contains("truncated"), corrupt.err());

        JarRunner.Result longPrompt = JarRunner.run(null, "generate", "-m", stories(), "-p", "Once upon a time ".repeat(40), "--ctx", "32");
        assertEquals(1, longPrompt.status());
        assertTrue(longPrompt.err().contains("context"), longPrompt.err());

        JarRunner.Result hugeContext = JarRunner.run(null, "generate", "-m", stories(), "-p", "hi", "--ctx", "2000000000");
        assertEquals(1, hugeContext.status());
        assertEquals(1, hugeContext.err().trim().lines().count(), hugeContext.err());
        assertTrue(hugeContext.err().contains("at most 67108848 positions"), hugeContext.err());

        JarRunner.Result manyThreads = JarRunner.run(null, "generate", "-m", stories(), "-p", "hi", "--threads", "100000");
        assertTrue(manyThreads.status() != 0);
        assertEquals(1, manyThreads.err().trim().lines().count(), manyThreads.err());
        assertTrue(manyThreads.err().contains("use at most"), manyThreads.err());
    }

    @Test
    void generateSaysWhenTheContextFillsBeforeTheTokenLimit() {
        JarRunner.Result r = JarRunner.run(null, "generate", "-m", stories(), "-p", "Once upon a time", "--temperature", "0", "-n", "20", "--ctx", "8");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("Once upon a time, there was"), r.out());
        // 5 prompt tokens: positions 5-7 take the first 3 generated, the 4th comes from the last logits
        assertTrue(r.err().contains("stopped after 4 tokens: the context of 8 positions is full"), r.err());

        JarRunner.Result limit = JarRunner.run(null, "generate", "-m", stories(), "-p", "Once upon a time", "--temperature", "0", "-n", "3", "--ctx", "8");
        assertEquals(0, limit.status(), limit.err());
        assertFalse(limit.err().contains("context"), limit.err());
    }
}
