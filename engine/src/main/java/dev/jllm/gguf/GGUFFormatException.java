package dev.jllm.gguf;

import dev.jllm.ModelLoadException;

/** The bytes of a GGUF file do not follow the format (or use something jllm cannot read). */
public final class GGUFFormatException extends ModelLoadException {
    public GGUFFormatException(String message) {
        super(message);
    }
}
