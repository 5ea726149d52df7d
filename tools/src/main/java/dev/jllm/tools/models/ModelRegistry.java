package dev.jllm.tools.models;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.JllmException;

/**
 * The curated list of known-good GGUF downloads ({@code models/registry.json}, shipped inside the
 * jar). {@code $JLLM_REGISTRY} names another registry file to use instead (mirrors, tests).
 *
 * <p>Format: {@code {"models": [ {name, aliases?, description, architecture, parameters,
 * quantization, license, url, file, size?, approx_size?, sha256?, default?}, … ]}}. {@code size}
 * and {@code sha256} are only given where they are known for certain, and are then verified;
 * {@code approx_size} is for display. Exactly one entry has {@code "default": true}.
 */
public final class ModelRegistry {
    public static final String ENV = "JLLM_REGISTRY";
    private static final String RESOURCE = "/dev/jllm/tools/models/registry.json";

    /** One downloadable model. */
    public record Entry(String name, List<String> aliases, String description, String architecture, String parameters,
                        String quantization, String license, URI url, String file, Long size, Long approxSize,
                        String sha256, boolean isDefault) {

        public boolean matches(String query) {
            if (name.equalsIgnoreCase(query)) return true;
            for (String a : aliases) if (a.equalsIgnoreCase(query)) return true;
            return false;
        }

        /** Exact size if known, else the approximate one, else -1. */
        public long displaySize() {
            return size != null ? size : approxSize != null ? approxSize : -1;
        }
    }

    private final List<Entry> entries;
    private final String source;

    private ModelRegistry(List<Entry> entries, String source) {
        this.entries = List.copyOf(entries);
        this.source = source;
    }

    /** {@code $JLLM_REGISTRY} if set, else the registry built into jllm. */
    public static ModelRegistry load() {
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) return load(Path.of(env));
        try (InputStream in = ModelRegistry.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new JllmException("the built-in model registry is missing from the jar (" + RESOURCE + ")");
            return parse(in.readAllBytes(), "built-in registry");
        } catch (IOException e) {
            throw new JllmException("cannot read the built-in model registry: " + e.getMessage(), e);
        }
    }

    public static ModelRegistry load(Path file) {
        try {
            return parse(Files.readAllBytes(file), file.toString());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new JllmException("model registry not found: " + file + " ($" + ENV + ")");
        } catch (IOException e) {
            throw new JllmException("cannot read model registry " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses and checks a registry; errors name the entry and the field. */
    public static ModelRegistry parse(byte[] json, String source) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new JllmException(source + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new JllmException("cannot read " + source + ": " + e.getMessage(), e);
        }
        JsonNode models = root == null ? null : root.get("models");
        if (models == null || !models.isArray()) throw new JllmException(source + ": expected an object with a \"models\" array");
        List<Entry> entries = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> files = new HashSet<>();
        int defaults = 0;
        for (JsonNode m : models) {
            String name = text(m, "name", true, source, "?");
            String where = source + ", model " + name;
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9._:-]*")) throw new JllmException(where + ": name may only use letters, digits, '.', '_', ':' and '-'");
            List<String> aliases = new ArrayList<>();
            if (m.has("aliases")) for (JsonNode a : m.get("aliases")) aliases.add(a.asText());
            for (String n : concat(name, aliases)) {
                if (!names.add(n.toLowerCase(Locale.ROOT))) throw new JllmException(where + ": name or alias '" + n + "' is used twice");
            }
            String url = text(m, "url", true, source, name);
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new JllmException(where + ": bad url " + url);
            }
            if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) throw new JllmException(where + ": url must be http(s): " + url);
            String file = text(m, "file", false, source, name);
            if (file == null) file = Downloader.fileNameOf(uri);
            if (file == null || !ModelStore.isSafeFileName(file) || !file.toLowerCase(Locale.ROOT).endsWith(".gguf")) {
                throw new JllmException(where + ": file must be a plain NAME.gguf, got " + file);
            }
            if (!files.add(file.toLowerCase(Locale.ROOT))) throw new JllmException(where + ": file " + file + " is used twice");
            String sha = text(m, "sha256", false, source, name);
            if (sha != null && !sha.matches("[0-9a-fA-F]{64}")) throw new JllmException(where + ": sha256 must be 64 hex digits");
            Long size = number(m, "size", where);
            Long approx = number(m, "approx_size", where);
            boolean dflt = m.path("default").asBoolean(false);
            if (dflt) defaults++;
            entries.add(new Entry(name, List.copyOf(aliases), text(m, "description", false, source, name),
                    text(m, "architecture", false, source, name), text(m, "parameters", false, source, name),
                    text(m, "quantization", false, source, name), text(m, "license", false, source, name),
                    uri, file, size, approx, sha == null ? null : sha.toLowerCase(Locale.ROOT), dflt));
        }
        if (entries.isEmpty()) throw new JllmException(source + " lists no models");
        if (defaults != 1) throw new JllmException(source + ": exactly one model must be marked \"default\": true, found " + defaults);
        return new ModelRegistry(entries, source);
    }

    private static List<String> concat(String a, List<String> rest) {
        List<String> l = new ArrayList<>(rest);
        l.add(0, a);
        return l;
    }

    private static String text(JsonNode m, String field, boolean required, String source, String name) {
        JsonNode v = m.get(field);
        if (v == null || v.isNull()) {
            if (required) throw new JllmException(source + ", model " + name + ": \"" + field + "\" is missing");
            return null;
        }
        if (!v.isTextual()) throw new JllmException(source + ", model " + name + ": \"" + field + "\" must be a string");
        return v.asText();
    }

    private static Long number(JsonNode m, String field, String where) {
        JsonNode v = m.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.canConvertToLong() || v.asLong() <= 0) throw new JllmException(where + ": \"" + field + "\" must be a positive number of bytes");
        return v.asLong();
    }

    public List<Entry> entries() {
        return entries;
    }

    public String source() {
        return source;
    }

    public Entry defaultEntry() {
        return entries.stream().filter(Entry::isDefault).findFirst().orElseThrow();
    }

    /** The entry with this name or alias (case-insensitive). */
    public Optional<Entry> find(String nameOrAlias) {
        if (nameOrAlias == null) return Optional.empty();
        return entries.stream().filter(e -> e.matches(nameOrAlias)).findFirst();
    }

    /** The entry whose local file has this name. */
    public Optional<Entry> byFile(String file) {
        return entries.stream().filter(e -> e.file().equalsIgnoreCase(file)).findFirst();
    }
}
