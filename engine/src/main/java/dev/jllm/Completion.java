package dev.jllm;

import java.util.List;

/**
 * The result of {@link Session#generate}.
 *
 * @param text            the generated text (without the prompt; cut before a stop string)
 * @param tokenIds        the generated token ids (an end-of-generation token is not included)
 * @param promptTokenIds  the prompt as token ids
 * @param finishReason    why generation ended
 * @param timings         prompt and generation speed
 * @param promptTopLogits when requested ({@link GenerationParams.Builder#promptTopLogits}), the highest
 *                        logits after every prompt position, best first; otherwise empty
 */
public record Completion(String text, int[] tokenIds, int[] promptTokenIds, FinishReason finishReason,
                         Timings timings, List<List<TokenLogit>> promptTopLogits) {

    public Completion {
        tokenIds = tokenIds.clone();
        promptTokenIds = promptTokenIds.clone();
        promptTopLogits = List.copyOf(promptTopLogits);
    }

    @Override public int[] tokenIds() { return tokenIds.clone(); }
    @Override public int[] promptTokenIds() { return promptTokenIds.clone(); }

    public int promptTokens() { return promptTokenIds.length; }
    public int generatedTokens() { return tokenIds.length; }
}
