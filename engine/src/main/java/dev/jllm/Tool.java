package dev.jllm;

import java.util.Objects;

import dev.jllm.sampling.JsonValues;

/**
 * A function the model may call (OpenAI's {@code tools[].function}): its name, what it does, and
 * the JSON schema of its arguments. The chat template shows the tools to the model
 * ({@link Model#chatPrompt(java.util.List, java.util.List, ToolChoice)}).
 *
 * @param name        the function's name: letters, digits, '_' and '-', at most 64 characters
 * @param description what the function does (may be empty)
 * @param parameters  the JSON schema of the arguments object, as JSON text
 */
public record Tool(String name, String description, String parameters) {
    /** The schema of a function that takes no arguments. */
    public static final String NO_PARAMETERS = "{\"type\":\"object\",\"properties\":{}}";

    /** @throws IllegalArgumentException if the name is not a function name or the parameters are not a JSON object */
    public Tool {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("tool name '" + name + "' must be 1 to 64 letters, digits, '_' or '-'");
        }
        description = description == null ? "" : description;
        parameters = parameters == null ? NO_PARAMETERS : parameters;
        if (!(JsonValues.parse(parameters) instanceof java.util.Map)) {
            throw new IllegalArgumentException("the parameters of tool '" + name + "' must be a JSON schema object");
        }
    }
}
