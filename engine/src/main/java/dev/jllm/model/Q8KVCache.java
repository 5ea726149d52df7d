package dev.jllm.model;

import dev.jllm.KvCacheType;
import dev.jllm.tensor.AttentionKernel;
import dev.jllm.tensor.Q8AttentionKernel;

/**
 * Keys and values in Q8_0 blocks of 32, as llama.cpp's {@code --cache-type-k/-v q8_0}: 8-bit
 * quants and an F16 scale per block (34 bytes for 32 values), 0.53 of the F16 cache's memory;
 * {@link Q8AttentionKernel} attends over them. The head size is a multiple of 32.
 */
final class Q8KVCache extends KVCache {
    private final byte[][] keys, values;
    /** F16 bit patterns, as ggml's block_q8_0 keeps them. */
    private final short[][] keyScales, valueScales;

    Q8KVCache(ModelConfig c, int capacity) {
        super(c, capacity, KvCacheType.Q8_0);
        if (headDim % Q8AttentionKernel.BLOCK != 0) {
            throw new IllegalArgumentException("a Q8_0 KV cache needs a head size that is a multiple of " + Q8AttentionKernel.BLOCK + ", not " + headDim);
        }
        int layers = c.layerCount();
        keys = new byte[layers][];
        values = new byte[layers][];
        keyScales = new short[layers][];
        valueScales = new short[layers][];
        try {
            for (int l = 0; l < layers; l++) {
                keys[l] = new byte[perLayer];
                values[l] = new byte[perLayer];
                keyScales[l] = new short[perLayer / Q8AttentionKernel.BLOCK];
                valueScales[l] = new short[perLayer / Q8AttentionKernel.BLOCK];
            }
        } catch (OutOfMemoryError e) {
            throw outOfMemory(e);
        }
    }

    @Override
    void store(int layer, int h, int p, float[] k, float[] v, int from) {
        Q8AttentionKernel.storeKey(k, from, headDim, keys[layer], keyScales[layer], base(h), p);
        Q8AttentionKernel.storeValue(v, from, headDim, values[layer], valueScales[layer], base(h), p);
    }

    @Override
    void attend(int layer, int kvHead, AttentionKernel.Rows rows, float[] q, float scale, float softcap, float[] out) {
        Q8AttentionKernel.attend(rows, q, keys[layer], keyScales[layer], values[layer], valueScales[layer], base(kvHead), headDim, scale, softcap, out);
    }

    @Override
    void write(java.io.DataOutput out, int positions) throws java.io.IOException {
        int blocks = headDim / Q8AttentionKernel.BLOCK;
        for (int l = 0; l < keys.length; l++) {
            for (int h = 0; h < kvHeads; h++) {
                int at = base(h), sAt = at / Q8AttentionKernel.BLOCK;
                for (int p = 0; p < positions; p++) {
                    for (int i = 0; i < headDim; i++) out.writeByte(keys[l][at + AttentionKernel.keyOffset(p, i, headDim)]);
                    for (int b = 0; b < blocks; b++) out.writeShort(keyScales[l][sAt + Q8AttentionKernel.keyScaleOffset(p, b, blocks)]);
                    out.write(values[l], at + p * headDim, headDim);
                    for (int b = 0; b < blocks; b++) out.writeShort(valueScales[l][sAt + p * blocks + b]);
                }
            }
        }
    }

    @Override
    void read(java.io.DataInput in, int positions) throws java.io.IOException {
        int blocks = headDim / Q8AttentionKernel.BLOCK;
        for (int l = 0; l < keys.length; l++) {
            for (int h = 0; h < kvHeads; h++) {
                int at = base(h), sAt = at / Q8AttentionKernel.BLOCK;
                for (int p = 0; p < positions; p++) {
                    for (int i = 0; i < headDim; i++) keys[l][at + AttentionKernel.keyOffset(p, i, headDim)] = in.readByte();
                    for (int b = 0; b < blocks; b++) keyScales[l][sAt + Q8AttentionKernel.keyScaleOffset(p, b, blocks)] = in.readShort();
                    in.readFully(values[l], at + p * headDim, headDim);
                    for (int b = 0; b < blocks; b++) valueScales[l][sAt + p * blocks + b] = in.readShort();
                }
            }
        }
    }

    @Override
    KvCacheType type() {
        return KvCacheType.Q8_0;
    }

    @Override
    public long bytes() {
        return 2L * keys.length * (perLayer + (long) Short.BYTES * (perLayer / Q8AttentionKernel.BLOCK));
    }
}
