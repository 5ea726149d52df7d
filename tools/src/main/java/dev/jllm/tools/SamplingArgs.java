package dev.jllm.tools;

import dev.jllm.GenerationParams;
import picocli.CommandLine.Option;

/** Sampling options shared by generate, chat and serve. Defaults follow llama.cpp. */
final class SamplingArgs {
    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.8", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40", description = "0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95", description = "1 = off (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0.05", description = "0 = off (default: ${DEFAULT-VALUE}).")
    double minP;

    @Option(names = "--repeat-penalty", paramLabel = "X", defaultValue = "1.0", description = "1 = off (default: ${DEFAULT-VALUE}).")
    double repeatPenalty;

    @Option(names = "--seed", paramLabel = "N", description = "Random seed (default: random). Same seed, same text.")
    Long seed;

    GenerationParams.Builder toParams() {
        GenerationParams.Builder b = GenerationParams.builder()
                .temperature(temperature).topK(topK).topP(topP).minP(minP).repeatPenalty(repeatPenalty);
        if (seed != null) b.seed(seed);
        try {
            b.build(); // validate now, so that a bad value is reported as a usage error
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        return b;
    }
}
