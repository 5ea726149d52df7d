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

    /** Copies the arrays and lists given. */
    public Completion {
        tokenIds = tokenIds.clone();
        promptTokenIds = promptTokenIds.clone();
        promptTopLogits = List.copyOf(promptTopLogits);
    }

    /** @return a copy of the generated token ids */
    @Override public int[] tokenIds() { return tokenIds.clone(); }
    /** @return a copy of the prompt's token ids */
    @Override public int[] promptTokenIds() { return promptTokenIds.clone(); }

    /** @return the number of prompt tokens (including a cached prefix) */
    public int promptTokens() { return promptTokenIds.length; }
    /** @return the number of generated tokens */
    public int generatedTokens() { return tokenIds.length; }
}
