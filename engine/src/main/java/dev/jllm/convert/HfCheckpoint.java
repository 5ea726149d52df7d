package dev.jllm.convert;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A Hugging Face checkpoint folder: {@code config.json}, the weights in one
 * {@code model.safetensors} or in shards listed by {@code model.safetensors.index.json}, and the
 * tokenizer files. The shards are mapped into an arena owned by this object; its tensors are
 * valid until {@link #close}.
 */
final class HfCheckpoint implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final JsonNode config;
    final Map<String, Safetensors.Tensor> tensors;
    private final Arena arena;

    private HfCheckpoint(Path dir, JsonNode config, Map<String, Safetensors.Tensor> tensors, Arena arena) {
        this.dir = dir;
        this.config = config;
        this.tensors = tensors;
        this.arena = arena;
    }

    static HfCheckpoint open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new ConversionException(dir + " is not a folder: pass the folder of a Hugging Face checkpoint (config.json, *.safetensors, tokenizer files)");
        if (!Files.isRegularFile(dir.resolve("config.json"))) throw new ConversionException(dir + " has no config.json: is it a Hugging Face checkpoint folder?");
        JsonNode config = HfModelConfig.textConfig(readJson(dir.resolve("config.json")));
        List<Path> shards = shards(dir);
        Arena arena = Arena.ofShared(); // the writer's worker threads read the tensors
        try {
            Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
            for (Path shard : shards) {
                for (Safetensors.Tensor t : Safetensors.open(shard, arena).tensors().values()) {
                    if (tensors.put(t.name(), t) != null) throw new ConversionException("tensor " + t.name() + " appears in more than one shard (" + shard.getFileName() + ")");
                }
            }
            return new HfCheckpoint(dir, config, tensors, arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The safetensors files: those the index names, else every {@code *.safetensors} in the folder. */
    private static List<Path> shards(Path dir) throws IOException {
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(index)) {
            JsonNode map = readJson(index).get("weight_map");
            if (map == null || !map.isObject()) throw new ConversionException(index.getFileName() + " has no weight_map");
            Set<String> files = new LinkedHashSet<>();
            map.forEach(f -> files.add(f.asText()));
            List<Path> out = new ArrayList<>();
            for (String f : files) {
                Path p = dir.resolve(f).normalize();
                if (!p.startsWith(dir.normalize()) || !p.getFileName().toString().endsWith(".safetensors")) {
                    throw new ConversionException(index.getFileName() + " names " + f + ", which is not a .safetensors file in the checkpoint folder");
                }
                if (!Files.isRegularFile(p)) throw new ConversionException("shard " + f + " named by " + index.getFileName() + " is missing (incomplete download?)");
                out.add(p);
            }
            return out;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
        if (files.isEmpty()) {
            boolean torch = Files.isRegularFile(dir.resolve("pytorch_model.bin")) || Files.isRegularFile(dir.resolve("pytorch_model.bin.index.json"));
            throw new ConversionException(dir + " has no .safetensors weights" + (torch ? " (PyTorch pickle checkpoints are not read: save the model with safe_serialization=True)" : ""));
        }
        return files;
    }

    static JsonNode readJson(Path file) throws IOException {
        try {
            JsonNode n = JSON.readTree(Files.readString(file));
            if (n == null || !n.isObject()) throw new ConversionException(file.getFileName() + " is not a JSON object");
            return n;
        } catch (NoSuchFileException e) {
            throw new ConversionException(file + " not found");
        } catch (JsonProcessingException e) {
            throw new ConversionException(file.getFileName() + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    static JsonNode readJsonIfPresent(Path file) throws IOException {
        return Files.isRegularFile(file) ? readJson(file) : null;
    }

    @Override
    public void close() {
        arena.close();
    }
}
