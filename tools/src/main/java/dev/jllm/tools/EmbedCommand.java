package dev.jllm.tools;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.Embedding;
import dev.jllm.Model;
import dev.jllm.Pooling;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jllm embed}: a text's embedding vector, as {@code POST /v1/embeddings} gives it. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Print the embedding of a text as one JSON object: {\"tokens\", \"pooling\", \"embedding\": [...]}.",
                "Embedding models declare their pooling; for other models choose one with --pooling."})
final class EmbedCommand implements Callable<Integer> {
    @Mixin ModelArgs modelArgs;

    @Option(names = {"-p", "--prompt"}, required = true, paramLabel = "TEXT", description = "The text to embed.")
    String text;

    @Option(names = "--pooling", paramLabel = "mean|cls|last", converter = PoolingConverter.class, description = "How to pool the tokens' states (default: what the model file declares).")
    Pooling pooling;

    @Option(names = "--no-normalize", description = "Leave the vector at its length instead of scaling it to 1.")
    boolean noNormalize;

    @Override
    public Integer call() throws Exception {
        Pooling chosen = pooling;
        try (Model model = modelArgs.load()) {
            if (chosen == null) {
                chosen = model.pooling().orElseThrow(() -> new CliException(model.info().name()
                        + " declares no pooling for embeddings; choose one with --pooling mean, cls or last"));
            }
            Embedding e = model.embed(text, chosen, !noNormalize); // too long: ContextOverflowException, exit status 1
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("tokens", e.tokenCount());
            out.put("pooling", chosen.name().toLowerCase(Locale.ROOT));
            out.put("normalized", !noNormalize);
            out.put("embedding", e.vector());
            Console.OUT.println(new ObjectMapper().writeValueAsString(out));
        }
        return 0;
    }
}
