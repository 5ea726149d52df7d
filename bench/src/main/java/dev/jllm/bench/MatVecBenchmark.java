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
 * The decode kernel: one weight matrix times one activation row, single-threaded, at the
 * Llama-3.2-1B shapes (rows × cols: attention 2048×2048, FFN gate/up 8192×2048, FFN down
 * 2048×8192, output 128256×2048). The matrices of the smaller shapes fit in the last-level
 * cache, the output matrix does not. Reported as weight bytes per second through the
 * {@code weightBytes} auxiliary counter (bytes of the matrix × calls / s); the primary score is calls/s.
 */
@BenchmarkMode(Mode.Throughput)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@OutputTimeUnit(TimeUnit.SECONDS)
public class MatVecBenchmark {

    /** Weight bytes streamed; JMH reports it per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Bytes {
        public long weightBytes;
    }

    @State(Scope.Benchmark)
    public static class Matrix {
        @Param({"Q4_0", "Q8_0", "Q4_K", "Q6_K", "Q5_K", "Q2_K", "Q3_K", "IQ4_XS"})
        public String type;

        @Param({"2048x2048", "8192x2048", "2048x8192", "128256x2048"})
        public String shape;

        Arena arena;
        MemorySegment weights;
        TensorFormat format;
        Activations x;
        float[] out;
        int rows;
        long rowBytes;

        @Setup(Level.Trial)
        public void setUp() {
            int[] rc = Weights.shape(shape);
            rows = rc[0];
            format = TensorFormats.ofOrNull(GGMLType.valueOf(type));
            rowBytes = format.rowBytes(rc[1]);
            arena = Arena.ofShared();
            weights = Weights.random(arena, format.type(), rows, rc[1], 1);
            x = Weights.activations(format, rc[1], 1, 2);
            out = new float[rows];
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    @Benchmark
    public float[] matvec(Matrix m, Bytes b) {
        m.format.matvec(m.weights, m.rowBytes, 0, m.rows, m.x, 0, m.out, 0);
        b.weightBytes += m.rowBytes * m.rows;
        return m.out;
    }
}
