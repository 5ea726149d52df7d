package dev.jllm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.jllm.tensor.Activations;
import dev.jllm.tensor.GGMLType;
import dev.jllm.tensor.MatMul;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.TensorFormat;
import dev.jllm.tensor.TensorFormats;
import dev.jllm.tensor.WorkerPool;

/** Matrix-vector product of a random weight matrix, single-threaded: the decode kernel. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatVecBenchmark {
    @Param({"Q4_0", "Q8_0", "F16"})
    String type;

    @Param({"2048x2048"})
    String shape;

    Arena arena;
    Tensor weights;
    float[] x, out;
    Activations act;
    WorkerPool pool;

    @Setup(Level.Trial)
    public void setUp() {
        String[] rc = shape.split("x");
        int rows = Integer.parseInt(rc[0]), cols = Integer.parseInt(rc[1]);
        TensorFormat f = TensorFormats.ofOrNull(GGMLType.valueOf(type));
        arena = Arena.ofShared();
        MemorySegment data = arena.allocate(f.rowBytes(cols) * rows, 64);
        Random rnd = new Random(1);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) row[i] = (float) rnd.nextGaussian();
            f.quantize(row, 0, cols, data, r * f.rowBytes(cols));
        }
        weights = new Tensor("w", f, data, rows, cols);
        x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextGaussian();
        out = new float[rows];
        act = new Activations();
        pool = new WorkerPool(1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public float[] matvec() {
        MatMul.multiply(weights, x, 0, 1, out, act, pool);
        return out;
    }
}
