package dev.jllm.tools;

import java.nio.file.Path;

import dev.jllm.convert.ConvertedModels;
import dev.jllm.convert.HfConverter;
import dev.jllm.tools.models.ModelStore;

/**
 * {@code -m FOLDER} for a Hugging Face checkpoint: {@link ConvertedModels} in the models folder's
 * {@code converted/}, with a line and a progress bar when it converts — so
 * {@code jllm chat -m ./Qwen2.5-0.5B-Instruct} works on a fresh download and starts at once the
 * next time.
 */
final class HfModelCache {
    private HfModelCache() {}

    static Path converted(Path checkpoint, ModelStore store) {
        ProgressBar[] bar = {null};
        Path file = ConvertedModels.converted(checkpoint, store.folder().resolve("converted"), Runtime.getRuntime().availableProcessors(),
                target -> {
                    Console.ERR.printf("converting the Hugging Face checkpoint %s to %s (once; later runs reuse it)%n", checkpoint.toAbsolutePath().normalize(), target);
                    bar[0] = new ProgressBar("converting " + checkpoint.getFileName(), outputBytes(checkpoint));
                },
                n -> bar[0].advance(n));
        if (bar[0] != null) bar[0].finish();
        return file;
    }

    private static long outputBytes(Path checkpoint) {
        try {
            return HfConverter.outputBytes(checkpoint, HfConverter.OutputType.AUTO);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
