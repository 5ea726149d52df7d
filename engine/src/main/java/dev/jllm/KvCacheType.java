package dev.jllm;

/**
 * How sessions store the keys and values of the positions they have processed (their KV
 * cache), set with {@link ModelOptions.Builder#kvCacheType}. The cache is most of a session's
 * memory at long contexts: a Llama-3.2-1B session of 32,768 positions takes 1 GiB in F16.
 */
public enum KvCacheType {
    /** Half-precision floats, as llama.cpp's default cache: 2 bytes a value. */
    F16,
    /**
     * Q8_0 blocks (32 values sharing one scale), as llama.cpp's {@code --cache-type-k q8_0
     * --cache-type-v q8_0}: 1.0625 bytes a value, 0.53 of the F16 cache, at a small cost in
     * accuracy; its attention runs about twice as fast, which decoding deep into a long context
     * feels. Needs a head size that is a multiple of 32.
     */
    Q8_0
}
