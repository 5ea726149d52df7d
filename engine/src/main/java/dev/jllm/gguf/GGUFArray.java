package dev.jllm.gguf;

import java.util.Arrays;

/**
 * A metadata array. {@code values} is a primitive array matching the element type, so that the
 * large vocabulary arrays (hundreds of thousands of entries) are stored compactly:
 * UINT8/INT8 → byte[], UINT16/INT16 → short[], UINT32/INT32 → int[], UINT64/INT64 → long[],
 * FLOAT32 → float[], FLOAT64 → double[], BOOL → boolean[], STRING → String[], ARRAY → GGUFArray[].
 * Unsigned values are stored in the signed Java type of the same width (bit pattern kept).
 */
public record GGUFArray(GGUFValueType elementType, Object values) {

    public int length() {
        return java.lang.reflect.Array.getLength(values);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GGUFArray(GGUFValueType t, Object v) && t == elementType && Arrays.deepEquals(new Object[]{values}, new Object[]{v});
    }

    @Override
    public int hashCode() {
        return elementType.hashCode() * 31 + Arrays.deepHashCode(new Object[]{values});
    }

    @Override
    public String toString() {
        return "array<" + elementType + ">[" + length() + "]";
    }
}
