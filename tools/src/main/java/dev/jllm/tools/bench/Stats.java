package dev.jllm.tools.bench;

/** Mean and sample standard deviation of a few measurements. */
public record Stats(double mean, double sd) {
    public static Stats of(double[] values) {
        double mean = 0;
        for (double v : values) mean += v;
        mean /= values.length;
        double ss = 0;
        for (double v : values) ss += (v - mean) * (v - mean);
        double sd = values.length > 1 ? Math.sqrt(ss / (values.length - 1)) : 0;
        return new Stats(mean, sd);
    }
}
