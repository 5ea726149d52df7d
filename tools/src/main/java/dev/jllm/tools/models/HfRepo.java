package dev.jllm.tools.models;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.tools.models.Downloader.DownloadException;
import dev.jllm.tools.models.Downloader.Failure;

/**
 * A model repository on the Hugging Face Hub, named {@code hf:OWNER/REPO[:QUANT]} (also
 * {@code hf.co/…} or {@code https://huggingface.co/OWNER/REPO}), and how to fetch it:
 * <ul>
 * <li>a repository of GGUF files gives the one whose name has {@code QUANT} in it (no tag: the
 *     only one, else the Q4_K_M one, else an error listing them) — ollama's {@code hf.co/…:Q4_K_M};</li>
 * <li>a transformers repository (config.json and safetensors) gives its checkpoint folder, which
 *     {@code jllm convert --hf} or {@code -m FOLDER} turn into GGUF.</li>
 * </ul>
 * The file list, sizes and LFS SHA-256s come from the Hub's tree API
 * ({@code /api/models/OWNER/REPO/tree/main}); every file is downloaded by {@link Downloader}
 * (resume, retries, {@code HF_TOKEN} for gated repositories) and checked against them. The Hub's
 * address is {@code HF_ENDPOINT} when set (mirrors; tests), as for Hugging Face's own tools.
 */
public final class HfRepo {
    private static final Pattern SPEC = Pattern.compile("(?i)(?:hf:|hf\\.co/|huggingface\\.co/|https?://(?:www\\.)?huggingface\\.co/)"
            + "([A-Za-z0-9][A-Za-z0-9_.-]*)/([A-Za-z0-9][A-Za-z0-9_.-]*)(?::([A-Za-z0-9_.-]+))?/?");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The files of a transformers checkpoint that conversion reads, besides the safetensors. */
    private static final Set<String> CHECKPOINT_FILES = Set.of("config.json", "tokenizer.json", "tokenizer.model", "tokenizer_config.json",
            "added_tokens.json", "special_tokens_map.json", "chat_template.jinja", "chat_template.json", "model.safetensors.index.json", "generation_config.json");

    /** A file of the repository, with what the Hub says about it. */
    public record RepoFile(String path, long size, String sha256) {}

    /** What a pull produced: one GGUF file, or a checkpoint folder. */
    public record Fetched(Path path, boolean isCheckpoint) {}

    private final String owner, repo, quant;

    private HfRepo(String owner, String repo, String quant) {
        this.owner = owner;
        this.repo = repo;
        this.quant = quant;
    }

    /** The repository {@code spec} names, or null when it is not a Hub name. */
    public static HfRepo parse(String spec) {
        Matcher m = SPEC.matcher(spec.strip());
        return m.matches() ? new HfRepo(m.group(1), m.group(2), m.group(3)) : null;
    }

    public String id() {
        return owner + "/" + repo;
    }

    @Override
    public String toString() {
        return "hf:" + id() + (quant != null ? ":" + quant : "");
    }

    static URI endpoint(Function<String, String> env) {
        String e = env.apply("HF_ENDPOINT");
        return URI.create(e == null || e.isBlank() ? "https://huggingface.co" : e.strip().replaceAll("/+$", ""));
    }

    /** The folder a transformers checkpoint of this repository is kept in. */
    public Path checkpointFolder(ModelStore store) {
        return store.folder().resolve("hf").resolve(owner + "--" + repo);
    }

    /** Fetches the repository's model into {@code store}: see the class comment. */
    public Fetched fetch(ModelStore store, Downloader downloader, Function<String, Downloader.Listener> progressFor, Function<String, String> env) {
        URI base = endpoint(env);
        List<RepoFile> files = listFiles(store, downloader, base);
        List<RepoFile> ggufs = files.stream().filter(f -> f.path().toLowerCase(Locale.ROOT).endsWith(".gguf") && !f.path().contains("/")).toList();
        boolean checkpoint = files.stream().anyMatch(f -> f.path().equals("config.json"))
                && files.stream().anyMatch(f -> f.path().endsWith(".safetensors") && !f.path().contains("/"));
        if (!ggufs.isEmpty() && (quant != null || !checkpoint)) {
            RepoFile chosen = chooseGguf(ggufs);
            Path target = store.pathOf(chosen.path());
            if (!Files.isRegularFile(target)) download(downloader, base, chosen, target, progressFor);
            try {
                Files.createDirectories(pointer(store).getParent());
                Files.writeString(pointer(store), chosen.path());
            } catch (IOException e) {
                throw new DownloadException(Failure.IO, "cannot write " + pointer(store) + ": " + e.getMessage(), e);
            }
            return new Fetched(target, false);
        }
        if (quant != null) throw new DownloadException(Failure.NOT_FOUND, id() + " has no GGUF files to choose " + quant + " from");
        if (!checkpoint) {
            throw new DownloadException(Failure.NOT_FOUND, id() + " has neither GGUF files nor a transformers checkpoint (config.json and .safetensors)");
        }
        Path folder = checkpointFolder(store);
        for (RepoFile f : files) {
            if (f.path().contains("/") || !(CHECKPOINT_FILES.contains(f.path()) || f.path().endsWith(".safetensors"))) continue;
            Path target = folder.resolve(f.path());
            try {
                if (Files.isRegularFile(target) && Files.size(target) == f.size()) continue; // kept from an earlier pull
                Files.createDirectories(folder);
            } catch (IOException e) {
                throw new DownloadException(Failure.IO, "cannot write " + folder + ": " + e.getMessage(), e);
            }
            download(downloader, base, f, target, progressFor);
        }
        try {
            Files.writeString(folder.resolve(COMPLETE), id() + "\n");
        } catch (IOException e) {
            throw new DownloadException(Failure.IO, "cannot write " + folder + ": " + e.getMessage(), e);
        }
        return new Fetched(folder, true);
    }

    /** Marks a checkpoint folder whose every file has arrived. */
    static final String COMPLETE = ".complete";

    /**
     * What is already here of this repository, without asking the Hub: the GGUF file an earlier
     * pull chose, or the checkpoint folder an earlier pull completed; null when neither.
     */
    public Fetched local(ModelStore store) {
        try {
            if (Files.isRegularFile(pointer(store))) {
                Path gguf = store.pathOf(Files.readString(pointer(store)).strip());
                if (Files.isRegularFile(gguf)) return new Fetched(gguf, false);
            }
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
        Path folder = checkpointFolder(store);
        return quant == null && Files.isRegularFile(folder.resolve(COMPLETE)) ? new Fetched(folder, true) : null;
    }

    /**
     * Deletes what pulls of this name left in {@code store}: the GGUF file a pull chose (and its
     * note), or — without a quantization tag — every GGUF file pulled for the repository, its
     * checkpoint folder and the files converted from that folder. Returns the bytes freed
     * (0 when nothing was there).
     */
    public long remove(ModelStore store) throws IOException {
        long freed = 0;
        Path hf = store.folder().resolve("hf");
        List<Path> notes = new ArrayList<>();
        if (quant != null) notes.add(pointer(store));
        else if (Files.isDirectory(hf)) {
            try (var s = Files.list(hf)) {
                s.filter(p -> p.getFileName().toString().startsWith(owner + "--" + repo + "--") && p.getFileName().toString().endsWith(".gguf-name")).forEach(notes::add);
            }
        }
        for (Path note : notes) {
            if (!Files.isRegularFile(note)) continue;
            freed += store.remove(Files.readString(note).strip());
            Files.delete(note);
        }
        if (quant == null) {
            Path folder = checkpointFolder(store);
            if (Files.isDirectory(folder)) {
                freed += ModelStore.treeSize(folder);
                ModelStore.deleteTree(folder);
            }
            Path converted = store.folder().resolve("converted");
            if (Files.isDirectory(converted)) {
                try (var s = Files.list(converted)) {
                    for (Path p : s.filter(p -> p.getFileName().toString().matches(Pattern.quote(owner + "--" + repo) + "-[0-9a-f]{8}\\.gguf")).toList()) {
                        freed += Files.size(p);
                        Files.delete(p);
                    }
                }
            }
        }
        return freed;
    }

    /** The note naming the GGUF file a pull of this name chose. */
    private Path pointer(ModelStore store) {
        return store.folder().resolve("hf").resolve(owner + "--" + repo + "--" + (quant == null ? "default" : quant.toLowerCase(Locale.ROOT)) + ".gguf-name");
    }

    private RepoFile chooseGguf(List<RepoFile> ggufs) {
        String list = ggufs.stream().map(RepoFile::path).collect(Collectors.joining(", "));
        if (quant != null) {
            String q = quant.toLowerCase(Locale.ROOT);
            List<RepoFile> match = ggufs.stream().filter(f -> f.path().toLowerCase(Locale.ROOT).contains(q)).toList();
            if (match.size() == 1) return match.getFirst();
            throw new DownloadException(Failure.NOT_FOUND, (match.isEmpty() ? "no GGUF file of " + id() + " matches " + quant
                    : quant + " matches several GGUF files of " + id()) + " (files: " + list + ")");
        }
        if (ggufs.size() == 1) return ggufs.getFirst();
        List<RepoFile> q4km = ggufs.stream().filter(f -> f.path().toLowerCase(Locale.ROOT).contains("q4_k_m")).toList();
        if (q4km.size() == 1) return q4km.getFirst();
        throw new DownloadException(Failure.NOT_FOUND, id() + " has several GGUF files; name one, e.g. " + this + ":Q8_0 (files: " + list + ")");
    }

    private void download(Downloader downloader, URI base, RepoFile f, Path target, Function<String, Downloader.Listener> progressFor) {
        URI url = URI.create(base + "/" + id() + "/resolve/main/" + f.path());
        Downloader.Validator check = f.path().endsWith(".gguf") ? ModelPuller::checkGguf : p -> { };
        downloader.download(new Downloader.Request(url, target, f.size() >= 0 ? f.size() : null, f.sha256()), check, progressFor.apply(f.path()));
    }

    /** The repository's top-level files from the tree API, fetched through the downloader (proxies, token, retries). */
    private List<RepoFile> listFiles(ModelStore store, Downloader downloader, URI base) {
        Path listing;
        try {
            store.ensureFolder();
            listing = Files.createTempFile(store.folder(), ".hf-tree-", ".json");
            Files.delete(listing);
        } catch (IOException e) {
            throw new DownloadException(Failure.IO, "cannot write to the models folder " + store.folder() + ": " + e.getMessage(), e);
        }
        URI url = URI.create(base + "/api/models/" + id() + "/tree/main");
        try {
            downloader.download(new Downloader.Request(url, listing, null, null), p -> { }, Downloader.Listener.NONE);
            return parseTree(JSON.readTree(Files.readString(listing)), id());
        } catch (DownloadException e) {
            if (e.failure() == Failure.NOT_FOUND) throw new DownloadException(Failure.NOT_FOUND, "no repository " + id() + " on " + base.getHost() + " (or it is private: set HF_TOKEN)");
            throw e;
        } catch (IOException e) {
            throw new DownloadException(Failure.INVALID, "the Hub's file list for " + id() + " is not JSON: " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(listing);
            } catch (IOException ignored) {
                // a stray temporary file in the models folder is harmless
            }
        }
    }

    /** Entries of the tree API: {@code {"type": "file", "path", "size", "lfs": {"oid": sha256, "size"}}}. */
    static List<RepoFile> parseTree(JsonNode tree, String id) {
        if (!tree.isArray()) throw new DownloadException(Failure.INVALID, "the Hub's file list for " + id + " is not a JSON array");
        List<RepoFile> out = new ArrayList<>();
        for (JsonNode n : tree) {
            if (!n.path("type").asText("file").equals("file") || !n.path("path").isTextual()) continue;
            JsonNode lfs = n.path("lfs");
            String sha = lfs.path("oid").isTextual() && lfs.path("oid").asText().matches("[0-9a-f]{64}") ? lfs.path("oid").asText() : null;
            long size = lfs.path("size").canConvertToLong() ? lfs.path("size").asLong() : n.path("size").asLong(-1);
            out.add(new RepoFile(n.path("path").asText(), size, sha));
        }
        return out;
    }
}
