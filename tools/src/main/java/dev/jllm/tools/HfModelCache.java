package dev.jllm.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.stream.Stream;

import dev.jllm.tensor.WorkerPool;
import dev.jllm.tools.convert.HfConverter;
import dev.jllm.tools.models.ModelStore;

/**
 * {@code -m FOLDER} for a Hugging Face checkpoint: the folder is converted to GGUF (its own
 * precision, {@link HfConverter.OutputType#AUTO}) the first time, into
 * {@code <models folder>/converted/<folder name>-<hash of its path>.gguf}, and that file is
 * reused while it is newer than every file in the folder — so {@code jllm chat -m ./Qwen2.5-0.5B-Instruct}
 * works on a fresh download and starts at once the next time.
 */
final class HfModelCache {
    private HfModelCache() {}

    static Path converted(Path checkpoint, ModelStore store) {
        try {
            Path dir = checkpoint.toAbsolutePath().normalize();
            String name = dir.getFileName() == null ? "checkpoint" : dir.getFileName().toString();
            Path target = store.folder().resolve("converted").resolve(name + "-" + pathHash(dir) + ".gguf");
            if (Files.isRegularFile(target) && Files.getLastModifiedTime(target).compareTo(newest(dir)) > 0) return target;
            Files.createDirectories(target.getParent());
            Console.ERR.printf("converting the Hugging Face checkpoint %s to %s (once; later runs reuse it)%n", dir, target);
            int threads = Runtime.getRuntime().availableProcessors();
            try (WorkerPool pool = new WorkerPool(threads)) {
                ProgressBar bar = new ProgressBar("converting " + name, HfConverter.outputBytes(dir, HfConverter.OutputType.AUTO));
                HfConverter.convert(dir, target, HfConverter.OutputType.AUTO, name, null, pool, bar::advance);
                bar.finish();
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
