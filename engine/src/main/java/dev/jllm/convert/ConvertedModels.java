package dev.jllm.convert;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

import dev.jllm.tensor.WorkerPool;

/**
 * GGUF files made from Hugging Face checkpoint folders, kept so that a folder is converted once:
 * {@code <cache>/<folder name>-<hash of its path>.gguf}, in the checkpoint's own precision
 * ({@link HfConverter.OutputType#AUTO}), reused while it is newer than every file in the folder.
 * What {@code Model.load(folder)} and the command line's {@code -m FOLDER} use.
 */
public final class ConvertedModels {
    private ConvertedModels() {}

    /** The folder jllm keeps converted models in: {@code $JLLM_MODELS/converted}, else {@code ~/.cache/jllm/models/converted}. */
    public static Path defaultFolder() {
        String env = System.getenv("JLLM_MODELS");
        Path models = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "jllm", "models");
        return models.resolve("converted");
    }

    /** Whether {@code dir} looks like a Hugging Face checkpoint folder (it has a config.json). */
    public static boolean isCheckpoint(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve("config.json"));
    }

    /**
     * The GGUF file for checkpoint folder {@code checkpoint} in {@code cache}: the one made
     * earlier if it is still current, else a new conversion.
     *
     * @param started  told the target file before a conversion starts (to say so), not called when the file is reused
     * @param progress receives the bytes written while converting
     */
    public static Path converted(Path checkpoint, Path cache, int threads, java.util.function.Consumer<Path> started, LongConsumer progress) {
        try {
            Path dir = checkpoint.toAbsolutePath().normalize();
            String name = dir.getFileName() == null ? "checkpoint" : dir.getFileName().toString();
            Path target = cache.resolve(name + "-" + pathHash(dir) + ".gguf");
            if (Files.isRegularFile(target) && Files.getLastModifiedTime(target).compareTo(newest(dir)) > 0) return target;
            Files.createDirectories(cache);
            started.accept(target);
            try (WorkerPool pool = new WorkerPool(threads)) {
                HfConverter.convert(dir, target, HfConverter.OutputType.AUTO, name, null, pool, progress);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The latest modification time of the folder's files. */
    private static FileTime newest(Path dir) throws IOException {
        FileTime newest = FileTime.fromMillis(0);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                FileTime t = Files.getLastModifiedTime(f);
                if (t.compareTo(newest) > 0) newest = t;
            }
        }
        return newest;
    }

    private static String pathHash(Path dir) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(dir.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
