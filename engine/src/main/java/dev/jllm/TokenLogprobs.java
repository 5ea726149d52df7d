package dev.jllm;

import java.util.List;

/**
 * The log-probability of a token the completion holds (generated, or a prompt token when asked
 * for), and the most likely tokens at its position, best first ({@link GenerationParams#logprobs()}).
 *
 * @param tokenId the token
 * @param logprob its log-probability under the model at its position
 * @param top     the most likely tokens at that position, best first (may be empty)
 */
public record TokenLogprobs(int tokenId, float logprob, List<Logprob> top) {
    public TokenLogprobs {
        top = List.copyOf(top);
    }
}
