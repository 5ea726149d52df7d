package dev.jllm.model;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.jllm.tensor.Activations;
import dev.jllm.tensor.GGMLType;
import dev.jllm.tensor.MatMul;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.WorkerPool;

/**
 * The first step of a model's warm-up: each weight type's matrix-vector product (the decoding
 * kernels) alone, until the JIT has compiled it, before anything else of the forward pass runs.
 *
 * <p>Why alone: the large K-quant gemv kernels compile well only while the JVM-wide type
 * profiles of the Vector API methods they call have seen few vector shapes (see
 * {@code dev.jllm.tensor.Simd}). Compiled after a prompt batch and the rest of a decoding step,
 * they boxed their vectors in some processes and decoded 2-4× slower for the process's life;
 * compiled first, on their own, they did not. The other kernels do not care about the order.
 */
final class GemvWarmUp {
    private GemvWarmUp() {}

    /** Stop waiting for the JIT after this long per weight type, compiled or not. */
    private static final long MAX_NANOS_PER_TYPE = 3_000_000_000L;
    /** The JIT counts as idle when its total compilation time has not grown for this long. */
    private static final long QUIET_NANOS = 150_000_000L;

    static void run(ModelWeights weights, WorkerPool pool) {
        for (Tensor t : onePerType(weights)) {
            float[] x = new float[t.cols()];
            for (int i = 0; i < x.length; i++) x[i] = ((i * 7919) % 255 - 127) / 128f;
            float[] out = new float[t.rows()];
            Activations scratch = new Activations();
            untilJitQuiet(() -> MatMul.multiply(t, x, 0, 1, out, scratch, pool));
        }
    }

    /**
     * Runs {@code step} again and again until the JIT has compiled nothing new for a while (or
     * {@link #MAX_NANOS_PER_TYPE} has passed; without JIT monitoring, a fixed short time).
     */
    private static void untilJitQuiet(Runnable step) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean canWatchJit = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime(), lastChange = start;
        long compileMillis = canWatchJit ? jit.getTotalCompilationTime() : 0;
        while (true) {
            step.run();
            long now = System.nanoTime();
            if (now - start > MAX_NANOS_PER_TYPE) break;
            if (!canWatchJit) {
                if (now - start > QUIET_NANOS * 4) break;
                continue;
            }
            long c = jit.getTotalCompilationTime();
            if (c != compileMillis) {
                compileMillis = c;
                lastChange = now;
            } else if (now - lastChange > QUIET_NANOS) {
                break;
            }
        }
    }

    /** Weight types whose gemv kernels are the largest methods, last = first to warm up. */
    private static final List<GGMLType> LARGEST_FIRST = List.of(GGMLType.Q2_K, GGMLType.IQ4_XS, GGMLType.Q3_K, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K);

    /** The smallest layer matrix of each weight type, and the output matrix if its type is not among them. */
    private static List<Tensor> onePerType(ModelWeights w) {
        Map<GGMLType, Tensor> smallest = new LinkedHashMap<>();
        for (LayerWeights l : w.layers()) {
            ExpertWeights x = l.experts();
            Tensor[] layer = x == null ? new Tensor[]{l.wq(), l.wk(), l.wv(), l.wo(), l.ffnGate(), l.ffnUp(), l.ffnDown()}
                    : new Tensor[]{l.wq(), l.wk(), l.wv(), l.wo(), x.router(), x.gate()[0], x.up()[0], x.down()[0]};
            for (Tensor t : layer) {
                if (t == null) continue;
                smallest.merge(t.type(), t, (a, b) -> (long) b.rows() * b.cols() < (long) a.rows() * a.cols() ? b : a);
            }
        }
        smallest.putIfAbsent(w.output().type(), w.output());
        // The largest kernels first (the super-block ones, Q6_K's the largest): they come close to
        // C2's inlining budget, and the more vector shapes the Vector API's shared call sites
        // have seen when they are compiled, the likelier a call stays a call there.
        List<Tensor> out = new ArrayList<>(smallest.values());
        out.sort(java.util.Comparator.comparingInt(t -> -LARGEST_FIRST.indexOf(t.type())));
        return out;
    }
}
