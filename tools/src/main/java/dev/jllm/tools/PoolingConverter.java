package dev.jllm.tools;

import dev.jllm.Pooling;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --pooling mean|cls|last} for the commands that embed. */
final class PoolingConverter implements ITypeConverter<Pooling> {
    @Override
    public Pooling convert(String value) {
        try {
            return Pooling.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
