package dev.jllm.model;

import dev.jllm.KvCacheType;
import dev.jllm.tensor.AttentionKernel;
import dev.jllm.tensor.Half;

/**
 * Keys and values as F16 bit patterns, like llama.cpp's default cache (half the memory of
 * floats, and the same rounding); {@link AttentionKernel} attends over them.
 */
final class F16KVCache extends KVCache {
    private final short[][] keys;
    private final short[][] values;

    F16KVCache(ModelConfig c, int capacity) {
        super(c, capacity, KvCacheType.F16);
        this.keys = new short[c.layerCount()][];
        this.values = new short[c.layerCount()][];
        try {
            for (int l = 0; l < c.layerCount(); l++) {
                keys[l] = new short[perLayer];
                values[l] = new short[perLayer];
            }
        } catch (OutOfMemoryError e) {
            throw outOfMemory(e);
        }
    }

    @Override
    void store(int layer, int h, int p, float[] k, float[] v, int from) {
        short[] kc = keys[layer], vc = values[layer];
        int at = base(h);
        for (int i = 0; i < headDim; i++) kc[at + AttentionKernel.keyOffset(p, i, headDim)] = Half.floatToF16(k[from + i]);
        for (int i = 0; i < headDim; i++) vc[at + p * headDim + i] = Half.floatToF16(v[from + i]);
    }

    /** Queries rounded to F16, as llama.cpp's flash attention converts them for an F16 cache. */
    @Override
    void prepareQueries(float[] q, int count) {
        for (int i = 0; i < count; i++) q[i] = Half.roundToF16(q[i]);
    }

    @Override
    void attend(int layer, int kvHead, AttentionKernel.Rows rows, float[] q, float scale, float softcap, float[] out) {
        AttentionKernel.attend(rows, q, keys[layer], values[layer], base(kvHead), headDim, scale, softcap, out);
    }

    @Override
    void write(java.io.DataOutput out, int positions) throws java.io.IOException {
        for (int l = 0; l < keys.length; l++) {
            for (int h = 0; h < kvHeads; h++) {
                int at = base(h);
                for (int p = 0; p < positions; p++) {
                    for (int i = 0; i < headDim; i++) out.writeShort(keys[l][at + AttentionKernel.keyOffset(p, i, headDim)]);
                    for (int i = 0; i < headDim; i++) out.writeShort(values[l][at + p * headDim + i]);
                }
            }
        }
    }

    @Override
    void read(java.io.DataInput in, int positions) throws java.io.IOException {
        for (int l = 0; l < keys.length; l++) {
            for (int h = 0; h < kvHeads; h++) {
                int at = base(h);
                for (int p = 0; p < positions; p++) {
                    for (int i = 0; i < headDim; i++) keys[l][at + AttentionKernel.keyOffset(p, i, headDim)] = in.readShort();
                    for (int i = 0; i < headDim; i++) values[l][at + p * headDim + i] = in.readShort();
                }
            }
        }
    }

    @Override
    KvCacheType type() {
        return KvCacheType.F16;
    }

    @Override
    public long bytes() {
        return 2L * Short.BYTES * perLayer * keys.length;
    }
}
