package dev.jllm.tools;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.jllm.Model;
import dev.jllm.ModelOptions;
import picocli.CommandLine.Option;

/** Options shared by every command that loads a model. */
final class ModelArgs {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF model file.")
    Path model;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--ctx", paramLabel = "N", description = "Context length (default: the model's, at most 4096).")
    Integer ctx;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Prompt tokens per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    Model load() {
        if (!Files.exists(model)) throw new CliException("model file not found: " + model + " (pass a .gguf file with -m)");
        ModelOptions.Builder b = ModelOptions.builder().batchSize(batch).progress(new LoadProgress());
        if (threads != null) {
            if (threads < 1) throw new CliException("--threads must be at least 1, got " + threads);
            b.threads(threads);
        }
        if (ctx != null) {
            if (ctx < 1) throw new CliException("--ctx must be at least 1, got " + ctx);
            b.contextLength(ctx);
        }
        if (batch < 1) throw new CliException("--batch must be at least 1, got " + batch);
        return Model.load(model, b.build());
    }
}
