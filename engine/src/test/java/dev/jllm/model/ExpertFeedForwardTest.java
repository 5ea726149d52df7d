package dev.jllm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.tensor.GGMLType;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.TensorFormat;
import dev.jllm.tensor.TensorFormats;
import dev.jllm.tensor.WorkerPool;

/** The mixture-of-experts feed-forward against a plain double-precision oracle written from its definition. */
class ExpertFeedForwardTest {
    static final int DIM = 64, FFN = 32, EXPERTS = 6, USED = 2;
    static final WorkerPool POOL = new WorkerPool(2);
    static final Arena ARENA = Arena.ofShared();

    @AfterAll
    static void close() {
        POOL.close();
        ARENA.close();
    }

    @Test
    void routingTakesTheMostProbableExpertsAndRenormalizes() {
        int[] experts = new int[3];
        float[] weights = new float[3];
        float[] logits = {1, 3, 2, 3};
        ExpertFeedForward.route(logits, 0, 4, 2, experts, weights, 0);
        assertArrayEquals(new int[]{1, 3, 0}, experts, "ties: the lower expert first");
        assertEquals(0.5f, weights[0], 1e-6f);
        assertEquals(0.5f, weights[1], 1e-6f);
        float[] logits3 = {1, 3, 2, 3};
        ExpertFeedForward.route(logits3, 0, 4, 3, experts, weights, 0);
        assertArrayEquals(new int[]{1, 3, 2}, experts);
        double e3 = Math.exp(3), e2 = Math.exp(2), sum = 2 * e3 + e2;
        assertEquals(e3 / sum, weights[0], 1e-6);
        assertEquals(e2 / sum, weights[2], 1e-6);
        float[] broken = {Float.NaN, 1, Float.NaN, 0};
        ExpertFeedForward.route(broken, 0, 4, 3, experts, weights, 0); // NaN weights: no crash, every slot filled once
        assertEquals(3, java.util.Arrays.stream(experts).distinct().count());
    }

    static ModelConfig config() {
        GGUFMetadata md = new GGUFMetadata()
                .putString("general.architecture", "llama")
                .putUInt32("llama.embedding_length", DIM).putUInt32("llama.block_count", 1)
                .putUInt32("llama.attention.head_count", 4).putUInt32("llama.feed_forward_length", FFN)
                .putUInt32("llama.context_length", 64)
                .putUInt32("llama.expert_count", EXPERTS).putUInt32("llama.expert_used_count", USED);
        return ModelConfig.from(md);
    }

    /** A rows × cols matrix of the given type holding {@code values} (quantized if the type is). */
    static Tensor matrix(String name, GGMLType type, float[] values, int rows, int cols) {
        TensorFormat f = TensorFormats.of(type, name);
        MemorySegment data = ARENA.allocate(rows * f.rowBytes(cols));
        f.quantize(values, 0, rows * cols, data, 0);
        return new Tensor(name, f, data, rows, cols);
    }

    static float[] random(Random r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * scale);
        return v;
    }

    static float[] rowsOf(Tensor t) {
        float[] out = new float[t.rows() * t.cols()];
        for (int r = 0; r < t.rows(); r++) t.dequantizeRow(r, out, r * t.cols());
        return out;
    }

    /**
     * n = 1 is decoding (every slot as a gemv), n = 9 a batch whose experts all have few tokens
     * (gemvs too), n = 20 and 40 batches where some experts have enough tokens for the batched
     * kernels and others not; Q4_1 gate/down with Q8_0 up: gate and up need activations of
     * different types (Q8_1, Q8_0).
     */
    @ParameterizedTest
    @CsvSource({"F32, F32, 1", "F32, F32, 9", "F32, F32, 40", "Q8_0, Q8_0, 1", "Q8_0, Q8_0, 9", "Q8_0, Q8_0, 20", "Q8_0, Q8_0, 40",
            "Q4_1, Q8_0, 1", "Q4_1, Q8_0, 9", "Q4_1, Q8_0, 40"})
    void tokensMatchTheOracle(String typeName, String upTypeName, int n) {
        GGMLType type = GGMLType.valueOf(typeName), upType = GGMLType.valueOf(upTypeName);
        Random r = new Random(7);
        Tensor router = matrix("router", GGMLType.F32, random(r, EXPERTS * DIM, 0.5), EXPERTS, DIM);
        Tensor[] gate = new Tensor[EXPERTS], up = new Tensor[EXPERTS], down = new Tensor[EXPERTS];
        for (int e = 0; e < EXPERTS; e++) {
            gate[e] = matrix("gate" + e, type, random(r, FFN * DIM, 0.3), FFN, DIM);
            up[e] = matrix("up" + e, upType, random(r, FFN * DIM, 0.3), FFN, DIM);
            down[e] = matrix("down" + e, type, random(r, DIM * FFN, 0.3), DIM, FFN);
        }
        ExpertWeights w = new ExpertWeights(router, gate, up, down);
        ModelConfig c = config();
        ForwardBuffers b = new ForwardBuffers(c, n);
        float[] xb = random(r, n * DIM, 1.0);
        float[] out = new float[n * DIM];
        ExpertFeedForward.apply(w, c.experts(), xb, n, DIM, out, b, POOL);
        int batchedExperts = 0, gemvExperts = 0;
        for (int e = 0; e < EXPERTS; e++) {
            if (b.expertTokens[e] >= dev.jllm.tensor.MatMul.GEMV_BELOW_TOKENS) batchedExperts++;
            else if (b.expertTokens[e] > 0) gemvExperts++;
        }
        if (n < 9) assertEquals(0, batchedExperts);
        if (n == 40) assertTrue(batchedExperts > 0 && gemvExperts > 0, "both paths: " + batchedExperts + " batched, " + gemvExperts + " as gemvs");

        float[] R = rowsOf(router);
        float[][] G = new float[EXPERTS][], U = new float[EXPERTS][], D = new float[EXPERTS][];
        for (int e = 0; e < EXPERTS; e++) {
            G[e] = rowsOf(gate[e]);
            U[e] = rowsOf(up[e]);
            D[e] = rowsOf(down[e]);
        }
        double worst = 0, scale = 0;
        boolean[] chosenSomewhere = new boolean[EXPERTS];
        for (int t = 0; t < n; t++) {
            double[] p = new double[EXPERTS];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int e = 0; e < EXPERTS; e++) {
                for (int i = 0; i < DIM; i++) p[e] += (double) R[e * DIM + i] * xb[t * DIM + i];
                max = Math.max(max, p[e]);
            }
            for (int e = 0; e < EXPERTS; e++) sum += p[e] = Math.exp(p[e] - max);
            int[] top = new int[USED];
            double chosen = 0;
            for (int s = 0; s < USED; s++) {
                int best = -1;
                for (int e = 0; e < EXPERTS; e++) {
                    boolean taken = false;
                    for (int q = 0; q < s; q++) taken |= top[q] == e;
                    if (!taken && (best < 0 || p[e] > p[best])) best = e;
                }
                top[s] = best;
                chosen += p[best] / sum;
                chosenSomewhere[best] = true;
            }
            for (int i = 0; i < DIM; i++) {
                double y = 0;
                for (int s = 0; s < USED; s++) {
                    int e = top[s];
                    double weight = p[e] / sum / chosen, acc = 0;
                    for (int j = 0; j < FFN; j++) {
                        double g = 0, u = 0;
                        for (int k = 0; k < DIM; k++) {
                            g += (double) G[e][j * DIM + k] * xb[t * DIM + k];
                            u += (double) U[e][j * DIM + k] * xb[t * DIM + k];
                        }
                        acc += D[e][i * FFN + j] * (g / (1 + Math.exp(-g)) * u);
                    }
                    y += weight * acc;
                }
                worst = Math.max(worst, Math.abs(y - out[t * DIM + i]));
                scale = Math.max(scale, Math.abs(y));
            }
        }
        int distinct = 0;
        for (boolean x : chosenSomewhere) if (x) distinct++;
        assertTrue(distinct >= Math.min(4, n * USED), "the tokens route to several experts: " + distinct);
        // F32: float rounding only; quantized types: the activations are quantized to 8 bits, as in llama.cpp
        double tol = type == GGMLType.F32 ? 1e-4 : 3e-2;
        assertTrue(worst <= tol * scale, typeName + ": largest error " + worst + " of " + scale);
    }
}
