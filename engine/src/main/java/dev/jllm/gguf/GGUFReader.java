package dev.jllm.gguf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.jllm.tensor.GGMLType;

/**
 * Parses the header, metadata and tensor directory of a mapped GGUF file (versions 2 and 3).
 *
 * <p>The file is untrusted input: every length and count is checked against the bytes that remain
 * before anything is allocated, so a corrupt file ends in a {@link GGUFFormatException} naming the
 * problem, never in an out-of-bounds access, an out-of-memory error or a long loop.
 */
final class GGUFReader {
    private static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    private static final int MAX_DIMS = 4;         // GGML_MAX_DIMS
    /**
     * Longest metadata array accepted. Real files stay far below (the largest are vocabularies
     * and merge lists of well under a million entries); the cap bounds what a corrupt count can
     * make us allocate.
     */
    static final int MAX_ARRAY_LENGTH = 1 << 24;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final MemorySegment seg;
    private final long size;
    private long pos;
    /** What is being read, for error messages ("metadata key tokenizer.ggml.tokens"). */
    private String context = "header";

    GGUFReader(Path path, MemorySegment seg) {
        this.path = path;
        this.seg = seg;
        this.size = seg.byteSize();
    }

    GGUFFile read(Arena arena) {
        if (size < 4) throw error("file is too short to be GGUF (" + size + " bytes)");
        int magic = seg.get(U32, 0);
        if (magic != MAGIC) {
            throw error("not a GGUF file (bad magic " + String.format("0x%08x", magic) + ", expected \"GGUF\")");
        }
        pos = 4;
        int version = readU32();
        if (version == 1) throw error("GGUF version 1 is not supported (only 2 and 3); re-convert the model with a current llama.cpp");
        if (Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3) {
            throw error("big-endian GGUF files are not supported");
        }
        if (version != 2 && version != 3) throw error("unsupported GGUF version " + Integer.toUnsignedString(version) + " (jllm reads versions 2 and 3)");
        long tensorCount = readU64();
        long kvCount = readU64();
        // Each tensor info takes at least 24 bytes and each key/value at least 12: a count larger
        // than the file can hold is corruption, caught before we allocate anything for it.
        if (tensorCount < 0 || tensorCount > remaining() / 24) {
            throw error("file is truncated or corrupt: tensor count " + Long.toUnsignedString(tensorCount) + " exceeds what the remaining " + remaining() + " bytes can hold");
        }
        if (kvCount < 0 || kvCount > remaining() / 12) {
            throw error("file is truncated or corrupt: metadata count " + Long.toUnsignedString(kvCount) + " exceeds what the remaining " + remaining() + " bytes can hold");
        }

        GGUFMetadata metadata = new GGUFMetadata();
        for (long i = 0; i < kvCount; i++) {
            context = "metadata entry " + i;
            String key = readString(true);
            context = "metadata key " + key;
            if (metadata.contains(key)) throw error("duplicate metadata key " + key);
            GGUFValueType type = readValueType();
            metadata.put(key, type, readValue(type, 0));
        }

        int alignment = GGUFFile.DEFAULT_ALIGNMENT;
        if (metadata.contains("general.alignment")) {
            if (metadata.type("general.alignment") != GGUFValueType.UINT32) throw error("general.alignment must be a uint32");
            alignment = (Integer) metadata.get("general.alignment");
            if (alignment <= 0 || Integer.bitCount(alignment) != 1) throw error("general.alignment " + Integer.toUnsignedString(alignment) + " is not a power of two");
        }

        List<TensorInfo> tensors = new ArrayList<>((int) Math.min(tensorCount, 1024));
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            context = "tensor info " + i;
            String name = readString(true);
            context = "tensor " + name;
            if (!names.add(name)) throw error("duplicate tensor name " + name);
            int nDims = readU32();
            if (nDims < 1 || nDims > MAX_DIMS) throw error("tensor " + name + " has " + Integer.toUnsignedString(nDims) + " dimensions (1 to " + MAX_DIMS + " allowed)");
            long[] shape = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                shape[d] = readU64();
                if (shape[d] < 0) throw error("tensor " + name + " has a negative dimension");
                try {
                    elements = Math.multiplyExact(elements, shape[d]);
                } catch (ArithmeticException e) {
                    throw error("tensor " + name + " has too many elements");
                }
            }
            int typeId = readU32();
            GGMLType type = GGMLType.byId(typeId);
            if (type == null) throw error("tensor " + name + " has unknown type id " + Integer.toUnsignedString(typeId));
            if (shape[0] % type.blockSize != 0) {
                throw error("tensor " + name + " has " + shape[0] + " columns, not a multiple of the " + type + " block size " + type.blockSize);
            }
            long offset = readU64();
            if (offset < 0 || offset % alignment != 0) throw error("tensor " + name + " has data offset " + Long.toUnsignedString(offset) + ", not a multiple of the alignment " + alignment);
            TensorInfo info = new TensorInfo(name, shape, type, offset);
            try {
                info.byteSize();
            } catch (ArithmeticException e) {
                throw error("tensor " + name + " is too large");
            }
            tensors.add(info);
        }

        context = "tensor data";
        long dataOffset = alignUp(pos, alignment);
        if (dataOffset > size && !tensors.isEmpty()) throw error("file is truncated: tensor data section starts at " + dataOffset + " but the file has " + size + " bytes");
        long dataSize = size - dataOffset;
        for (TensorInfo t : tensors) {
            long end = t.offset() + t.byteSize();
            if (end < 0 || end > dataSize) {
                throw error("file is truncated or corrupt: tensor " + t.name() + " (" + t.type() + ", " + t.byteSize()
                        + " bytes at data offset " + t.offset() + ") ends beyond the end of the file");
            }
        }
        return new GGUFFile(path, arena, seg, version, metadata, tensors, alignment, Math.min(dataOffset, size));
    }

    private static long alignUp(long v, long alignment) {
        return (v + alignment - 1) / alignment * alignment;
    }

    private long remaining() {
        return size - pos;
    }

    private void need(long bytes) {
        if (bytes < 0 || bytes > remaining()) {
            throw error("file is truncated (reading " + context + " at byte " + pos + ")");
        }
    }

    private GGUFFormatException error(String message) {
        return new GGUFFormatException(printable(message));
    }

    /** Names in messages come from the file: escape control characters so an error stays one line. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 300));
        for (int i = 0; i < s.length() && sb.length() < 300; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        if (sb.length() >= 300) sb.append('…');
        return sb.toString();
    }

    private GGUFValueType readValueType() {
        int id = readU32();
        GGUFValueType t = GGUFValueType.byId(id);
        if (t == null) throw error("unknown metadata value type " + Integer.toUnsignedString(id) + " in " + context);
        return t;
    }

    private Object readValue(GGUFValueType type, int depth) {
        return switch (type) {
            case UINT8, INT8 -> readU8();
            case UINT16, INT16 -> readU16();
            case UINT32, INT32 -> readU32();
            case UINT64, INT64 -> readU64();
            case FLOAT32 -> readF32();
            case FLOAT64 -> readF64();
            case BOOL -> readBool();
            case STRING -> readString(false);
            case ARRAY -> readArray(depth + 1);
        };
    }

    private GGUFArray readArray(int depth) {
        if (depth > 8) throw error("arrays nested too deeply in " + context);
        GGUFValueType et = readValueType();
        long count = readU64();
        if (count < 0 || count > remaining() / et.minEncodedSize() || count > MAX_ARRAY_LENGTH) {
            throw error("array of " + Long.toUnsignedString(count) + " " + et + " values in " + context + " exceeds what the file can hold");
        }
        int n = (int) count;
        Object values = switch (et) {
            case UINT8, INT8 -> {
                byte[] a = new byte[n];
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, a, 0, n);
                pos += n;
                yield a;
            }
            case UINT16, INT16 -> {
                short[] a = new short[n];
                MemorySegment.copy(seg, U16, pos, a, 0, n);
                pos += 2L * n;
                yield a;
            }
            case UINT32, INT32 -> {
                int[] a = new int[n];
                MemorySegment.copy(seg, U32, pos, a, 0, n);
                pos += 4L * n;
                yield a;
            }
            case UINT64, INT64 -> {
                long[] a = new long[n];
                MemorySegment.copy(seg, U64, pos, a, 0, n);
                pos += 8L * n;
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                MemorySegment.copy(seg, F32, pos, a, 0, n);
                pos += 4L * n;
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                MemorySegment.copy(seg, F64, pos, a, 0, n);
                pos += 8L * n;
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) a[i] = readBool();
                yield a;
            }
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) a[i] = readString(false);
                yield a;
            }
            case ARRAY -> {
                GGUFArray[] a = new GGUFArray[n];
                for (int i = 0; i < n; i++) a[i] = readArray(depth + 1);
                yield a;
            }
        };
        return new GGUFArray(et, values);
    }

    private byte readU8() {
        need(1);
        return seg.get(ValueLayout.JAVA_BYTE, pos++);
    }

    private short readU16() {
        need(2);
        short v = seg.get(U16, pos);
        pos += 2;
        return v;
    }

    private int readU32() {
        need(4);
        int v = seg.get(U32, pos);
        pos += 4;
        return v;
    }

    private long readU64() {
        need(8);
        long v = seg.get(U64, pos);
        pos += 8;
        return v;
    }

    private float readF32() {
        need(4);
        float v = seg.get(F32, pos);
        pos += 4;
        return v;
    }

    private double readF64() {
        need(8);
        double v = seg.get(F64, pos);
        pos += 8;
        return v;
    }

    private boolean readBool() {
        byte b = readU8();
        if (b != 0 && b != 1) throw error("invalid boolean value " + b + " in " + context);
        return b == 1;
    }

    /**
     * Reads a u64-length-prefixed UTF-8 string. Keys must be valid UTF-8 (they are identifiers);
     * string values are decoded leniently, because real vocabularies occasionally store token
     * pieces that are not valid UTF-8 on their own.
     */
    private String readString(boolean strict) {
        long len = readU64();
        if (len < 0 || len > remaining()) throw error("string length " + Long.toUnsignedString(len) + " in " + context + " runs past the end of the file");
        if (len > Integer.MAX_VALUE - 8) throw error("string in " + context + " is too long");
        int n = (int) len;
        byte[] bytes = new byte[n];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, bytes, 0, n);
        pos += n;
        if (n == 0) return "";
        if (!strict) return new String(bytes, StandardCharsets.UTF_8);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw error("invalid UTF-8 in the name of " + context);
        }
    }
}
