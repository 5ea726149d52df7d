package dev.jllm;

/** Pools per-token hidden states into one vector (llama.cpp's pooling, then its L2 normalisation). */
final class EmbeddingPooler {
    private EmbeddingPooler() {}

    /** @param hidden {@code tokens × dim} states, row-major */
    static float[] pool(float[] hidden, int tokens, int dim, Pooling pooling, boolean normalize) {
        float[] v = new float[dim];
        switch (pooling) {
            case CLS -> System.arraycopy(hidden, 0, v, 0, dim);
            case LAST -> System.arraycopy(hidden, (tokens - 1) * dim, v, 0, dim);
            case MEAN -> {
                // summed in double, so that the mean of a long text does not depend on its token order
                for (int i = 0; i < dim; i++) {
                    double s = 0;
                    for (int t = 0; t < tokens; t++) s += hidden[t * dim + i];
                    v[i] = (float) (s / tokens);
                }
            }
        }
        if (normalize) {
            double norm = 0;
            for (float f : v) norm += (double) f * f;
            norm = Math.sqrt(norm);
            // llama.cpp's common_embd_normalize leaves a zero vector at zero rather than dividing by 0
            float scale = norm > 0 ? (float) (1.0 / norm) : 0f;
            for (int i = 0; i < dim; i++) v[i] *= scale;
        }
        return v;
    }
}
