package dev.jllm.tools.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import dev.jllm.tensor.WorkerPool;

/**
 * Measures how fast this machine reads memory with the Vector API: the ceiling for decoding,
 * which reads every weight once per token. Reads a buffer far larger than the caches with the
 * given number of threads, best of several passes.
 */
public final class BandwidthProbe {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final long SIZE = 512L << 20;
    private static final int CHUNK = 1 << 20;

    private BandwidthProbe() {}

    /** Bytes per second read by {@code threads} threads. */
    public static double readBytesPerSecond(int threads) {
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(threads)) {
            MemorySegment buf = arena.allocate(SIZE, 64);
            buf.fill((byte) 1); // fault the pages in before timing
            int chunks = (int) (SIZE / CHUNK);
            float[] sink = new float[chunks];
            double best = 0;
            for (int pass = 0; pass < 6; pass++) {
                long t0 = System.nanoTime();
                pool.parallelFor(chunks, 1, (c0, c1) -> {
                    for (int c = c0; c < c1; c++) sink[c] = sum(buf, (long) c * CHUNK);
                });
                long t1 = System.nanoTime();
                if (pass > 0) best = Math.max(best, SIZE * 1e9 / (t1 - t0)); // pass 0 warms up the JIT
            }
            float s = 0;
            for (float v : sink) s += v;
            if (s == 42) System.out.print(""); // keep the reads observable
            return best;
        }
    }

    private static float sum(MemorySegment buf, long off) {
        FloatVector a = FloatVector.zero(F), b = FloatVector.zero(F), c = FloatVector.zero(F), d = FloatVector.zero(F);
        int step = F.vectorByteSize();
        for (long i = off; i < off + CHUNK; i += 4L * step) {
            a = a.add(FloatVector.fromMemorySegment(F, buf, i, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F, buf, i + step, ByteOrder.LITTLE_ENDIAN));
            c = c.add(FloatVector.fromMemorySegment(F, buf, i + 2L * step, ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(F, buf, i + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c).add(d).reduceLanes(VectorOperators.ADD);
    }
}
