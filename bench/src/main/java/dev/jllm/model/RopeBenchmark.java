package dev.jllm.model;

import java.util.Random;
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

/**
 * Rotary position embedding of one token at the Llama-3.2-1B shape (32 query heads and 8 key
 * heads of 64, NEOX layout as Llama 3 uses), tables included. In package dev.jllm.model
 * because {@link Rope} is package-private. Reported through the {@code values} auxiliary
 * counter: rotated values per second.
 */
@BenchmarkMode(Mode.Throughput)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class RopeBenchmark {
    static final int HEAD_DIM = 64, Q_HEADS = 32, K_HEADS = 8;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long values;
    }

    float[] q, k, cos, sin;
    int pos;

    @Setup(Level.Trial)
    public void setUp() {
        Random rnd = new Random(9);
        q = new float[Q_HEADS * HEAD_DIM];
        k = new float[K_HEADS * HEAD_DIM];
        for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < k.length; i++) k[i] = (float) rnd.nextGaussian();
        cos = new float[HEAD_DIM / 2];
        sin = new float[HEAD_DIM / 2];
    }

    @Benchmark
    public float[] oneToken(Counters c) {
        pos = (pos + 1) & 1023;
        Rope.tables(pos, 1, HEAD_DIM, 500000f, 1f, null, 1f, null, cos, sin);
        Rope.apply(q, 0, Q_HEADS, HEAD_DIM, HEAD_DIM, RopeLayout.NEOX, cos, sin, 0);
        Rope.apply(k, 0, K_HEADS, HEAD_DIM, HEAD_DIM, RopeLayout.NEOX, cos, sin, 0);
        c.values += q.length + k.length;
        return q;
    }
}
