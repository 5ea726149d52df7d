package dev.jllm.tools.server;

import java.util.List;
import java.util.Map;

import dev.jllm.GenerationParams;

/**
 * The generation options common to {@code /v1/chat/completions} and {@code /v1/completions},
 * validated. Null means "not given": the server's default applies.
 *
 * @param maxTokens    {@code max_tokens} or {@code max_completion_tokens}
 * @param includeUsage {@code stream_options.include_usage}
 * @param format       {@code response_format}: free text, one JSON object, or JSON valid against a schema
 * @param logprobs     alternatives per token when log-probabilities are asked for, else null
 * @param promptLogprobs whether the prompt's tokens are scored too (completions with {@code echo})
 */
record RequestOptions(String model, boolean stream, boolean includeUsage, Integer maxTokens, Double temperature,
                      Double topP, Integer topK, Double minP, Double repeatPenalty, Long seed, List<String> stop,
                      Double presencePenalty, Double frequencyPenalty, Map<Integer, Float> logitBias, ResponseFormat format,
                      Integer logprobs, boolean promptLogprobs) {

    /**
     * The engine's parameters: the server's defaults, overridden by what the request gives.
     *
     * @param defaults         the server's sampling defaults (from the command line)
     * @param defaultMaxTokens when the request gives none (-1: until the context is full)
     * @param randomSeed       the seed to use when neither the request nor the server fixes one
     */
    GenerationParams toParams(GenerationParams defaults, Long serverSeed, int defaultMaxTokens, long randomSeed) {
        GenerationParams.Builder b = defaults.toBuilder();
        b.maxTokens(maxTokens != null ? maxTokens : defaultMaxTokens);
        if (temperature != null) b.temperature(temperature);
        if (topP != null) b.topP(topP);
        if (topK != null) b.topK(topK);
        if (minP != null) b.minP(minP);
        if (repeatPenalty != null) b.repeatPenalty(repeatPenalty);
        if (presencePenalty != null) b.presencePenalty(presencePenalty);
        if (frequencyPenalty != null) b.frequencyPenalty(frequencyPenalty);
        b.seed(seed != null ? seed : serverSeed != null ? serverSeed : randomSeed);
        b.stopStrings(stop);
        b.logitBias(logitBias);
        b.jsonObject(format.jsonObject());
        b.jsonSchema(format.schema());
        b.grammar(format.grammar());
        b.logprobs(logprobs == null ? -1 : logprobs);
        b.promptLogprobs(promptLogprobs);
        return b.build();
    }

    /**
     * What the reply must be.
     *
     * @param jsonObject {@code json_object}: one JSON object
     * @param schema     {@code json_schema}: JSON valid against this schema (JSON text), or null
     * @param grammar    llama.cpp's {@code grammar}: text in this GBNF grammar, or null
     */
    record ResponseFormat(boolean jsonObject, String schema, String grammar) {
        static final ResponseFormat TEXT = new ResponseFormat(false, null, null);

        boolean constrained() {
            return jsonObject || schema != null || grammar != null;
        }
    }
}
