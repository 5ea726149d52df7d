package dev.jllm.gguf;

/** The metadata value types of the GGUF format, with their ids and fixed encoded sizes. */
public enum GGUFValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4),
    FLOAT32(6, 4), BOOL(7, 1), STRING(8, -1), ARRAY(9, -1), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    public final int id;
    /** Encoded size in bytes, or -1 for variable-size types. */
    public final int size;

    GGUFValueType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    public static GGUFValueType byId(int id) {
        for (GGUFValueType t : values()) if (t.id == id) return t;
        return null;
    }

    /** Smallest number of bytes one value of this type can take in a file (for bounds checks). */
    int minEncodedSize() {
        return switch (this) {
            case STRING -> 8;          // u64 length
            case ARRAY -> 12;          // u32 type + u64 count
            default -> size;
        };
    }

    boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }
}
