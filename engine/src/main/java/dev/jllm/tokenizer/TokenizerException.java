package dev.jllm.tokenizer;

import dev.jllm.ModelLoadException;

/**
 * A model's tokenizer cannot be built: unknown {@code tokenizer.ggml.model} or
 * {@code tokenizer.ggml.pre}, or vocabulary metadata that is missing or inconsistent. The message
 * names the offending key or value.
 */
public class TokenizerException extends ModelLoadException {
    public TokenizerException(String message) {
        super(message);
    }
}
