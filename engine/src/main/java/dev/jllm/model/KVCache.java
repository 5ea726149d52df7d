package dev.jllm.model;

/**
 * Keys and values of the positions a session has processed, per layer, stored as F16 bit
 * patterns like llama.cpp's default cache (half the memory of floats, and the same rounding).
 * Layout per layer: position-major, {@code kvHeads × headDim} values per position.
 */
public final class KVCache {
    final short[][] keys;
    final short[][] values;
    final int capacity;
    final int stride;

    public KVCache(ModelConfig c, int capacity) {
        this.capacity = capacity;
        this.stride = c.kvDim();
        this.keys = new short[c.layerCount()][];
        this.values = new short[c.layerCount()][];
        for (int l = 0; l < c.layerCount(); l++) {
            keys[l] = new short[Math.multiplyExact(capacity, stride)];
            values[l] = new short[Math.multiplyExact(capacity, c.vDim())];
        }
    }

    /** Number of positions the cache can hold (the session's context length). */
    public int capacity() {
        return capacity;
    }

    public long bytes() {
        long n = 0;
        for (int l = 0; l < keys.length; l++) n += 2L * keys[l].length + 2L * values[l].length;
        return n;
    }
}
