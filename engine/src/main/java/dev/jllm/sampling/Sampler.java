package dev.jllm.sampling;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Chooses tokens from logits according to a {@link SamplerConfig}. Holds the random generator,
 * so one sampler serves one generation; not thread-safe.
 */
public final class Sampler {
    private final SamplerConfig config;
    private final SplittableRandom random;
    // Scratch, reused across calls: candidate ids and their values.
    private int[] ids = new int[0];
    private float[] vals = new float[0];
    private double[] probs = new double[0];
    private long[] sortKeys = new long[0];

    public Sampler(SamplerConfig config) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
    }

    public SamplerConfig config() {
        return config;
    }

    /**
     * Picks the next token. {@code logits} is modified (bias and penalties are applied in place).
     *
     * @param history tokens so far (prompt and generated), for the penalties
     * @param historyLength how many entries of history are valid
     */
    public int sample(float[] logits, int[] history, int historyLength) {
        for (Map.Entry<Integer, Float> e : config.logitBias().entrySet()) {
            int id = e.getKey();
            if (id >= 0 && id < logits.length) logits[id] += e.getValue();
        }
        applyPenalties(logits, history, historyLength);
        if (config.isGreedy()) return argmax(logits);
        return draw(logits);
    }

    private void applyPenalties(float[] logits, int[] history, int n) {
        boolean repeat = config.repeatPenalty() != 1f;
        boolean others = config.presencePenalty() != 0f || config.frequencyPenalty() != 0f;
        if ((!repeat && !others) || config.repeatLastN() == 0 || n == 0) return;
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = Math.max(0, n - config.repeatLastN()); i < n; i++) counts.merge(history[i], 1, Integer::sum);
        for (Map.Entry<Integer, Integer> e : counts.entrySet()) {
            int id = e.getKey();
            if (id < 0 || id >= logits.length) continue;
            float l = logits[id];
            if (repeat) l = l > 0 ? l / config.repeatPenalty() : l * config.repeatPenalty();
            l -= e.getValue() * config.frequencyPenalty() + config.presencePenalty();
            logits[id] = l;
        }
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    /** top-k → top-p → min-p → temperature → weighted random choice. */
    private int draw(float[] logits) {
        int n = logits.length;
        if (ids.length < n) {
            ids = new int[n];
            vals = new float[n];
            probs = new double[n];
        }
        // Candidates sorted by logit, highest first (only as many as top-k needs).
        int k = config.topK() > 0 ? Math.min(config.topK(), n) : n;
        int count = topCandidates(logits, k);

        // Softmax over the candidates (at temperature 1, as llama.cpp's top-p and min-p see them).
        float max = vals[0];
        double sum = 0;
        double[] p = probs;
        for (int i = 0; i < count; i++) {
            p[i] = Math.exp(vals[i] - max);
            sum += p[i];
        }
        // top-p: keep the smallest prefix whose probability mass reaches topP.
        if (config.topP() < 1f) {
            double cum = 0;
            for (int i = 0; i < count; i++) {
                cum += p[i] / sum;
                if (cum >= config.topP()) {
                    count = i + 1;
                    break;
                }
            }
        }
        // min-p: drop tokens less likely than minP × the most likely one.
        if (config.minP() > 0f) {
            double threshold = config.minP() * p[0];
            int keep = 1;
            while (keep < count && p[keep] >= threshold) keep++;
            count = keep;
        }
        // temperature, then draw.
        double total = 0;
        double[] w = probs; // top-p and min-p are done with the T=1 probabilities: reuse the array
        for (int i = 0; i < count; i++) {
            w[i] = Math.exp((vals[i] - max) / config.temperature());
            total += w[i];
        }
        double u = random.nextDouble() * total;
        for (int i = 0; i < count; i++) {
            u -= w[i];
            if (u < 0) return ids[i];
        }
        return ids[count - 1];
    }

    /** Fills ids/vals with the k highest logits in descending order (ties: lower id first); returns k. */
    private int topCandidates(float[] logits, int k) {
        int n = logits.length;
        if (k == n) {
            // Full sort without boxing: each candidate packed into a long whose natural order is
            // (logit descending, id ascending).
            if (sortKeys.length < n) sortKeys = new long[n];
            long[] keys = sortKeys;
            for (int i = 0; i < n; i++) {
                int bits = Float.floatToIntBits(logits[i]);
                int sortable = bits >= 0 ? bits : bits ^ 0x7FFFFFFF; // monotone in the float value
                keys[i] = ((long) ~sortable << 32) | i;
            }
            Arrays.sort(keys, 0, n);
            for (int i = 0; i < n; i++) {
                ids[i] = (int) keys[i];
                vals[i] = logits[ids[i]];
            }
            return n;
        }
        return selectTop(logits, k, ids, vals);
    }

    /**
     * Writes the {@code k} highest logits, best first (ties: lower id first), into {@code ids} and
     * {@code vals}; returns how many were written (fewer when there are fewer logits). Keeps a
     * sorted window of the best so far: linear in the vocabulary for the small k used here.
     */
    public static int selectTop(float[] logits, int k, int[] ids, float[] vals) {
        int size = 0;
        for (int i = 0; i < logits.length; i++) {
            float v = logits[i];
            if (size == k && v <= vals[k - 1]) continue;
            int pos = size < k ? size++ : k - 1;
            while (pos > 0 && vals[pos - 1] < v) {
                vals[pos] = vals[pos - 1];
                ids[pos] = ids[pos - 1];
                pos--;
            }
            vals[pos] = v;
            ids[pos] = i;
        }
        return size;
    }
}
