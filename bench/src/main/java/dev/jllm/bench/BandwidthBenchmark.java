package dev.jllm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The reference line of the kernel chart: how fast one thread reads memory with the Vector API
 * (a 512 MiB buffer, far beyond the caches, summed with four independent accumulators — the
 * loop of the CLI's BandwidthProbe). Reported through the {@code bytes} auxiliary counter.
 */
@BenchmarkMode(Mode.Throughput)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class BandwidthBenchmark {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final long SIZE = 512L << 20;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long bytes;
    }

    Arena arena;
    MemorySegment buf;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        buf = arena.allocate(SIZE, 64);
        buf.fill((byte) 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float read(Counters c) {
        FloatVector a = FloatVector.zero(F), b = a, d = a, e = a;
        int step = F.vectorByteSize();
        for (long i = 0; i < SIZE; i += 4L * step) {
            a = a.add(FloatVector.fromMemorySegment(F, buf, i, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F, buf, i + step, ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(F, buf, i + 2L * step, ByteOrder.LITTLE_ENDIAN));
            e = e.add(FloatVector.fromMemorySegment(F, buf, i + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        c.bytes += SIZE;
        return a.add(b).add(d).add(e).reduceLanes(VectorOperators.ADD);
    }
}
