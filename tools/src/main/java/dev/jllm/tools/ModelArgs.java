package dev.jllm.tools;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Collectors;

import dev.jllm.JllmException;
import dev.jllm.Model;
import dev.jllm.KvCacheType;
import dev.jllm.ModelOptions;
import dev.jllm.tensor.Kernels;
import dev.jllm.tools.models.Downloader;
import dev.jllm.tools.models.HfRepo;
import dev.jllm.tools.models.ModelPuller;
import dev.jllm.tools.models.ModelRegistry;
import dev.jllm.tools.models.ModelStore;
import picocli.CommandLine.Option;

/**
 * Options shared by every command that loads a model, and the rule that turns {@code -m} into a
 * file:
 * <ol>
 *   <li>an existing file is used as it is;</li>
 *   <li>a Hugging Face checkpoint folder (config.json, safetensors) is converted to GGUF once, into
 *       the models folder's {@code converted/}, and that file is used ({@link HfModelCache});</li>
 *   <li>an {@code http(s)://} URL of a .gguf file is downloaded into the models folder (once);</li>
 *   <li>{@code hf:OWNER/REPO[:QUANT]} is a Hugging Face repository: its GGUF file, or its
 *       transformers checkpoint converted as a checkpoint folder is ({@link HfRepo});</li>
 *   <li>a registry name ({@code jllm list --registry}) is the local copy in the models folder,
 *       pulled first if absent;</li>
 *   <li>a file name in the models folder, with or without {@code .gguf};</li>
 *   <li>no {@code -m} at all is the registry's default model, pulled first if absent.</li>
 * </ol>
 * Before pulling, jllm asks [y/N] when it runs on a terminal; otherwise (scripts, CI, pipes) it
 * pulls without asking and says so on stderr, the way {@code ollama run} does — {@code --no-pull}
 * makes it fail instead, with the command to run.
 */
final class ModelArgs {
    @Option(names = {"-m", "--model"}, paramLabel = "NAME|FILE",
            description = "GGUF file, URL, or model name from the registry (jllm list --registry). Default: the registry's default model, downloaded on first use.")
    String model;

    @Option(names = "--no-pull", description = "Never download a model; fail if it is not in the models folder.")
    boolean noPull;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--ctx", paramLabel = "N", description = "Context length (default: the model's, at most 4096).")
    Integer ctx;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Prompt tokens per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--cache-type", paramLabel = "TYPE", defaultValue = "f16",
            description = "KV cache encoding: f16, or q8_0 for 0.53 of the memory (as llama.cpp's -ctk/-ctv q8_0; default: ${DEFAULT-VALUE}).")
    String cacheType;

    @Option(names = "--chat-template", paramLabel = "FILE",
            description = "A Jinja chat template to use instead of the model's own (e.g. one that shows tools).")
    Path chatTemplate;

    @Option(names = "--chat-template-kwargs", paramLabel = "JSON",
            description = "Extra chat-template variables as a JSON object, e.g. '{\"enable_thinking\": false}' (Qwen 3, SmolLM 3).")
    String chatTemplateKwargs;

    /** The {@link KvCacheType} a {@code --cache-type} value names. */
    static KvCacheType cacheType(String name) {
        for (KvCacheType t : KvCacheType.values()) {
            if (t.name().equalsIgnoreCase(name)) return t;
        }
        throw new CliException("--cache-type must be f16 or q8_0, got '" + name + "'");
    }

    Model load() {
        Path file = resolve(model, !noPull);
        ModelOptions.Builder b = ModelOptions.builder().batchSize(batch).progress(new LoadProgress());
        if (threads != null) {
            if (threads < 1) throw new CliException("--threads must be at least 1, got " + threads);
            b.threads(threads);
        }
        if (ctx != null) {
            if (ctx < 1) throw new CliException("--ctx must be at least 1, got " + ctx);
            b.contextLength(ctx);
        }
        if (batch < 1) throw new CliException("--batch must be at least 1, got " + batch);
        b.kvCacheType(cacheType(cacheType));
        if (chatTemplate != null) {
            try {
                b.chatTemplate(java.nio.file.Files.readString(chatTemplate));
            } catch (java.io.IOException e) {
                throw new CliException("--chat-template: cannot read " + chatTemplate + " (" + e + ")");
            }
        }
        if (chatTemplateKwargs != null) {
            Object parsed;
            try {
                parsed = new com.fasterxml.jackson.databind.ObjectMapper().readValue(chatTemplateKwargs, Object.class);
            } catch (java.io.IOException e) {
                throw new CliException("--chat-template-kwargs: not JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
            if (!(parsed instanceof java.util.Map<?, ?> map)) throw new CliException("--chat-template-kwargs must be a JSON object, e.g. '{\"enable_thinking\": false}'");
            @SuppressWarnings("unchecked") java.util.Map<String, Object> args = (java.util.Map<String, Object>) map;
            b.chatTemplateArguments(args);
        }
        ModelOptions options;
        try {
            options = b.build();
        } catch (IllegalArgumentException e) {
            String flag = e.getMessage().contains("chat-template argument") ? "--chat-template-kwargs: "
                    : chatTemplate != null && e.getMessage().contains("chat template") ? "--chat-template: " : "";
            throw new CliException(flag + e.getMessage());
        }
        if (!Kernels.simd()) Console.ERR.println("note: " + Kernels.describe());
        return Model.load(file, options);
    }

    /** Turns a {@code -m} value (or null for the default model) into a local file; see the class comment. */
    static Path resolve(String spec, boolean allowPull) {
        ModelStore store = ModelStore.fromEnvironment();
        if (spec == null) {
            ModelRegistry registry = ModelRegistry.load();
            return ensureLocal(registry.defaultEntry(), store, allowPull, true);
        }
        if (spec.isBlank()) throw new CliException("-m is empty");
        Path p = null;
        try {
            p = Path.of(spec);
        } catch (InvalidPathException e) {
            // not a path; may still be a URL or a name
        }
        if (p != null && Files.exists(p)) {
            if (Files.isDirectory(p)) {
                if (Files.isRegularFile(p.resolve("config.json"))) return HfModelCache.converted(p, store);
                throw new CliException(spec + " is a directory, neither a model file nor a Hugging Face checkpoint folder (no config.json)");
            }
            return p;
        }
        HfRepo hf = HfRepo.parse(spec);
        if (hf != null) return pullHf(hf, store, allowPull);
        URI url = httpUrl(spec);
        if (url != null) {
            return pullUrl(url, store, allowPull);
        }
        ModelRegistry registry = ModelRegistry.load();
        var entry = registry.find(spec);
        if (entry.isPresent()) return ensureLocal(entry.get(), store, allowPull, false);
        var local = store.find(spec);
        if (local.isPresent()) return local.get();
        String lower = spec.toLowerCase(Locale.ROOT);
        if (spec.contains("/") || spec.contains("\\") || lower.endsWith(".gguf") || lower.endsWith(".bin")) {
            throw new CliException("model file not found: " + spec + " (pass a .gguf file, or a model name: jllm list --registry)");
        }
        throw new CliException("unknown model '" + spec + "': not a file, not in " + store.folder() + ", not in the registry (known: "
                + registry.entries().stream().map(ModelRegistry.Entry::name).collect(Collectors.joining(", ")) + ")");
    }

    /**
     * {@code spec} as an http(s) URL, or null when it does not start with http:// or https://.
     *
     * @throws CliException if it starts like a URL but is not a valid one
     */
    static URI httpUrl(String spec) {
        String lower = spec.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("http://") && !lower.startsWith("https://")) return null;
        try {
            return URI.create(spec);
        } catch (IllegalArgumentException e) {
            throw new CliException("bad URL: " + spec);
        }
    }

    private static Path ensureLocal(ModelRegistry.Entry e, ModelStore store, boolean allowPull, boolean isDefault) {
        Path target = store.pathOf(e.file());
        if (Files.isRegularFile(target)) return target;
        String what = (isDefault ? "the default model " : "model ") + e.name();
        String size = e.displaySize() > 0 ? (e.size() == null ? "about " : "") + ModelStore.humanSize(e.displaySize()) : "size unknown";
        if (!allowPull) {
            throw new JllmException(what + " is not downloaded; run: jllm pull " + e.name() + " (or pass a local file with -m FILE.gguf)");
        }
        if (Console.interactive()) {
            String answer = System.console().readLine("%s%s is not downloaded yet. Download it (%s, %s licence) from %s into %s? [y/N] ",
                    Character.toUpperCase(what.charAt(0)), what.substring(1), size, e.license() == null ? "see its page for the" : e.license(), e.url().getHost(), store.folder());
            if (answer == null || !answer.trim().toLowerCase(Locale.ROOT).matches("y|yes")) {
                throw new JllmException("not downloaded; run jllm pull " + e.name() + " when you want it, or pass a local file with -m FILE.gguf");
            }
        } else {
            Console.ERR.println("jllm: " + what + " is not downloaded yet; pulling it (" + size + ") into " + store.folder()
                    + " (use --no-pull to fail instead)");
        }
        DownloadProgress progress = new DownloadProgress(e.file());
        try {
            return new ModelPuller(store, new Downloader()).pull(e, false, progress).path();
        } catch (Downloader.DownloadException ex) {
            progress.close();
            throw new JllmException("cannot download " + e.name() + ": " + ex.getMessage() + advice(ex, store));
        }
    }

    private static Path pullUrl(URI url, ModelStore store, boolean allowPull) {
        String name = Downloader.fileNameOf(url);
        if (name != null && ModelStore.isSafeFileName(name) && Files.isRegularFile(store.pathOf(name))) return store.pathOf(name);
        if (!allowPull) throw new JllmException(url + " is not downloaded; run: jllm pull " + url);
        if (!Console.interactive()) Console.ERR.println("jllm: downloading " + url + " into " + store.folder());
        DownloadProgress progress = new DownloadProgress(name != null ? name : url.toString());
        try {
            return new ModelPuller(store, new Downloader()).pullUrl(url, null, false, progress).path();
        } catch (Downloader.DownloadException ex) {
            progress.close();
            throw new JllmException("cannot download " + url + ": " + ex.getMessage() + advice(ex, store));
        }
    }

    /**
     * A Hugging Face repository as a local model: its GGUF file in the models folder, or its
     * checkpoint folder converted once ({@link HfModelCache}); fetched first when missing. The Hub
     * is asked each time only when nothing of the repository is here yet.
     */
    private static Path pullHf(HfRepo hf, ModelStore store, boolean allowPull) {
        HfRepo.Fetched fetched = hf.local(store);
        if (fetched == null) {
            if (!allowPull) throw new JllmException(hf + " is not downloaded; run: jllm pull " + hf);
            if (!Console.interactive()) Console.ERR.println("jllm: fetching " + hf + " into " + store.folder());
            fetched = fetchHf(hf, store, new Downloader());
        }
        return fetched.isCheckpoint() ? HfModelCache.converted(fetched.path(), store) : fetched.path();
    }

    /** Fetches {@code hf} with a progress line per file; failures become one-line errors with advice. */
    static HfRepo.Fetched fetchHf(HfRepo hf, ModelStore store, Downloader downloader) {
        DownloadProgress[] current = {null};
        try {
            HfRepo.Fetched f = hf.fetch(store, downloader, name -> {
                if (current[0] != null) current[0].close();
                return current[0] = new DownloadProgress(name);
            }, System::getenv);
            if (current[0] != null) current[0].close();
            return f;
        } catch (Downloader.DownloadException ex) {
            if (current[0] != null) current[0].close();
            throw new JllmException("cannot fetch " + hf + ": " + ex.getMessage() + advice(ex, store));
        }
    }

    /** What to do instead, for failures the user can work around. */
    static String advice(Downloader.DownloadException ex, ModelStore store) {
        if (ex.failure() == Downloader.Failure.NETWORK) {
            return ". Without network, pass a model file you already have: -m /path/to/model.gguf (or copy it into "
                    + store.folder() + ", or unpack an archive with jllm import ARCHIVE)";
        }
        return "";
    }
}
