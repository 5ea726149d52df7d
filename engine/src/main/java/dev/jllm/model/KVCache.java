package dev.jllm.model;

import dev.jllm.tensor.AttentionKernel;
import dev.jllm.tensor.Half;

/**
 * Keys and values of the positions a session has processed, per layer, stored as F16 bit
 * patterns like llama.cpp's default cache (half the memory of floats, and the same rounding).
 *
 * <p>Layout per layer: KV head by KV head, each head in a region of its own from
 * {@link #base base(h)}, laid out as {@link AttentionKernel} reads it: values position after
 * position, keys in tiles of {@link AttentionKernel#TILE} positions stored dimension by
 * dimension. Attention reads one head's positions in order, so this keeps its reads contiguous;
 * position-major, a 1B model's head took 128 bytes of every kilobyte, and decoding 3,000
 * positions deep ran at a fifth of the speed the kernel reaches on cached data.
 */
public final class KVCache {
    final short[][] keys;
    final short[][] values;
    final int capacity;
    final int headDim;
    /** Halves per KV head in each layer's keys and values: the capacity rounded up to whole tiles. */
    private final int region;

    /** The longest Java array a JVM reliably allocates. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    /**
     * An empty cache of {@code capacity} positions.
     *
     * @throws IllegalArgumentException if the cache would not fit in Java arrays or in the heap's
     *                                  limit, with a message saying how large a context can be
     */
    public KVCache(ModelConfig c, int capacity) {
        this.capacity = capacity;
        this.headDim = c.headDim();
        long perHead = AttentionKernel.paddedPositions(capacity) * headDim;
        long perLayer = perHead * c.kvHeads(); // halves in one layer's keys, and in its values
        if (perLayer > MAX_ARRAY) {
            long most = MAX_ARRAY / ((long) headDim * c.kvHeads()) / AttentionKernel.TILE * AttentionKernel.TILE;
            throw new IllegalArgumentException("a context of " + capacity + " positions is too long for this model's KV cache in Java arrays: at most " + most + " positions");
        }
        long bytes = 2L * Short.BYTES * perLayer * c.layerCount();
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap) throw tooLarge(capacity, bytes, "more than the Java heap's limit of %.1f GiB".formatted(heap / GIB), null);
        this.region = (int) perHead;
        this.keys = new short[c.layerCount()][];
        this.values = new short[c.layerCount()][];
        try {
            for (int l = 0; l < c.layerCount(); l++) {
                keys[l] = new short[(int) perLayer];
                values[l] = new short[(int) perLayer];
            }
        } catch (OutOfMemoryError e) {
            // the arrays allocated so far are garbage once this constructor throws
            throw tooLarge(capacity, bytes, "more than the Java heap has free", e);
        }
    }

    private static final double GIB = 1024.0 * 1024 * 1024;

    private static IllegalArgumentException tooLarge(int capacity, long bytes, String why, Throwable cause) {
        return new IllegalArgumentException("a context of %d positions needs a %.2f GiB KV cache, %s: use a shorter context (--ctx) or give Java a larger heap (-Xmx)"
                .formatted(capacity, bytes / GIB, why), cause);
    }

    /** Where KV head {@code h}'s region starts in a layer's keys and values. */
    int base(int h) {
        return h * region;
    }

    /** Stores KV head {@code h}'s key and value for position {@code p}, rounded to F16, from {@code k[from …]} and {@code v[from …]}. */
    void store(int layer, int h, int p, float[] k, float[] v, int from) {
        short[] kc = keys[layer], vc = values[layer];
        int at = base(h);
        for (int i = 0; i < headDim; i++) kc[at + AttentionKernel.keyOffset(p, i, headDim)] = Half.floatToF16(k[from + i]);
        for (int i = 0; i < headDim; i++) vc[at + p * headDim + i] = Half.floatToF16(v[from + i]);
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
