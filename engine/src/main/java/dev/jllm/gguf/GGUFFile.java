package dev.jllm.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.jllm.ModelLoadException;

/**
 * An open GGUF file: its metadata, its tensor directory, and the whole file mapped read-only
 * into memory once. Tensor data are slices of that mapping — weights are never copied onto the
 * Java heap. Closing the file unmaps it; slices must not be used afterwards.
 */
public final class GGUFFile implements AutoCloseable {
    public static final int DEFAULT_ALIGNMENT = 32;

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final int version;
    private final GGUFMetadata metadata;
    private final Map<String, TensorInfo> tensors;
    private final int alignment;
    private final long dataOffset;

    GGUFFile(Path path, Arena arena, MemorySegment mapping, int version, GGUFMetadata metadata,
             List<TensorInfo> tensors, int alignment, long dataOffset) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.version = version;
        this.metadata = metadata;
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo t : tensors) byName.put(t.name(), t);
        this.tensors = Collections.unmodifiableMap(byName);
        this.alignment = alignment;
        this.dataOffset = dataOffset;
    }

    /**
     * Maps and parses a GGUF file.
     *
     * @throws GGUFFormatException if the file is not a valid GGUF file (the message says why)
     * @throws ModelLoadException if the file cannot be opened or mapped
     */
    public static GGUFFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return new GGUFReader(path, seg).read(arena);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new ModelLoadException("model file not found: " + path);
        } catch (IOException e) {
            arena.close();
            throw new ModelLoadException("cannot read model file " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            if (e instanceof GGUFFormatException g) {
                throw new GGUFFormatException(path.getFileName() + ": " + g.getMessage());
            }
            throw e;
        }
    }

    public Path path() { return path; }
    public int version() { return version; }
    public GGUFMetadata metadata() { return metadata; }
    public int alignment() { return alignment; }
    /** Absolute file offset of the tensor data section. */
    public long dataOffset() { return dataOffset; }
    public long fileSize() { return mapping.byteSize(); }

    /** The tensor directory in file order. */
    public Map<String, TensorInfo> tensors() { return tensors; }

    public TensorInfo tensorInfo(String name) { return tensors.get(name); }

    /** The bytes of a tensor: a slice of the mapped file. */
    public MemorySegment data(TensorInfo t) {
        return mapping.asSlice(dataOffset + t.offset(), t.byteSize());
    }

    /** The whole mapped file. */
    public MemorySegment mapping() { return mapping; }

    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
