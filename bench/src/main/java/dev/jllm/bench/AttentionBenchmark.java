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
import dev.jllm.tensor.Q8AttentionKernel;
import dev.jllm.tensor.Half;

/**
 * Attention at the Llama-3.2-1B shape: 32 query heads of 64 over 8 KV heads, keys and values
 * in an F16 or a Q8_0 cache ({@code cache}), single-threaded. {@code decodeAllHeads}: one new token attending to {@code positions}
 * cached positions, reported through {@code kvBytes}, the bytes of K and V the 32 heads attend
 * over per second counted as F16 (each KV head's are read once for its 4 query heads; a Q8_0
 * cache holds 0.53 of them, but both caches are counted alike so that their rates compare). {@code promptChunk}: a
 * prompt chunk of 32 tokens whose last is at {@code positions}, causal within the chunk,
 * reported through {@code macs}, the multiply-adds of scores and weighted sums per second.
 */
@BenchmarkMode(Mode.Throughput)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class AttentionBenchmark {
    static final int HEADS = 32, KV_HEADS = 8, HEAD_DIM = 64, GROUP = HEADS / KV_HEADS;
    static final int CHUNK = 32;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long kvBytes;
        public long macs;
    }

    @Param({"512", "2048"})
    public int positions;

    @Param({"F16", "Q8_0"})
    public String cache;

    short[] keys, values;
    byte[] keyQuants, valueQuants;
    short[] keyScales, valueScales;
    float[] q, out;

    @Setup(Level.Trial)
    public void setUp() {
        Random rnd = new Random(3);
        int region = AttentionKernel.regionSize(positions, HEAD_DIM);
        if (cache.equals("F16")) {
            keys = new short[KV_HEADS * region];
            values = new short[keys.length];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = Half.floatToF16((float) rnd.nextGaussian());
                values[i] = Half.floatToF16((float) rnd.nextGaussian());
            }
        } else {
            keyQuants = new byte[KV_HEADS * region];
            valueQuants = new byte[keyQuants.length];
            keyScales = new short[keyQuants.length / Q8AttentionKernel.BLOCK];
            valueScales = new short[keyScales.length];
            float[] x = new float[HEAD_DIM];
            for (int h = 0; h < KV_HEADS; h++) {
                for (int p = 0; p < AttentionKernel.paddedPositions(positions); p++) {
                    for (int i = 0; i < HEAD_DIM; i++) x[i] = (float) rnd.nextGaussian();
                    Q8AttentionKernel.storeKey(x, 0, HEAD_DIM, keyQuants, keyScales, h * region, p);
                    for (int i = 0; i < HEAD_DIM; i++) x[i] = (float) rnd.nextGaussian();
                    Q8AttentionKernel.storeValue(x, 0, HEAD_DIM, valueQuants, valueScales, h * region, p);
                }
            }
        }
        q = new float[CHUNK * HEADS * HEAD_DIM];
        for (int i = 0; i < q.length; i++) q[i] = Half.roundToF16((float) rnd.nextGaussian());
        out = new float[CHUNK * HEADS * HEAD_DIM];
    }

    @Benchmark
    public float[] decodeAllHeads(Counters c) {
        attend(1, GROUP);
        c.kvBytes += 2L * HEADS * positions * HEAD_DIM * Short.BYTES;
        return out;
    }

    /**
     * {@link #decodeAllHeads} with 16 query heads over the same 8 KV heads (Qwen3-0.6B's shape):
     * groups of two rows, which the Q8_0 kernel scores two per key load.
     */
    @Benchmark
    public float[] decodeGroupsOfTwo(Counters c) {
        attend(1, 2);
        c.kvBytes += 2L * KV_HEADS * 2 * positions * HEAD_DIM * Short.BYTES;
        return out;
    }

    @Benchmark
    public float[] promptChunk(Counters c) {
        attend(CHUNK, GROUP);
        // token t of the chunk sees positions − CHUNK + t + 1 positions
        long seen = (long) CHUNK * (positions - CHUNK) + (long) CHUNK * (CHUNK + 1) / 2;
        c.macs += 2L * HEADS * seen * HEAD_DIM;
        return out;
    }

    /** The last {@code tokens} positions' queries, {@code group} heads per KV head, one call per KV head as the forward pass makes them. */
    private void attend(int tokens, int group) {
        int qDim = KV_HEADS * group * HEAD_DIM;
        for (int kv = 0; kv < KV_HEADS; kv++) {
            int h0 = kv * group;
            var rows = new AttentionKernel.Rows(tokens, group, positions - tokens, 0, h0 * HEAD_DIM, qDim, h0 * HEAD_DIM, qDim);
            int base = kv * AttentionKernel.regionSize(positions, HEAD_DIM);
            if (keys != null) AttentionKernel.attend(rows, q, keys, values, base, HEAD_DIM, 0.125f, 0f, out);
            else Q8AttentionKernel.attend(rows, q, keyQuants, keyScales, valueQuants, valueScales, base, HEAD_DIM, 0.125f, 0f, out);
        }
    }
}
