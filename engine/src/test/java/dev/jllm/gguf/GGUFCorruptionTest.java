package dev.jllm.gguf;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import dev.jllm.ModelLoadException;
import dev.jllm.tensor.GGMLType;
import dev.jllm.testing.TestData;

/**
 * Corrupt GGUF input gives a {@link GGUFFormatException} with a one-line message naming the
 * problem — never an IndexOutOfBounds, an OutOfMemoryError or a hang.
 */
class GGUFCorruptionTest {
    @TempDir Path dir;

    /** A small valid file: a few keys and two tensors. */
    byte[] validFile() throws IOException {
        GGUFMetadata md = new GGUFMetadata();
        md.putString("general.architecture", "llama");
        md.putArray("tokenizer.ggml.tokens", new GGUFArray(GGUFValueType.STRING, new String[]{"a", "b", "c"}));
        md.putUInt32("some.count", 7);
        Path p = dir.resolve("valid.gguf");
        GGUFWriter w = new GGUFWriter(md);
        try (Arena arena = Arena.ofConfined()) {
            w.addTensor("w", GGMLType.F32, new long[]{8, 2}, arena.allocate(64));
            w.addTensor("q", GGMLType.Q8_0, new long[]{32}, arena.allocate(34));
            w.write(p);
        }
        return Files.readAllBytes(p);
    }

    void assertRejected(byte[] bytes, String messagePart) throws IOException {
        Path p = dir.resolve("bad.gguf");
        Files.write(p, bytes);
        GGUFFormatException e = assertThrows(GGUFFormatException.class, () -> GGUFFile.open(p).close());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().contains(messagePart), "message '" + e.getMessage() + "' should mention '" + messagePart + "'");
    }

    static byte[] patch(byte[] b, int at, long value, int size) {
        byte[] c = b.clone();
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).position(at);
        for (int i = 0; i < size; i++) c[at + i] = (byte) (value >>> (8 * i));
        return c;
    }

    @Test
    void badMagic() throws IOException {
        byte[] b = validFile();
        b[0] = 'X';
        assertRejected(b, "bad magic");
    }

    @Test
    void emptyAndTinyFiles() throws IOException {
        assertRejected(new byte[0], "too short");
        assertRejected("GGU".getBytes(StandardCharsets.US_ASCII), "too short");
        assertRejected("GGUF".getBytes(StandardCharsets.US_ASCII), "truncated");
    }

    @Test
    void version2FilesAreRead() throws IOException {
        Path p = dir.resolve("v2.gguf");
        Files.write(p, patch(validFile(), 4, 2, 4)); // v2 and v3 share the layout (v3 added big-endian files)
        try (GGUFFile f = GGUFFile.open(p)) {
            org.junit.jupiter.api.Assertions.assertEquals(2, f.version());
            org.junit.jupiter.api.Assertions.assertEquals(2, f.tensors().size());
            org.junit.jupiter.api.Assertions.assertEquals("llama", f.metadata().getString("general.architecture"));
        }
    }

    @Test
    void unsupportedVersions() throws IOException {
        assertRejected(patch(validFile(), 4, 1, 4), "version 1");
        assertRejected(patch(validFile(), 4, 99, 4), "version 99");
        assertRejected(patch(validFile(), 4, Integer.reverseBytes(3), 4), "big-endian");
    }

    @Test
    void countsBeyondTheFile() throws IOException {
        assertRejected(patch(validFile(), 8, 1L << 40, 8), "tensor count");
        assertRejected(patch(validFile(), 16, Long.MAX_VALUE, 8), "metadata count");
        assertRejected(patch(validFile(), 16, -1L, 8), "metadata count");
    }

    @Test
    void hugeStringLength() throws IOException {
        // first key's length field sits right after the 24-byte header
        assertRejected(patch(validFile(), 24, 1L << 50, 8), "string length");
    }

    @Test
    void unknownValueType() throws IOException {
        byte[] b = validFile();
        int keyLen = "general.architecture".length();
        assertRejected(patch(b, 24 + 8 + keyLen, 77, 4), "unknown metadata value type 77");
    }

    @Test
    void invalidUtf8InKey() throws IOException {
        byte[] b = validFile();
        b[24 + 8] = (byte) 0xC3; // start of a 2-byte sequence followed by 'e' (0x65): invalid
        assertRejected(b, "invalid UTF-8");
    }

    @Test
    void hugeArrayCount() throws IOException {
        byte[] b = validFile();
        int at = indexOf(b, "tokenizer.ggml.tokens".getBytes(StandardCharsets.UTF_8)) + "tokenizer.ggml.tokens".length() + 4 + 4;
        assertRejected(patch(b, at, 1L << 60, 8), "exceeds what the file can hold");
    }

    @Test
    void unknownTensorTypeAndBadOffset() throws IOException {
        byte[] b = validFile();
        int name = indexOf(b, new byte[]{1, 0, 0, 0, 0, 0, 0, 0, 'w'});
        int typeAt = name + 9 + 4 + 16;
        assertRejected(patch(b, typeAt, 4, 4), "unknown type id 4"); // id 4 was removed from ggml
        assertRejected(patch(b, typeAt, 1000, 4), "unknown type id 1000");
        assertRejected(patch(b, typeAt + 4, 3, 8), "not a multiple of the alignment");
        assertRejected(patch(b, typeAt + 4, 1L << 40, 8), "beyond the end of the file");
        assertRejected(patch(b, name + 9, 9, 4), "dimensions");
    }

    @Test
    void truncatedAnywhere() throws IOException {
        byte[] b = validFile();
        for (int len : new int[]{5, 12, 20, 30, 60, 100, b.length - 40, b.length - 31}) { // the last 30 bytes are alignment padding
            assertRejected(java.util.Arrays.copyOf(b, len), "");
        }
    }

    /** Flipping random bytes never produces anything but a clean load or a typed error. */
    @Test
    void randomCorruptionNeverCrashes() throws IOException {
        byte[] b = validFile();
        Random rnd = new Random(1);
        for (int i = 0; i < 2000; i++) {
            byte[] c = b.clone();
            for (int k = 0; k < 1 + rnd.nextInt(4); k++) c[rnd.nextInt(Math.min(c.length, 200))] = (byte) rnd.nextInt(256);
            Path p = dir.resolve("r.gguf");
            Files.write(p, c);
            try (GGUFFile f = GGUFFile.open(p)) {
                f.tensors().values().forEach(f::data);
            } catch (ModelLoadException expected) {
                assertFalse(expected.getMessage().contains("\n"));
            }
        }
    }

    /** Corrupted copies of a real model file: truncations and header damage all give the typed error. */
    @TestFactory
    Stream<DynamicTest> corruptedRealFile() throws IOException {
        Path real = TestData.require("models/stories260K-q8_0.gguf");
        byte[] b = Files.readAllBytes(real);
        List<DynamicTest> tests = new ArrayList<>();
        for (int len : new int[]{3, 8, 23, 500, 5000, b.length / 2, b.length - 1000}) {
            tests.add(DynamicTest.dynamicTest("truncated to " + len, () -> assertRejected(java.util.Arrays.copyOf(b, len), "")));
        }
        tests.add(DynamicTest.dynamicTest("tensor count inflated", () -> assertRejected(patch(b, 8, 1L << 33, 8), "tensor count")));
        return tests.stream();
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }

    @Test
    void missingFileIsAModelLoadException() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> GGUFFile.open(dir.resolve("nope.gguf")));
        assertTrue(e.getMessage().contains("not found"));
    }
}
