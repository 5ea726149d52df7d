package dev.jllm.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file, in file order, with typed getters that fail with a clear
 * message when a key is missing or has an unexpected type. Values are Java objects:
 * Byte/Short/Integer/Long (unsigned types in the signed Java type of the same width), Float,
 * Double, Boolean, String, or {@link GGUFArray}.
 */
public final class GGUFMetadata {
    private final Map<String, Object> values;
    private final Map<String, GGUFValueType> types;

    public GGUFMetadata() {
        this(new LinkedHashMap<>(), new LinkedHashMap<>());
    }

    private GGUFMetadata(Map<String, Object> values, Map<String, GGUFValueType> types) {
        this.values = values;
        this.types = types;
    }

    /** Adds or replaces a value; the type says how it is encoded in a file. */
    public GGUFMetadata put(String key, GGUFValueType type, Object value) {
        values.put(key, value);
        types.put(key, type);
        return this;
    }

    public GGUFMetadata putString(String key, String value) { return put(key, GGUFValueType.STRING, value); }
    public GGUFMetadata putUInt32(String key, int value) { return put(key, GGUFValueType.UINT32, value); }
    public GGUFMetadata putInt32(String key, int value) { return put(key, GGUFValueType.INT32, value); }
    public GGUFMetadata putFloat32(String key, float value) { return put(key, GGUFValueType.FLOAT32, value); }
    public GGUFMetadata putBool(String key, boolean value) { return put(key, GGUFValueType.BOOL, value); }
    public GGUFMetadata putArray(String key, GGUFArray value) { return put(key, GGUFValueType.ARRAY, value); }

    public GGUFMetadata remove(String key) {
        values.remove(key);
        types.remove(key);
        return this;
    }

    public boolean contains(String key) { return values.containsKey(key); }
    public Set<String> keys() { return Collections.unmodifiableSet(values.keySet()); }
    public Object get(String key) { return values.get(key); }
    public GGUFValueType type(String key) { return types.get(key); }
    public int size() { return values.size(); }

    public GGUFMetadata copy() {
        return new GGUFMetadata(new LinkedHashMap<>(values), new LinkedHashMap<>(types));
    }

    // ---- typed getters --------------------------------------------------------------------

    public String getString(String key) {
        return require(key, String.class, "a string");
    }

    public String getString(String key, String fallback) {
        return contains(key) ? getString(key) : fallback;
    }

    /** An integer value of any integer type that fits in an int (unsigned types are read as unsigned). */
    public int getInt(String key) {
        long v = getLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new GGUFFormatException("metadata " + key + " = " + v + " is out of range");
        }
        return (int) v;
    }

    public int getInt(String key, int fallback) {
        return contains(key) ? getInt(key) : fallback;
    }

    public long getLong(String key) {
        Object v = values.get(key);
        if (v == null) throw missing(key);
        GGUFValueType t = types.get(key);
        return switch (v) {
            case Byte b -> t == GGUFValueType.UINT8 ? Byte.toUnsignedInt(b) : b;
            case Short s -> t == GGUFValueType.UINT16 ? Short.toUnsignedInt(s) : s;
            case Integer i -> t == GGUFValueType.UINT32 ? Integer.toUnsignedLong(i) : i;
            case Long l -> {
                if (t == GGUFValueType.UINT64 && l < 0) throw new GGUFFormatException("metadata " + key + " is too large");
                yield l;
            }
            default -> throw wrongType(key, "an integer");
        };
    }

    /** A float value; integer-typed values are accepted too (some converters write them so). */
    public float getFloat(String key) {
        Object v = values.get(key);
        if (v == null) throw missing(key);
        return switch (v) {
            case Float f -> f;
            case Double d -> d.floatValue();
            case Byte b -> getLong(key);
            case Short s -> getLong(key);
            case Integer i -> getLong(key);
            case Long l -> getLong(key);
            default -> throw wrongType(key, "a number");
        };
    }

    public float getFloat(String key, float fallback) {
        return contains(key) ? getFloat(key) : fallback;
    }

    public boolean getBoolean(String key) {
        return require(key, Boolean.class, "a boolean");
    }

    public boolean getBoolean(String key, boolean fallback) {
        return contains(key) ? getBoolean(key) : fallback;
    }

    public GGUFArray getArray(String key) {
        return require(key, GGUFArray.class, "an array");
    }

    public String[] getStringArray(String key) {
        GGUFArray a = getArray(key);
        if (a.elementType() != GGUFValueType.STRING) throw wrongType(key, "an array of strings");
        return (String[]) a.values();
    }

    public float[] getFloatArray(String key) {
        GGUFArray a = getArray(key);
        if (a.elementType() != GGUFValueType.FLOAT32) throw wrongType(key, "an array of float32");
        return (float[]) a.values();
    }

    /** An array of 32-bit (or narrower) integers, widened to int. */
    public int[] getIntArray(String key) {
        GGUFArray a = getArray(key);
        Object v = a.values();
        return switch (v) {
            case int[] ints -> ints;
            case short[] shorts -> {
                int[] r = new int[shorts.length];
                boolean unsigned = a.elementType() == GGUFValueType.UINT16;
                for (int i = 0; i < r.length; i++) r[i] = unsigned ? Short.toUnsignedInt(shorts[i]) : shorts[i];
                yield r;
            }
            case byte[] bytes -> {
                int[] r = new int[bytes.length];
                boolean unsigned = a.elementType() == GGUFValueType.UINT8;
                for (int i = 0; i < r.length; i++) r[i] = unsigned ? Byte.toUnsignedInt(bytes[i]) : bytes[i];
                yield r;
            }
            case boolean[] bools -> {
                int[] r = new int[bools.length];
                for (int i = 0; i < r.length; i++) r[i] = bools[i] ? 1 : 0;
                yield r;
            }
            default -> throw wrongType(key, "an array of integers");
        };
    }

    private <T> T require(String key, Class<T> type, String what) {
        Object v = values.get(key);
        if (v == null) throw missing(key);
        if (!type.isInstance(v)) throw wrongType(key, what);
        return type.cast(v);
    }

    private GGUFFormatException missing(String key) {
        return new GGUFFormatException("metadata key " + key + " is missing");
    }

    private GGUFFormatException wrongType(String key, String expected) {
        return new GGUFFormatException("metadata key " + key + " has type " + types.get(key) + ", expected " + expected);
    }
}
