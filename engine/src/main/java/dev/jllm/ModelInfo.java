package dev.jllm;

import java.nio.file.Path;

/**
 * What a loaded model is.
 *
 * @param trainedContextLength the context length the model was trained with (from its metadata)
 * @param contextLength        the context length sessions of this loaded model get
 * @param parameterCount       number of weights (all tensors)
 * @param fileSize             bytes of the model file
 */
public record ModelInfo(Path path, String name, String architecture, long parameterCount, long fileSize,
                        int vocabularySize, int trainedContextLength, int contextLength,
                        int embeddingLength, int layers, int heads, int kvHeads, int headDim, int feedForwardLength,
                        String tokenizer, String chatTemplate) {
}
