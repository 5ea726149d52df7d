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
 * @param logprobs        when requested ({@link GenerationParams#logprobs()}), one entry per generated
 *                        token, in order; otherwise empty
 * @param promptLogprobs  when requested ({@link GenerationParams#promptLogprobs()}), one entry per
 *                        prompt token after the first (which has nothing before it); otherwise empty
 */
public record Completion(String text, int[] tokenIds, int[] promptTokenIds, FinishReason finishReason,
                         Timings timings, List<List<TokenLogit>> promptTopLogits,
                         List<TokenLogprobs> logprobs, List<TokenLogprobs> promptLogprobs) {

    /** Copies the arrays and lists given. */
    public Completion {
        tokenIds = tokenIds.clone();
        promptTokenIds = promptTokenIds.clone();
        promptTopLogits = List.copyOf(promptTopLogits);
        logprobs = List.copyOf(logprobs);
        promptLogprobs = List.copyOf(promptLogprobs);
    }

    /** A completion without log-probabilities. */
    public Completion(String text, int[] tokenIds, int[] promptTokenIds, FinishReason finishReason,
                      Timings timings, List<List<TokenLogit>> promptTopLogits) {
        this(text, tokenIds, promptTokenIds, finishReason, timings, promptTopLogits, List.of(), List.of());
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
