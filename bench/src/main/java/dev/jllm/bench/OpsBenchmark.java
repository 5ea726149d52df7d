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

import dev.jllm.tensor.ActivationQuantizer;
import dev.jllm.tensor.Activations;
import dev.jllm.tensor.GGMLType;
import dev.jllm.tensor.Ops;

/**
 * The element-wise kernels of a forward pass over {@code n} values (2048 = the 1B model's
 * embedding, 8192 = its FFN), single-threaded: RMSNorm, softmax, SwiGLU and the activation
 * quantization before every matrix product (Q8_0 for Q4_0/Q8_0 weights, Q8_K for K-quants).
 * Reported through the {@code values} auxiliary counter: values processed per second.
 */
@BenchmarkMode(Mode.Throughput)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class OpsBenchmark {

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long values;
    }

    @Param({"2048", "8192"})
    public int n;

    float[] x, y, weight, out;
    final Activations act = new Activations();

    @Setup(Level.Trial)
    public void setUp() {
        Random rnd = new Random(5);
        x = new float[n];
        y = new float[n];
        weight = new float[n];
        out = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
            y[i] = (float) rnd.nextGaussian();
            weight[i] = 1 + 0.1f * (float) rnd.nextGaussian();
        }
    }

    @Benchmark
    public float[] rmsnorm(Counters c) {
        Ops.rmsnorm(out, 0, x, 0, weight, n, 1e-5f);
        c.values += n;
        return out;
    }

    @Benchmark
    public float[] softmax(Counters c) {
        System.arraycopy(x, 0, out, 0, n);
        Ops.softmax(out, 0, n);
        c.values += n;
        return out;
    }

    @Benchmark
    public float[] swiglu(Counters c) {
        System.arraycopy(x, 0, out, 0, n);
        Ops.swiglu(out, 0, y, 0, n);
        c.values += n;
        return out;
    }

    @Benchmark
    public Activations quantizeQ8_0(Counters c) {
        ActivationQuantizer.prepare(GGMLType.Q8_0, x, 0, n, 1, act);
        c.values += n;
        return act;
    }

    @Benchmark
    public Activations quantizeQ8_K(Counters c) {
        ActivationQuantizer.prepare(GGMLType.Q8_K, x, 0, n, 1, act);
        c.values += n;
        return act;
    }
}
