package dev.jllm.sampling;

/** Log-probabilities from logits: log p(i) = logit(i) − log Σ exp(logit). */
public final class LogSoftmax {
    private LogSoftmax() {}

    /** log Σ exp(logits[i]) over the first {@code n} values, computed stably (the maximum factored out). */
    public static double logSumExp(float[] logits, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[i]);
        if (max == Float.NEGATIVE_INFINITY) return max;
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(logits[i] - max);
        return max + Math.log(sum);
    }
}
