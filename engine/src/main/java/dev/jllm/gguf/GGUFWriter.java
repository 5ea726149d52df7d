package dev.jllm.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.jllm.tensor.GGMLType;

/**
 * Writes GGUF version 3 files: metadata in insertion order, then the tensor directory, then the
 * tensor data, each tensor aligned to {@code general.alignment} (32 unless the metadata says
 * otherwise), as the GGUF specification requires. Used by quantize, convert, synth and tests.
 */
public final class GGUFWriter {

    /** Produces a tensor's bytes on demand, so that large models need not be held in memory. */
    @FunctionalInterface
    public interface TensorBytes {
        void writeTo(WritableByteChannel out) throws IOException;
    }

    private record Entry(String name, GGMLType type, long[] shape, long byteSize, TensorBytes bytes) {}

    private final GGUFMetadata metadata;
    private final List<Entry> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    public GGUFWriter(GGUFMetadata metadata) {
        this.metadata = metadata.copy();
    }

    public GGUFMetadata metadata() {
        return metadata;
    }

    /** Adds a tensor whose bytes are already in memory (heap, off-heap, or another mapped file). */
    public GGUFWriter addTensor(String name, GGMLType type, long[] shape, MemorySegment data) {
        return addTensor(name, type, shape, ch -> {
            ByteBuffer buf = data.asByteBuffer();
            while (buf.hasRemaining()) ch.write(buf);
        });
    }

    public GGUFWriter addTensor(String name, GGMLType type, long[] shape, TensorBytes bytes) {
        if (!names.add(name)) throw new IllegalArgumentException("duplicate tensor " + name);
        long elements = 1;
        for (long d : shape) elements = Math.multiplyExact(elements, d);
        tensors.add(new Entry(name, type, shape.clone(), type.bytesFor(elements), bytes));
        return this;
    }

    private int alignment() {
        return metadata.contains("general.alignment") ? metadata.getInt("general.alignment") : GGUFFile.DEFAULT_ALIGNMENT;
    }

    /** Writes the file: first to a temporary sibling, then renamed into place. */
    public void write(Path path) throws IOException {
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        int alignment = alignment();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            Header h = new Header();
            h.u32(0x46554747).u32(3).u64(tensors.size()).u64(metadata.size());
            for (String key : metadata.keys()) {
                h.string(key);
                GGUFValueType type = metadata.type(key);
                h.u32(type.id);
                h.value(type, metadata.get(key));
            }
            long offset = 0;
            for (Entry t : tensors) {
                h.string(t.name).u32(t.shape.length);
                for (long d : t.shape) h.u64(d);
                h.u32(t.type.id).u64(offset);
                offset = align(offset + t.byteSize, alignment);
            }
            byte[] header = h.bytes();
            writeFully(ch, ByteBuffer.wrap(header));
            writeFully(ch, ByteBuffer.allocate((int) (align(header.length, alignment) - header.length)));
            for (Entry t : tensors) {
                long before = ch.position();
                t.bytes.writeTo(ch);
                long written = ch.position() - before;
                if (written != t.byteSize) {
                    throw new IllegalStateException("tensor " + t.name + " wrote " + written + " bytes, expected " + t.byteSize);
                }
                writeFully(ch, ByteBuffer.allocate((int) (align(t.byteSize, alignment) - t.byteSize)));
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static long align(long v, long a) {
        return (v + a - 1) / a * a;
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Little-endian encoder for the header part of the file. */
    private static final class Header {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        byte[] bytes() {
            return out.toByteArray();
        }

        private Header put(int n) {
            out.write(scratch.array(), 0, n);
            scratch.clear();
            return this;
        }

        Header u8(byte v) { scratch.put(v); return put(1); }
        Header u16(short v) { scratch.putShort(v); return put(2); }
        Header u32(int v) { scratch.putInt(v); return put(4); }
        Header u64(long v) { scratch.putLong(v); return put(8); }
        Header f32(float v) { scratch.putFloat(v); return put(4); }
        Header f64(double v) { scratch.putDouble(v); return put(8); }

        Header string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            out.write(b, 0, b.length);
            return this;
        }

        void value(GGUFValueType type, Object v) {
            switch (type) {
                case UINT8, INT8 -> u8(((Number) v).byteValue());
                case UINT16, INT16 -> u16(((Number) v).shortValue());
                case UINT32, INT32 -> u32(((Number) v).intValue());
                case UINT64, INT64 -> u64(((Number) v).longValue());
                case FLOAT32 -> f32(((Number) v).floatValue());
                case FLOAT64 -> f64(((Number) v).doubleValue());
                case BOOL -> u8((byte) (((Boolean) v) ? 1 : 0));
                case STRING -> string((String) v);
                case ARRAY -> array((GGUFArray) v);
            }
        }

        void array(GGUFArray a) {
            u32(a.elementType().id);
            int n = a.length();
            u64(n);
            switch (a.values()) {
                case byte[] x -> { for (byte e : x) u8(e); }
                case short[] x -> { for (short e : x) u16(e); }
                case int[] x -> { for (int e : x) u32(e); }
                case long[] x -> { for (long e : x) u64(e); }
                case float[] x -> { for (float e : x) f32(e); }
                case double[] x -> { for (double e : x) f64(e); }
                case boolean[] x -> { for (boolean e : x) u8((byte) (e ? 1 : 0)); }
                case String[] x -> { for (String e : x) string(e); }
                case GGUFArray[] x -> { for (GGUFArray e : x) array(e); }
                default -> throw new IllegalArgumentException("unsupported array storage " + a.values().getClass());
            }
        }
    }

    /** Convenience for callers that cannot throw IOException. */
    public void writeUnchecked(Path path) {
        try {
            write(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
