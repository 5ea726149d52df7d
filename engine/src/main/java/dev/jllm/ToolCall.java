package dev.jllm;

import java.util.Objects;

/**
 * A call of a {@link Tool} the model asked for (OpenAI's {@code tool_calls[]}), or one given back
 * in the conversation history on an assistant message.
 *
 * @param id        the call's id, which the tool's result refers to ({@link ChatMessage#tool})
 * @param name      the function's name
 * @param arguments the arguments as a JSON object, in JSON text
 */
public record ToolCall(String id, String name, String arguments) {
    /** @throws NullPointerException if a value is null */
    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
    }
}
