package dev.jllm.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.jllm.tensor.AttentionKernel;
import dev.jllm.tensor.Half;

/**
 * Decoding attention at the Llama-3.2-1B shape: 32 query heads of 64 over 8 KV heads, one new
 * token attending to {@code positions} cached positions (F16 keys and values), single-threaded.
 * Reported through the {@code kvBytes} auxiliary counter: bytes of K and V read per second.
 */
@BenchmarkMode(Mode.Throughput)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class AttentionBenchmark {
    static final int HEADS = 32, KV_HEADS = 8, HEAD_DIM = 64, KV_DIM = KV_HEADS * HEAD_DIM;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long kvBytes;
    }

    @Param({"512", "2048"})
    public int positions;

    short[] keys, values;
    float[] q, acc, out;

    @Setup(Level.Trial)
    public void setUp() {
        Random rnd = new Random(3);
        keys = new short[positions * KV_DIM];
        values = new short[positions * KV_DIM];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = Half.floatToF16((float) rnd.nextGaussian());
            values[i] = Half.floatToF16((float) rnd.nextGaussian());
        }
        q = new float[HEADS * HEAD_DIM];
        for (int i = 0; i < q.length; i++) q[i] = Half.roundToF16((float) rnd.nextGaussian());
        acc = new float[HEAD_DIM];
        out = new float[HEADS * HEAD_DIM];
    }

    @Benchmark
    public float[] decodeAllHeads(Counters c) {
        int group = HEADS / KV_HEADS;
        for (int h = 0; h < HEADS; h++) {
            AttentionKernel.attend(q, h * HEAD_DIM, keys, values, KV_DIM, (h / group) * HEAD_DIM, HEAD_DIM,
                    0, positions - 1, 0.125f, 0f, acc, out, h * HEAD_DIM);
        }
        c.kvBytes += 2L * HEADS * positions * HEAD_DIM * Short.BYTES;
        return out;
    }
}
