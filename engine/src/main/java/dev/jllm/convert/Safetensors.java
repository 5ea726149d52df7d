package dev.jllm.convert;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One {@code .safetensors} file, memory-mapped: an unsigned 64-bit little-endian header length
 * N, N bytes of JSON mapping each tensor name to {@code dtype}, {@code shape} and
 * {@code data_offsets} [begin, end) relative to the end of the header (plus an optional
 * {@code __metadata__} map of strings), then the tensor data, row-major and little-endian.
 * Tensors are slices of the mapping; nothing is copied. Every offset and size is checked
 * against the file, so a truncated or corrupt file is a {@link ConversionException} naming the
 * tensor, never an out-of-bounds access.
 */
public final class Safetensors {

    /** Element types a converter reads (checkpoints are stored in one of them). */
    public enum DType {
        F32(4), F16(2), BF16(2);

        final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        /** Element {@code i} of {@code data} as a float. */
        float get(MemorySegment data, long i) {
            return switch (this) {
                case F32 -> data.getAtIndex(F32_LE, i);
                case F16 -> Float.float16ToFloat(data.getAtIndex(SHORT_LE, i));
                case BF16 -> Float.intBitsToFloat(data.getAtIndex(SHORT_LE, i) << 16);
            };
        }
    }

    /** A tensor: its name, element type, shape (outermost first, as PyTorch) and bytes. */
    public record Tensor(String name, DType dtype, long[] shape, MemorySegment data) {
        public long elements() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }

        /** Element {@code i} in row-major order, as a float. */
        public float get(long i) {
            return dtype.get(data, i);
        }
    }

    /** The safetensors format caps the header at 100 MB. */
    static final long MAX_HEADER_BYTES = 100_000_000;
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private Safetensors(Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps {@code file} into {@code arena} (which must outlive every use of its tensors) and reads its header. */
    public static Safetensors open(Path file, Arena arena) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return parse(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena), file.getFileName().toString());
        }
    }

    /** Reads the header of the safetensors bytes {@code file}; {@code name} is used in messages. */
    public static Safetensors parse(MemorySegment file, String name) {
        long size = file.byteSize();
        if (size < 8) throw bad(name, "only " + size + " bytes, shorter than the 8-byte header length");
        long headerBytes = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
        if (headerBytes < 2 || headerBytes > MAX_HEADER_BYTES) {
            throw bad(name, "header length " + Long.toUnsignedString(headerBytes) + " is not a safetensors header (2 bytes to 100 MB)");
        }
        if (headerBytes > size - 8) throw bad(name, "header of " + headerBytes + " bytes runs past the end of the " + size + "-byte file (truncated?)");
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(file.asSlice(8, headerBytes).asByteBuffer()).toString();
        } catch (CharacterCodingException e) {
            throw bad(name, "header is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw bad(name, "header is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) throw bad(name, "header is not a JSON object");
        MemorySegment data = file.asSlice(8 + headerBytes);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                if (!e.getValue().isObject()) throw bad(name, "__metadata__ is not an object");
                e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            tensors.put(e.getKey(), tensor(name, e.getKey(), e.getValue(), data));
        }
        return new Safetensors(tensors, metadata);
    }

    private static Tensor tensor(String file, String tensor, JsonNode node, MemorySegment data) {
        String where = "tensor " + tensor;
        if (!node.isObject()) throw bad(file, where + " is not described by an object");
        JsonNode dtype = node.get("dtype"), shape = node.get("shape"), offsets = node.get("data_offsets");
        if (dtype == null || !dtype.isTextual()) throw bad(file, where + " has no dtype");
        DType type;
        try {
            type = DType.valueOf(dtype.asText());
        } catch (IllegalArgumentException e) {
            throw bad(file, where + " has element type " + dtype.asText() + "; only F32, F16 and BF16 checkpoints can be converted");
        }
        if (shape == null || !shape.isArray()) throw bad(file, where + " has no shape");
        long[] dims = new long[shape.size()];
        long elements = 1;
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) throw bad(file, where + " has an invalid shape " + shape);
            dims[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, dims[i]);
            } catch (ArithmeticException e) {
                throw bad(file, where + " has an impossibly large shape " + shape);
            }
        }
        if (offsets == null || !offsets.isArray() || offsets.size() != 2 || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()) {
            throw bad(file, where + " has no data_offsets [begin, end]");
        }
        long begin = offsets.get(0).asLong(), end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > data.byteSize()) {
            throw bad(file, where + " has data_offsets [" + begin + ", " + end + ") outside the " + data.byteSize() + " data bytes (truncated?)");
        }
        if (elements > Long.MAX_VALUE / type.bytes || end - begin != elements * type.bytes) {
            throw bad(file, where + " has " + (end - begin) + " data bytes, but shape " + shape + " of " + type + " needs " + elements * type.bytes);
        }
        return new Tensor(tensor, type, dims, data.asSlice(begin, end - begin));
    }

    private static ConversionException bad(String file, String what) {
        return new ConversionException(file + " is not a valid safetensors file: " + what);
    }

    /** The tensors by name, in header order. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** The header's {@code __metadata__} strings (often {@code format: pt}). */
    public Map<String, String> metadata() {
        return metadata;
    }
}
