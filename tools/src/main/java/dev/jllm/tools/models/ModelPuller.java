package dev.jllm.tools.models;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import dev.jllm.gguf.GGUFFile;
import dev.jllm.tools.models.Downloader.DownloadException;
import dev.jllm.tools.models.Downloader.Failure;

/**
 * Gets a model into the models folder: a registry entry (size and checksum checked when the
 * registry knows them) or any URL of a GGUF file. Every download is checked to be a readable
 * GGUF file before it is renamed into place, so an HTML error page never becomes a "model".
 */
public final class ModelPuller {
    /** Where the model is, and whether it had to be downloaded. */
    public record Result(Path path, boolean downloaded, long bytes) {}

    private final ModelStore store;
    private final Downloader downloader;

    public ModelPuller(ModelStore store, Downloader downloader) {
        this.store = store;
        this.downloader = downloader;
    }

    public ModelStore store() {
        return store;
    }

    public Result pull(ModelRegistry.Entry entry, boolean force, Downloader.Listener listener) {
        return fetch(entry.url(), entry.file(), entry.size(), entry.sha256(), force, listener);
    }

    /** Downloads a GGUF file from a URL; {@code fileName} defaults to the URL's last path segment. */
    public Result pullUrl(URI url, String fileName, boolean force, Downloader.Listener listener) {
        String name = fileName != null ? fileName : Downloader.fileNameOf(url);
        if (name == null || !ModelStore.isSafeFileName(name)) {
            throw new DownloadException(Failure.INVALID, "cannot tell a file name from " + url + "; give one with --file NAME.gguf");
        }
        if (!name.toLowerCase(Locale.ROOT).endsWith(".gguf")) {
            throw new DownloadException(Failure.INVALID, name + " is not a .gguf file; give the local name with --file NAME.gguf (archives: download them, then jllm import)");
        }
        return fetch(url, name, null, null, force, listener);
    }

    private Result fetch(URI url, String file, Long size, String sha256, boolean force, Downloader.Listener listener) {
        Path target = store.pathOf(file);
        try {
            store.ensureFolder();
        } catch (IOException e) {
            throw new DownloadException(Failure.IO, "cannot create the models folder " + store.folder() + ": " + e.getMessage(), e);
        }
        if (Files.isRegularFile(target) && !force) {
            try {
                return new Result(target, false, Files.size(target));
            } catch (IOException e) {
                throw new DownloadException(Failure.IO, "cannot read " + target + ": " + e.getMessage(), e);
            }
        }
        long bytes = downloader.download(new Downloader.Request(url, target, size, sha256), ModelPuller::checkGguf, listener);
        return new Result(target, true, bytes);
    }

    /** Opens the file as GGUF (header, metadata, tensor directory, data bounds). */
    public static void checkGguf(Path file) {
        try (GGUFFile f = GGUFFile.open(file)) {
            if (f.tensors().isEmpty() && !f.metadata().contains("tokenizer.ggml.tokens")) {
                throw new IllegalStateException("it has no tensors and no vocabulary");
            }
        }
    }
}
