package dev.jllm.tools.models;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The models folder: {@code $JLLM_MODELS}, else {@code ~/.cache/jllm/models}. It is flat — one
 * file per model ({@code NAME.gguf}), partial downloads beside them as {@code NAME.gguf.part}
 * (with a {@code .part.meta} note of where they come from), and short-lived hidden
 * {@code .import-*} folders while an archive is being imported.
 */
public final class ModelStore {
    public static final String ENV = "JLLM_MODELS";
    public static final String PART_SUFFIX = ".part";
    public static final String META_SUFFIX = ".part.meta";

    /** A model file in the folder. */
    public record LocalModel(String file, Path path, long size) {}

    /** A download that has not finished (can be resumed by pulling again). */
    public record Partial(String file, Path path, long size) {}

    private final Path folder;

    public ModelStore(Path folder) {
        this.folder = folder.toAbsolutePath().normalize();
    }

    /** The folder named by {@code $JLLM_MODELS}, or {@code ~/.cache/jllm/models}. */
    public static ModelStore fromEnvironment() {
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) return new ModelStore(Path.of(env));
        return new ModelStore(Path.of(System.getProperty("user.home"), ".cache", "jllm", "models"));
    }

    public Path folder() {
        return folder;
    }

    /** Creates the folder if needed. */
    public Path ensureFolder() throws IOException {
        Files.createDirectories(folder);
        return folder;
    }

    /** The path a file of this name has in the folder; refuses names that would leave it. */
    public Path pathOf(String fileName) {
        if (!isSafeFileName(fileName)) throw new IllegalArgumentException("not a plain file name: " + fileName);
        return folder.resolve(fileName);
    }

    public static boolean isSafeFileName(String name) {
        return name != null && !name.isEmpty() && name.length() <= 255 && !name.equals(".") && !name.equals("..")
                && name.indexOf('/') < 0 && name.indexOf('\\') < 0 && name.indexOf('\0') < 0 && !name.startsWith(".");
    }

    /** GGUF files in the folder, by name. */
    public List<LocalModel> list() {
        List<LocalModel> out = new ArrayList<>();
        for (Path p : files()) {
            String n = p.getFileName().toString();
            if (n.toLowerCase(Locale.ROOT).endsWith(".gguf") && Files.isRegularFile(p)) out.add(new LocalModel(n, p, size(p)));
        }
        out.sort(Comparator.comparing(LocalModel::file, String.CASE_INSENSITIVE_ORDER));
        return out;
    }

    /**
     * What Hugging Face checkpoints left in the folder: GGUF files converted from them
     * ({@code converted/*.gguf}) and checkpoints fetched from the Hub ({@code hf/OWNER--REPO/}),
     * named by their path inside the models folder, with their sizes.
     */
    public List<LocalModel> fromCheckpoints() {
        List<LocalModel> out = new ArrayList<>();
        for (String sub : List.of("converted", "hf")) {
            Path dir = folder.resolve(sub);
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.sorted().toList()) {
                    boolean gguf = Files.isRegularFile(p) && p.getFileName().toString().endsWith(".gguf");
                    if (gguf || Files.isDirectory(p)) out.add(new LocalModel(sub + "/" + p.getFileName(), p, gguf ? size(p) : treeSize(p)));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** The bytes of the regular files under {@code dir} (-1 if it cannot be read). */
    static long treeSize(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(ModelStore::size).sum();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Unfinished downloads in the folder. */
    public List<Partial> partials() {
        List<Partial> out = new ArrayList<>();
        for (Path p : files()) {
            String n = p.getFileName().toString();
            if (n.endsWith(PART_SUFFIX) && Files.isRegularFile(p)) {
                out.add(new Partial(n.substring(0, n.length() - PART_SUFFIX.length()), p, size(p)));
            }
        }
        out.sort(Comparator.comparing(Partial::file));
        return out;
    }

    /**
     * A model file in the folder by its file name or its name without {@code .gguf}
     * (case-insensitive when there is exactly one such file).
     */
    public Optional<Path> find(String name) {
        if (name == null || !isSafeFileName(name)) return Optional.empty();
        for (String candidate : List.of(name, name + ".gguf")) {
            Path p = folder.resolve(candidate);
            if (Files.isRegularFile(p)) return Optional.of(p);
        }
        List<LocalModel> matches = list().stream()
                .filter(m -> m.file().equalsIgnoreCase(name) || m.file().equalsIgnoreCase(name + ".gguf"))
                .toList();
        return matches.size() == 1 ? Optional.of(matches.get(0).path()) : Optional.empty();
    }

    /** Deletes a model file and any unfinished download of it; returns the bytes freed. */
    public long remove(String fileName) throws IOException {
        long freed = 0;
        for (Path p : List.of(pathOf(fileName), pathOf(fileName + PART_SUFFIX), pathOf(fileName + META_SUFFIX))) {
            if (Files.isRegularFile(p)) {
                freed += Files.size(p);
                Files.delete(p);
            }
        }
        return freed;
    }

    private List<Path> files() {
        if (!Files.isDirectory(folder)) return List.of();
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder)) {
            for (Path p : ds) out.add(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    /** Deletes a folder and everything in it (used for failed imports); never follows links. */
    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean up " + dir + ": " + e.getMessage(), e);
        }
    }

    /** "145.2 MB" style sizes (decimal units, as download pages show them). */
    public static String humanSize(long bytes) {
        if (bytes < 0) return "?";
        if (bytes >= 1_000_000_000L) return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
        if (bytes >= 1_000_000L) return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
        if (bytes >= 1_000L) return String.format(Locale.ROOT, "%.1f kB", bytes / 1e3);
        return bytes + " B";
    }
}
