package dev.jllm.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jllm.testing.TestData;
import dev.jllm.tools.models.LoopbackHttpServer;

/**
 * pull / list / rm / import / convert and registry names for -m, through the packaged jar, with
 * $JLLM_MODELS in a temporary folder and $JLLM_REGISTRY pointing at a registry whose files are
 * served from a loopback port.
 */
class ModelsCliIT {
    static final String STORY = "Once upon a time, there was a little girl named Lily.";
    @TempDir Path dir;
    Path models;
    LoopbackHttpServer server;
    byte[] stories;

    @BeforeEach
    void setUp() throws IOException {
        models = dir.resolve("models");
        stories = Files.readAllBytes(TestData.require("models/stories260K-f32.gguf"));
        server = new LoopbackHttpServer();
    }

    @AfterEach
    void tearDown() throws IOException {
        server.close();
    }

    Map<String, String> env(String registryJson) throws IOException {
        Path reg = dir.resolve("registry.json");
        Files.writeString(reg, registryJson);
        return Map.of("JLLM_MODELS", models.toString(), "JLLM_REGISTRY", reg.toString());
    }

    static String entry(String name, String url, String file, boolean dflt, String extra) {
        return "{\"name\":\"" + name + "\",\"url\":\"" + url + "\",\"file\":\"" + file + "\",\"license\":\"mit\",\"architecture\":\"llama\""
                + (dflt ? ",\"default\":true" : "") + extra + "}";
    }

    List<String> modelFiles() throws IOException {
        if (!Files.isDirectory(models)) return List.of();
        try (Stream<Path> s = Files.list(models)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void defaultModelIsPulledOnFirstUseThenListedAndRemoved() throws Exception {
        server.serve("/stories.gguf", stories);
        var env = env("{\"models\":[" + entry("stories", server.url("/stories.gguf"), "stories.gguf", true, ",\"size\":" + stories.length)
                + "," + entry("gone", server.url("/gone.gguf"), "gone.gguf", false, "") + "]}");

        JarRunner.Result gen = JarRunner.runWithEnv(env, null, "generate", "-p", "Once upon a time", "--temperature", "0", "-n", "20");
        assertEquals(0, gen.status(), gen.err());
        assertTrue(gen.out().startsWith(STORY), gen.out());
        assertTrue(gen.err().contains("the default model stories is not downloaded yet; pulling it"), gen.err());
        assertTrue(gen.err().contains("downloaded stories.gguf"), gen.err());
        assertArrayEquals(stories, Files.readAllBytes(models.resolve("stories.gguf")));

        JarRunner.Result list = JarRunner.runWithEnv(env, null, "list");
        assertEquals(0, list.status(), list.err());
        assertTrue(list.out().contains("stories.gguf") && list.out().contains("1.2 MB") && list.out().contains("stories "), list.out());

        JarRunner.Result again = JarRunner.runWithEnv(env, null, "pull");
        assertEquals(0, again.status(), again.err());
        assertTrue(again.out().contains("already downloaded"), again.out());
        assertEquals(1, server.received().size(), "nothing downloaded twice");

        JarRunner.Result byName = JarRunner.runWithEnv(env, null, "generate", "-m", "stories", "-p", "Once upon a time", "--temperature", "0", "-n", "20");
        assertEquals(0, byName.status(), byName.err());
        assertTrue(byName.out().startsWith(STORY), byName.out());

        JarRunner.Result gone = JarRunner.runWithEnv(env, null, "pull", "gone");
        assertEquals(1, gone.status());
        assertEquals(1, gone.err().lines().filter(l -> l.startsWith("jllm pull:")).count(), gone.err());
        assertTrue(gone.err().contains("not found (HTTP 404)"), gone.err());

        JarRunner.Result rm = JarRunner.runWithEnv(env, null, "rm", "stories");
        assertEquals(0, rm.status(), rm.err());
        assertTrue(rm.out().contains("removed stories.gguf"), rm.out());
        assertEquals(List.of(), modelFiles());

        JarRunner.Result noPull = JarRunner.runWithEnv(env, null, "generate", "--no-pull", "-p", "hi");
        assertEquals(1, noPull.status());
        assertTrue(noPull.err().contains("run: jllm pull stories"), noPull.err());
    }

    @Test
    void pullResumesAfterTheServerDropsTheConnection() throws Exception {
        server.serve("/stories.gguf", stories).dropAfter(400_000, 1);
        var env = env("{\"models\":[" + entry("stories", server.url("/stories.gguf"), "stories.gguf", true, "") + "]}");
        JarRunner.Result r = JarRunner.runWithEnv(env, null, "pull", "stories", "--retry-delay", "0");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("connection lost at 400.0 kB"), r.err());
        assertTrue(r.err().contains("resuming at 400.0 kB"), r.err());
        assertEquals("bytes=400000-", server.received().get(1).header("Range"));
        assertArrayEquals(stories, Files.readAllBytes(models.resolve("stories.gguf")));
        assertEquals(List.of("stories.gguf"), modelFiles());
    }

    @Test
    void interruptedPullKeepsThePartialFileAndTheNextPullFinishesIt() throws Exception {
        server.serve("/stories.gguf", stories).dropAfter(300_000, 1);
        var env = env("{\"models\":[" + entry("stories", server.url("/stories.gguf"), "stories.gguf", true, "") + "]}");
        JarRunner.Result first = JarRunner.runWithEnv(env, null, "pull", "--retries", "0");
        assertEquals(1, first.status());
        assertTrue(first.err().contains("run the same command again to resume"), first.err());
        assertEquals(List.of("stories.gguf.part", "stories.gguf.part.meta"), modelFiles());
        JarRunner.Result list = JarRunner.runWithEnv(env, null, "list");
        assertTrue(list.out().contains("partial download: jllm pull stories resumes it"), list.out());

        JarRunner.Result second = JarRunner.runWithEnv(env, null, "pull");
        assertEquals(0, second.status(), second.err());
        assertEquals(List.of("stories.gguf"), modelFiles());
        assertArrayEquals(stories, Files.readAllBytes(models.resolve("stories.gguf")));
    }

    @Test
    void checksumMismatchIsReportedAndNothingIsKept() throws Exception {
        server.serve("/stories.gguf", stories);
        var env = env("{\"models\":[" + entry("stories", server.url("/stories.gguf"), "stories.gguf", true, ",\"sha256\":\"" + "ab".repeat(32) + "\"") + "]}");
        JarRunner.Result r = JarRunner.runWithEnv(env, null, "pull");
        assertEquals(1, r.status());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("jllm")).count(), r.err());
        assertTrue(r.err().contains("checksum mismatch for stories.gguf: expected sha256 " + "ab".repeat(32)), r.err());
        assertEquals(List.of(), modelFiles());
    }

    @Test
    void withoutNetworkTheMessageSaysWhatToDoInstead() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        var env = env("{\"models\":[" + entry("stories", "http://127.0.0.1:" + port + "/stories.gguf", "stories.gguf", true, "") + "]}");
        JarRunner.Result r = JarRunner.runWithEnv(env, null, "generate", "-p", "Once upon a time");
        assertEquals(1, r.status());
        String error = r.err().lines().filter(l -> l.startsWith("jllm generate:")).findFirst().orElseThrow(() -> new AssertionError(r.err()));
        assertTrue(error.contains("cannot download stories: cannot reach 127.0.0.1:" + port), error);
        assertTrue(error.contains("Without network, pass a model file you already have: -m /path/to/model.gguf"), error);
        assertEquals(List.of(), modelFiles());
    }

    @Test
    void importUnpacksAnArchiveAndRefusesAnEvilOne() throws Exception {
        var env = env("{\"models\":[" + entry("stories", server.url("/stories.gguf"), "stories.gguf", true, "") + "]}");
        Path good = tarGz("good.tar.gz", "bundle/stories260K-f32.gguf", "bundle/LICENSE");
        JarRunner.Result r = JarRunner.runWithEnv(env, null, "import", good.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("imported stories260K-f32.gguf"), r.out());
        JarRunner.Result gen = JarRunner.runWithEnv(env, null, "generate", "-m", "stories260K-f32", "-p", "Once upon a time", "--temperature", "0", "-n", "20");
        assertEquals(0, gen.status(), gen.err());
        assertTrue(gen.out().startsWith(STORY), gen.out());

        Path evil = tarGz("evil.tar.gz", "../../evil.gguf");
        JarRunner.Result bad = JarRunner.runWithEnv(env, null, "import", evil.toString());
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("refusing evil.tar.gz: entry '../../evil.gguf'"), bad.err());
        assertEquals(List.of("stories260K-f32.gguf"), modelFiles());
        assertFalse(Files.exists(dir.resolve("evil.gguf")));
    }

    Path tarGz(String name, String... entries) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream o = Files.newOutputStream(p); var gz = new GzipCompressorOutputStream(o); var tar = new TarArchiveOutputStream(gz)) {
            for (String e : entries) {
                byte[] data = e.endsWith(".gguf") ? stories : "text".getBytes();
                TarArchiveEntry te = new TarArchiveEntry(e);
                te.setSize(data.length);
                tar.putArchiveEntry(te);
                tar.write(data);
                tar.closeArchiveEntry();
            }
        }
        return p;
    }

    @Test
    void convertWritesAGgufThatGenerates() throws Exception {
        var env = env("{\"models\":[" + entry("stories", server.url("/stories.gguf"), "stories.gguf", true, "") + "]}");
        Path out = dir.resolve("converted.gguf");
        JarRunner.Result r = JarRunner.runWithEnv(env, null, "convert", "--llama2c", TestData.require("models/stories260K.bin").toString(),
                "--tokenizer", TestData.require("models/tok512.bin").toString(), "-o", out.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("vocabulary 512"), r.err());
        JarRunner.Result gen = JarRunner.runWithEnv(env, null, "generate", "-m", out.toString(), "-p", "Once upon a time", "--temperature", "0", "-n", "20");
        assertEquals(0, gen.status(), gen.err());
        assertTrue(gen.out().startsWith(STORY), gen.out());
        JarRunner.Result again = JarRunner.runWithEnv(env, null, "convert", "--llama2c", TestData.require("models/stories260K.bin").toString(),
                "--tokenizer", TestData.require("models/tok512.bin").toString(), "-o", out.toString());
        assertEquals(2, again.status());
        assertTrue(again.err().contains("already exists (use --force"), again.err());
    }

    @Test
    void convertHfWritesAGgufThatGeneratesAndRejectsBadFlags() throws Exception {
        var env = Map.of("JLLM_MODELS", models.toString());
        Path ckpt = dir.resolve("hf-qwen3");
        dev.jllm.convert.HfCheckpointWriter.write(TestData.require("models/synth-qwen3.gguf"), ckpt, dev.jllm.convert.HfCheckpointWriter.Options.defaults());
        Path out = dir.resolve("hf-qwen3-q8_0.gguf");
        JarRunner.Result r = JarRunner.runWithEnv(env, null, "convert", "--hf", ckpt.toString(), "--type", "q8_0", "-o", out.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("converted hf-qwen3 (qwen3, 2 layers, hidden size 256, vocabulary 559, q8_0"), r.err());
        JarRunner.Result gen = JarRunner.runWithEnv(env, null, "generate", "-m", out.toString(), "-p", "hello", "--temperature", "0", "-n", "4");
        assertEquals(0, gen.status(), gen.err());

        JarRunner.Result neither = JarRunner.runWithEnv(env, null, "convert", "-o", dir.resolve("x.gguf").toString());
        assertEquals(2, neither.status());
        assertTrue(neither.err().contains("give either --hf DIR (Hugging Face checkpoint) or --llama2c MODEL.bin --tokenizer TOK.bin"), neither.err());
        Path q4km = dir.resolve("hf-qwen3-q4_k_m.gguf");
        JarRunner.Result quantized = JarRunner.runWithEnv(env, null, "convert", "--hf", ckpt.toString(), "--type", "q4_k_m", "-o", q4km.toString());
        assertEquals(0, quantized.status(), quantized.err());
        assertTrue(quantized.err().contains("q4_k_m, "), quantized.err());
        assertFalse(Files.exists(dir.resolve("hf-qwen3-q4_k_m.gguf.converting.gguf")), "the intermediate file is removed");
        try (dev.jllm.gguf.GGUFFile f = dev.jllm.gguf.GGUFFile.open(q4km)) {
            assertEquals(15, f.metadata().getInt("general.file_type"), "MOSTLY_Q4_K_M");
        }
        JarRunner.Result badType = JarRunner.runWithEnv(env, null, "convert", "--hf", ckpt.toString(), "--type", "q9", "-o", dir.resolve("y.gguf").toString());
        assertEquals(2, badType.status());
        assertTrue(badType.err().contains("--type q9 is neither f32, f16, bf16, q8_0, auto nor a quantization target: unknown quantization target 'q9'"), badType.err());
        JarRunner.Result notHf = JarRunner.runWithEnv(env, null, "convert", "--hf", dir.toString(), "-o", dir.resolve("z.gguf").toString());
        assertEquals(1, notHf.status(), notHf.err());
        assertTrue(notHf.err().contains("has no config.json: is it a Hugging Face checkpoint folder?"), notHf.err());
    }

    @Test
    void aHuggingFaceFolderIsAModelConvertedOnce() throws Exception {
        var env = Map.of("JLLM_MODELS", models.toString());
        Path ckpt = dir.resolve("Qwen-synth");
        Path original = TestData.require("models/synth-qwen2.gguf");
        dev.jllm.convert.HfCheckpointWriter.write(original, ckpt, dev.jllm.convert.HfCheckpointWriter.Options.defaults());
        String[] args = {"-p", "hello", "--temperature", "0", "-n", "6"};
        JarRunner.Result expected = JarRunner.runWithEnv(env, null, concat(new String[]{"generate", "-m", original.toString()}, args));
        assertEquals(0, expected.status(), expected.err());

        JarRunner.Result first = JarRunner.runWithEnv(env, null, concat(new String[]{"generate", "-m", ckpt.toString()}, args));
        assertEquals(0, first.status(), first.err());
        assertTrue(first.err().contains("converting the Hugging Face checkpoint " + ckpt.toAbsolutePath()), first.err());
        assertEquals(expected.out(), first.out(), "the folder generates what the GGUF it came from generates");
        try (var files = Files.list(models.resolve("converted"))) {
            assertEquals(1, files.filter(f -> f.getFileName().toString().matches("Qwen-synth-[0-9a-f]{8}\\.gguf")).count());
        }

        JarRunner.Result second = JarRunner.runWithEnv(env, null, concat(new String[]{"generate", "-m", ckpt.toString()}, args));
        assertEquals(0, second.status(), second.err());
        assertFalse(second.err().contains("converting"), "reused: " + second.err());
        assertEquals(expected.out(), second.out());

        JarRunner.Result bench = JarRunner.runWithEnv(env, null, "bench", "-m", ckpt.toString(), "-p", "8", "-n", "4", "-r", "1", "--json");
        assertEquals(0, bench.status(), bench.err());
        assertTrue(bench.out().contains("\"model\":\"Qwen-synth-") && bench.out().contains("\"tg_tps_mean\""), bench.out());
        assertFalse(bench.err().contains("converting"), "bench takes the converted file too: " + bench.err());

        Path empty = Files.createDirectories(dir.resolve("not-a-checkpoint"));
        JarRunner.Result notHf = JarRunner.runWithEnv(env, null, "generate", "-m", empty.toString(), "-p", "x");
        assertEquals(2, notHf.status());
        assertTrue(notHf.err().contains("is a directory, neither a model file nor a Hugging Face checkpoint folder (no config.json)"), notHf.err());
    }

    /** The Hub's tree API entry of a file stored with LFS (size and SHA-256 from the bytes, or a wrong SHA when asked). */
    static String treeEntry(String path, byte[] bytes, boolean wrongSha) throws Exception {
        String sha = wrongSha ? "ab".repeat(32) : java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        return "{\"type\":\"file\",\"oid\":\"0123\",\"size\":" + bytes.length + ",\"path\":\"" + path + "\",\"lfs\":{\"oid\":\"" + sha + "\",\"size\":" + bytes.length
                + ",\"pointerSize\":134}}";
    }

    @Test
    void hfNamesFetchAGgufFileByQuantization() throws Exception {
        byte[] q8 = Files.readAllBytes(TestData.require("models/stories260K-q8_0.gguf")), q4 = Files.readAllBytes(TestData.require("models/stories260K-q4_0.gguf"));
        server.serve("/api/models/acme/stories-GGUF/tree/main", ("[" + treeEntry("README.md", new byte[3], false) + "," + treeEntry("stories-Q8_0.gguf", q8, false)
                + "," + treeEntry("stories-Q4_0.gguf", q4, false) + "]").getBytes(StandardCharsets.UTF_8));
        server.serve("/acme/stories-GGUF/resolve/main/stories-Q8_0.gguf", q8);
        server.serve("/acme/stories-GGUF/resolve/main/stories-Q4_0.gguf", q4);
        var env = Map.of("JLLM_MODELS", models.toString(), "HF_ENDPOINT", server.url(""));

        JarRunner.Result pulled = JarRunner.runWithEnv(env, null, "pull", "hf:acme/stories-GGUF:q8_0");
        assertEquals(0, pulled.status(), pulled.err());
        assertEquals(-1, java.util.Arrays.mismatch(q8, Files.readAllBytes(models.resolve("stories-Q8_0.gguf"))));
        int requests = server.received().size();
        JarRunner.Result gen = JarRunner.runWithEnv(env, null, "generate", "-m", "hf:acme/stories-GGUF:Q8_0", "-p", "Once upon a time", "--temperature", "0", "-n", "8");
        assertEquals(0, gen.status(), gen.err());
        assertEquals(requests, server.received().size(), "a pulled repository is used without asking the Hub again");

        JarRunner.Result rmQuant = JarRunner.runWithEnv(env, null, "rm", "hf:acme/stories-GGUF:Q8_0");
        assertEquals(0, rmQuant.status(), rmQuant.err());
        assertFalse(Files.exists(models.resolve("stories-Q8_0.gguf")));

        JarRunner.Result ambiguous = JarRunner.runWithEnv(env, null, "pull", "hf:acme/stories-GGUF");
        assertEquals(1, ambiguous.status());
        assertTrue(ambiguous.err().contains("acme/stories-GGUF has several GGUF files; name one, e.g. hf:acme/stories-GGUF:Q8_0 (files: stories-Q8_0.gguf, stories-Q4_0.gguf)"), ambiguous.err());
        JarRunner.Result missing = JarRunner.runWithEnv(env, null, "pull", "hf:acme/nothing-here");
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("no repository acme/nothing-here on 127.0.0.1 (or it is private: set HF_TOKEN)"), missing.err());

        server.serve("/api/models/acme/bad/tree/main", ("[" + treeEntry("bad-Q8_0.gguf", q8, true) + "]").getBytes(StandardCharsets.UTF_8));
        server.serve("/acme/bad/resolve/main/bad-Q8_0.gguf", q8);
        JarRunner.Result bad = JarRunner.runWithEnv(env, null, "pull", "hf:acme/bad");
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("checksum mismatch for bad-Q8_0.gguf: expected sha256 " + "ab".repeat(32)), bad.err());
        assertFalse(Files.exists(models.resolve("bad-Q8_0.gguf")));
    }

    @Test
    void hfNamesFetchAndConvertATransformersCheckpoint() throws Exception {
        Path original = TestData.require("models/synth-qwen2.gguf");
        Path ckpt = dir.resolve("hub-checkpoint");
        dev.jllm.convert.HfCheckpointWriter.write(original, ckpt, dev.jllm.convert.HfCheckpointWriter.Options.defaults());
        StringBuilder tree = new StringBuilder("[");
        try (var files = Files.list(ckpt)) {
            for (Path f : files.sorted().toList()) {
                byte[] bytes = Files.readAllBytes(f);
                if (tree.length() > 1) tree.append(',');
                tree.append(treeEntry(f.getFileName().toString(), bytes, false));
                server.serve("/acme/qwen-synth/resolve/main/" + f.getFileName(), bytes);
            }
        }
        server.serve("/api/models/acme/qwen-synth/tree/main", tree.append("]").toString().getBytes(StandardCharsets.UTF_8));
        var env = Map.of("JLLM_MODELS", models.toString(), "HF_ENDPOINT", server.url(""));
        String[] args = {"-p", "hello", "--temperature", "0", "-n", "6"};
        JarRunner.Result expected = JarRunner.runWithEnv(env, null, concat(new String[]{"generate", "-m", original.toString()}, args));
        JarRunner.Result viaHub = JarRunner.runWithEnv(env, null, concat(new String[]{"generate", "-m", "hf:acme/qwen-synth"}, args));
        assertEquals(0, viaHub.status(), viaHub.err());
        assertTrue(viaHub.err().contains("converting the Hugging Face checkpoint"), viaHub.err());
        assertEquals(expected.out(), viaHub.out(), "the Hub checkpoint generates what the GGUF it came from generates");
        assertTrue(Files.isRegularFile(models.resolve("hf/acme--qwen-synth/model.safetensors")));
        int requests = server.received().size();
        JarRunner.Result again = JarRunner.runWithEnv(env, null, concat(new String[]{"generate", "-m", "hf:acme/qwen-synth"}, args));
        assertEquals(expected.out(), again.out());
        assertEquals(requests, server.received().size(), "nothing fetched twice");
        JarRunner.Result list = JarRunner.runWithEnv(env, null, "list");
        assertEquals(0, list.status(), list.err());
        assertTrue(list.out().contains("hf/acme--qwen-synth") && list.out().contains("Hugging Face checkpoint (hf:acme/qwen-synth)"), list.out());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("converted/acme--qwen-synth-") && l.contains("converted from a checkpoint folder")), list.out());

        JarRunner.Result rm = JarRunner.runWithEnv(env, null, "rm", "hf:acme/qwen-synth");
        assertEquals(0, rm.status(), rm.err());
        assertTrue(rm.out().startsWith("removed hf:acme/qwen-synth ("), rm.out());
        assertFalse(Files.exists(models.resolve("hf/acme--qwen-synth")));
        try (var files = Files.list(models.resolve("converted"))) {
            assertEquals(0, files.count(), "the converted file goes too");
        }
        JarRunner.Result rmAgain = JarRunner.runWithEnv(env, null, "rm", "hf:acme/qwen-synth");
        assertEquals(1, rmAgain.status());
        assertTrue(rmAgain.err().contains("nothing of hf:acme/qwen-synth in"), rmAgain.err());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void registryListingShowsTheBuiltInModels() {
        JarRunner.Result r = JarRunner.runWithEnv(Map.of("JLLM_MODELS", models.toString()), null, "list", "--registry");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("smollm2-135m-instruct ") && l.contains("default")), r.out());
        for (String n : List.of("qwen2.5-0.5b-instruct", "llama-3.2-1b-instruct", "llama-3.2-3b-instruct", "qwen3-0.6b", "qwen3-1.7b",
                "phi-3.5-mini-instruct", "gemma-2-2b-it", "smollm2-360m-instruct")) {
            assertTrue(r.out().contains(n), n + " in " + r.out());
        }
        JarRunner.Result unknown = JarRunner.runWithEnv(Map.of("JLLM_MODELS", models.toString()), null, "generate", "-m", "no-such-model", "-p", "hi");
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("unknown model 'no-such-model'") && unknown.err().contains("smollm2-135m-instruct"), unknown.err());
    }
}
