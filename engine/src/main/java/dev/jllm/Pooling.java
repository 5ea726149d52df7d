package dev.jllm;

import java.util.Locale;
import java.util.Optional;

import dev.jllm.gguf.GGUFMetadata;

/**
 * How {@link Model#embed} turns the hidden states of a text's tokens (after the model's final
 * norm) into one vector, as llama.cpp's pooling types of the same names do.
 */
public enum Pooling {
    /** The average over all tokens (llama.cpp {@code mean}, type 1). */
    MEAN,
    /** The first token's state (llama.cpp {@code cls}, type 2): for models trained to summarise into it. */
    CLS,
    /** The last token's state (llama.cpp {@code last}, type 3): for decoder embedding models such as Qwen3-Embedding. */
    LAST;

    /** Parses {@code mean}, {@code cls} or {@code last} (any case). */
    public static Pooling parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown pooling '" + name + "': use mean, cls or last");
        }
    }

    /**
     * The pooling a file declares in {@code <arch>.pooling_type}; empty when it declares none
     * (absent, or llama.cpp's {@code none} = 0).
     *
     * @throws ModelLoadException for a type jllm does not implement (rank = 4: rerankers)
     */
    static Optional<Pooling> declaredBy(GGUFMetadata md, String architecture) {
        String key = architecture + ".pooling_type";
        if (!md.contains(key)) return Optional.empty();
        long type = md.getLong(key);
        return switch ((int) type) {
            case 0 -> Optional.empty();
            case 1 -> Optional.of(MEAN);
            case 2 -> Optional.of(CLS);
            case 3 -> Optional.of(LAST);
            default -> throw new ModelLoadException(key + " = " + type + " is not supported (1 mean, 2 cls, 3 last; 4 is a reranker's)");
        };
    }
}
