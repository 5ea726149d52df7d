package dev.jllm;

/**
 * A text's embedding from {@link Model#embed}.
 *
 * @param vector     {@link ModelInfo#embeddingLength()} values; unit length when normalized
 * @param tokenCount the tokens the text became (special tokens the vocabulary adds included)
 */
public record Embedding(float[] vector, int tokenCount) {
    /** The cosine of the angle between two embeddings (their dot product when both are normalized). */
    public double cosine(Embedding other) {
        if (other.vector.length != vector.length) throw new IllegalArgumentException("embeddings of different lengths: " + vector.length + " and " + other.vector.length);
        double dot = 0, a = 0, b = 0;
        for (int i = 0; i < vector.length; i++) {
            dot += (double) vector[i] * other.vector[i];
            a += (double) vector[i] * vector[i];
            b += (double) other.vector[i] * other.vector[i];
        }
        return dot / Math.sqrt(a * b);
    }
}
