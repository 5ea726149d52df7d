package dev.jllm.tools.bench;

import java.lang.management.ManagementFactory;

/**
 * Heap bytes allocated by all threads of this JVM so far (the JDK's per-thread allocation
 * counters), or -1 where the JVM does not count them. Decoding should allocate next to nothing:
 * weights stay in the mapped file and activations in reused buffers. Megabytes per token mean a
 * kernel was compiled into code that boxes its vectors (see {@code Simd} in the engine): 2-4×
 * slower decoding when a gemv kernel does it, hardly slower when a helper called once a block
 * does (attention's, before its helpers took arrays).
 */
public final class HeapAllocation {
    private HeapAllocation() {}

    public static long totalBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
                && threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()) {
            return threads.getTotalThreadAllocatedBytes();
        }
        return -1;
    }
}
