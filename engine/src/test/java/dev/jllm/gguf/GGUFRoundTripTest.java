package dev.jllm.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jllm.tensor.GGMLType;

/** Files written by our writer read back identically: every value type, nested arrays, alignment, tensor data. */
class GGUFRoundTripTest {
    @TempDir Path dir;

    static GGUFMetadata everyValueType() {
        GGUFMetadata md = new GGUFMetadata();
        md.put("u8", GGUFValueType.UINT8, (byte) 200);
        md.put("i8", GGUFValueType.INT8, (byte) -5);
        md.put("u16", GGUFValueType.UINT16, (short) 60000);
        md.put("i16", GGUFValueType.INT16, (short) -300);
        md.put("u32", GGUFValueType.UINT32, 0xFFFFFFF0);
        md.put("i32", GGUFValueType.INT32, -70000);
        md.put("u64", GGUFValueType.UINT64, 1L << 40);
        md.put("i64", GGUFValueType.INT64, -(1L << 40));
        md.put("f32", GGUFValueType.FLOAT32, 1.5f);
        md.put("f64", GGUFValueType.FLOAT64, -2.25);
        md.put("bool", GGUFValueType.BOOL, true);
        md.put("str", GGUFValueType.STRING, "héllo ▁ 🍰");
        md.putArray("arr.str", new GGUFArray(GGUFValueType.STRING, new String[]{"a", "", "ü"}));
        md.putArray("arr.f32", new GGUFArray(GGUFValueType.FLOAT32, new float[]{1f, -2f}));
        md.putArray("arr.i32", new GGUFArray(GGUFValueType.INT32, new int[]{3, 4, 5}));
        md.putArray("arr.u8", new GGUFArray(GGUFValueType.UINT8, new byte[]{1, (byte) 255}));
        md.putArray("arr.bool", new GGUFArray(GGUFValueType.BOOL, new boolean[]{true, false}));
        md.putArray("arr.f64", new GGUFArray(GGUFValueType.FLOAT64, new double[]{0.5}));
        md.putArray("arr.i64", new GGUFArray(GGUFValueType.INT64, new long[]{-1L}));
        md.putArray("arr.u16", new GGUFArray(GGUFValueType.UINT16, new short[]{7}));
        md.putArray("arr.nested", new GGUFArray(GGUFValueType.ARRAY, new GGUFArray[]{
                new GGUFArray(GGUFValueType.INT32, new int[]{1, 2}),
                new GGUFArray(GGUFValueType.STRING, new String[]{"x"})}));
        md.putArray("arr.empty", new GGUFArray(GGUFValueType.FLOAT32, new float[0]));
        return md;
    }

    @Test
    void metadataAndTensorsRoundTrip() throws IOException {
        Path p = dir.resolve("t.gguf");
        GGUFMetadata md = everyValueType();
        md.putUInt32("general.alignment", 64);
        GGUFWriter w = new GGUFWriter(md);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(4 * 3 * 5);
            for (int i = 0; i < 15; i++) a.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, i * 0.5f);
            MemorySegment b = arena.allocate(34 * 2);
            for (int i = 0; i < 68; i++) b.set(ValueLayout.JAVA_BYTE, i, (byte) i);
            w.addTensor("a", GGMLType.F32, new long[]{3, 5}, a);
            w.addTensor("b", GGMLType.Q8_0, new long[]{64}, b);
            w.write(p);

            try (GGUFFile f = GGUFFile.open(p)) {
                assertEquals(3, f.version());
                assertEquals(64, f.alignment());
                assertEquals(0, f.dataOffset() % 64);
                for (String key : md.keys()) {
                    assertEquals(md.type(key), f.metadata().type(key), key);
                    Object expected = md.get(key), actual = f.metadata().get(key);
                    assertEquals(expected, actual, key);
                }
                assertEquals(md.keys().stream().toList(), f.metadata().keys().stream().toList(), "key order is kept");
                TensorInfo ta = f.tensorInfo("a"), tb = f.tensorInfo("b");
                assertArrayEquals(new long[]{3, 5}, ta.shape());
                assertEquals(GGMLType.Q8_0, tb.type());
                assertEquals(0, tb.offset() % 64);
                assertEquals(-1, f.data(ta).mismatch(a));
                assertEquals(-1, f.data(tb).mismatch(b));
                assertTrue(f.metadata().getLong("u32") == 0xFFFFFFF0L, "unsigned 32-bit values read as unsigned");
                assertEquals(200, f.metadata().getInt("u8"));
                assertEquals(60000, f.metadata().getInt("u16"));
            }
        }
    }
}
