package dev.jllm.model;

import dev.jllm.KvCacheType;
import dev.jllm.tensor.AttentionKernel;

/**
 * Keys and values of the positions a session has processed, per layer, in one of the
 * {@link KvCacheType} encodings, and the attention over them (each encoding has its kernel).
 *
 * <p>Layout per layer: KV head by KV head, each head in a region of its own from
 * {@link #base base(h)}, values position after position, keys in tiles of
 * {@link AttentionKernel#TILE} positions stored dimension by dimension. Attention reads one
 * head's positions in order, so this keeps its reads contiguous; position-major, a 1B model's
 * head took 128 bytes of every kilobyte, and decoding 3,000 positions deep ran at a fifth of the
 * speed the kernel reaches on cached data.
 */
public abstract sealed class KVCache permits F16KVCache, Q8KVCache {
    final int capacity;
    final int headDim;
    final int kvHeads;
    /** Values per KV head in each layer's keys and values: the capacity rounded up to whole tiles. */
    private final int region;
    /** Values in one layer's keys (and in its values): every KV head's region. */
    final int perLayer;
    /** What the cache takes: {@link #bytesPerPosition} times the capacity in whole tiles. */
    private final long plannedBytes;

    /** The longest Java array a JVM reliably allocates. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    private static final double GIB = 1024.0 * 1024 * 1024;

    /**
     * An empty cache of {@code capacity} positions for {@code c}.
     *
     * @throws IllegalArgumentException if the cache would not fit in Java arrays or in the heap's
     *                                  limit, with a message saying how large a context can be
     */
    public static KVCache allocate(ModelConfig c, int capacity, KvCacheType type) {
        return switch (type) {
            case F16 -> new F16KVCache(c, capacity);
            case Q8_0 -> new Q8KVCache(c, capacity);
        };
    }

    /**
     * Bytes one position takes in a cache of this type for {@code c} (keys and values of every
     * layer; a cache's capacity is rounded up to whole tiles of {@link AttentionKernel#TILE}).
     */
    public static long bytesPerPosition(ModelConfig c, KvCacheType type) {
        long values = 2L * c.layerCount() * c.kvHeads() * c.headDim();
        return switch (type) {
            case F16 -> values * Short.BYTES;
            case Q8_0 -> values + values / dev.jllm.tensor.Q8AttentionKernel.BLOCK * Short.BYTES;
        };
    }

    /** Checks the size a cache of {@code type} needs ({@link #bytesPerPosition}); the subclass allocates. */
    KVCache(ModelConfig c, int capacity, KvCacheType type) {
        this.capacity = capacity;
        this.headDim = c.headDim();
        this.kvHeads = c.kvHeads();
        long perHead = AttentionKernel.paddedPositions(capacity) * headDim;
        long layerValues = perHead * c.kvHeads();
        if (layerValues > MAX_ARRAY) {
            long most = MAX_ARRAY / ((long) headDim * c.kvHeads()) / AttentionKernel.TILE * AttentionKernel.TILE;
            throw new IllegalArgumentException("a context of " + capacity + " positions is too long for this model's KV cache in Java arrays: at most " + most + " positions");
        }
        this.plannedBytes = bytesPerPosition(c, type) * AttentionKernel.paddedPositions(capacity);
        long heap = Runtime.getRuntime().maxMemory();
        if (plannedBytes > heap) throw tooLarge("more than the Java heap's limit of %.1f GiB".formatted(heap / GIB), null);
        this.region = (int) perHead;
        this.perLayer = (int) layerValues;
    }

    /** For a subclass whose arrays did not fit: the exception to throw (the arrays allocated so far are garbage then). */
    IllegalArgumentException outOfMemory(OutOfMemoryError e) {
        return tooLarge("more than the Java heap has free", e);
    }

    private IllegalArgumentException tooLarge(String why, Throwable cause) {
        return new IllegalArgumentException("a context of %d positions needs a %.2f GiB KV cache, %s: use a shorter context (--ctx) or give Java a larger heap (-Xmx)"
                .formatted(capacity, plannedBytes / GIB, why), cause);
    }

    /** Where KV head {@code h}'s region starts in a layer's keys and values. */
    int base(int h) {
        return h * region;
    }

    /** Stores KV head {@code h}'s key and value for position {@code p} from {@code k[from …]} and {@code v[from …]}. */
    abstract void store(int layer, int h, int p, float[] k, float[] v, int from);

    /** Puts the first {@code count} query values in the form this cache's kernel takes them. */
    void prepareQueries(float[] q, int count) {}

    /** Attention of {@code rows} (query heads sharing KV head {@code kvHead}) over this cache's positions in {@code layer}. */
    abstract void attend(int layer, int kvHead, AttentionKernel.Rows rows, float[] q, float scale, float softcap, float[] out);

    /**
     * Writes the keys and values of positions {@code 0 … positions−1}, layer by layer, head by
     * head, position by position, in this cache's encoding (independent of how it lays them out).
     */
    abstract void write(java.io.DataOutput out, int positions) throws java.io.IOException;

    /** Reads what {@link #write} wrote for {@code positions} positions into this cache. */
    abstract void read(java.io.DataInput in, int positions) throws java.io.IOException;

    /** The encoding this cache keeps. */
    abstract KvCacheType type();

    /** Number of positions the cache can hold (the session's context length). */
    public int capacity() {
        return capacity;
    }

    /** Bytes the cache takes on the heap. */
    public abstract long bytes();
}
