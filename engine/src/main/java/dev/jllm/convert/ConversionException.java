package dev.jllm.convert;

import dev.jllm.JllmException;

/** An input that cannot be converted: the message says which file and why, on one line. */
public final class ConversionException extends JllmException {
    public ConversionException(String message) {
        super(message);
    }
}
