package dev.jllm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
import org.openjdk.jmh.annotations.TearDown;

import dev.jllm.tensor.Activations;
import dev.jllm.tensor.GGMLType;
import dev.jllm.tensor.TensorFormat;
import dev.jllm.tensor.TensorFormats;

/**
 * The prompt-processing kernel: one weight matrix times a batch of activation rows (a prompt
 * chunk), single-threaded, at the Llama-3.2-1B layer shapes. Reported through auxiliary
 * counters: {@code weightBytes} (bytes of the matrix × calls / s: how often the weights are
 * swept) and {@code macs} (multiply-adds / s = rows × cols × tokens × calls / s).
 */
@BenchmarkMode(Mode.Throughput)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@OutputTimeUnit(TimeUnit.SECONDS)
public class MatMulBenchmark {

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long weightBytes;
        public long macs;
    }

    @State(Scope.Benchmark)
    public static class Batch {
        @Param({"Q4_0", "Q8_0", "Q5_0", "IQ4_NL", "Q4_1", "Q5_1", "Q4_K", "Q5_K", "Q6_K", "Q2_K", "Q3_K", "IQ4_XS", "F16", "BF16", "F32"})
        public String type;

        @Param({"2048x2048", "8192x2048", "2048x8192"})
        public String shape;

        @Param({"32"})
        public int tokens;

        Arena arena;
        MemorySegment weights;
        TensorFormat format;
        Activations x;
        float[] out;
        int rows, cols;
        long rowBytes;

        @Setup(Level.Trial)
        public void setUp() {
            int[] rc = Weights.shape(shape);
            rows = rc[0];
            cols = rc[1];
            format = TensorFormats.ofOrNull(GGMLType.valueOf(type));
            rowBytes = format.rowBytes(cols);
            arena = Arena.ofShared();
            weights = Weights.random(arena, format.type(), rows, cols, 1);
            x = Weights.activations(format, cols, tokens, 2);
            out = new float[rows * tokens];
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    @Benchmark
    public float[] matmul(Batch b, Counters c) {
        b.format.matmul(b.weights, b.rowBytes, 0, b.rows, b.x, b.out, b.rows);
        c.weightBytes += b.rowBytes * b.rows;
        c.macs += (long) b.rows * b.cols * b.tokens;
        return b.out;
    }

    /**
     * The same product through the gemv, token by token: what {@code MatMul} runs for batches
     * of fewer than {@code GEMV_BELOW_TOKENS} tokens. Against {@link #matmul} at small token
     * counts, it shows where the batched kernel starts to pay.
     */
    @Benchmark
    public float[] gemvPerToken(Batch b, Counters c) {
        for (int t = 0; t < b.tokens; t++) b.format.matvec(b.weights, b.rowBytes, 0, b.rows, b.x, t, b.out, t * b.rows);
        c.weightBytes += b.rowBytes * b.rows;
        c.macs += (long) b.rows * b.cols * b.tokens;
        return b.out;
    }
}
