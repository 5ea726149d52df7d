package dev.jllm;

import java.util.Objects;

/**
 * Whether the model may, must or must not call a tool (OpenAI's {@code tool_choice}). With
 * {@link #required()} or {@link #function(String)} the reply is constrained to a call in the
 * model's tool-call format, with arguments valid against the tool's schema.
 *
 * @param mode     auto, none, required, or one named function
 * @param function the function's name for {@link Mode#FUNCTION}, else null
 */
public record ToolChoice(Mode mode, String function) {
    /** How the choice constrains the reply. */
    public enum Mode {
        /** The model decides: it may answer in text or call tools (the default). */
        AUTO,
        /** The tools are shown, but the reply is not read for calls. */
        NONE,
        /** The reply is one call of one of the tools. */
        REQUIRED,
        /** The reply is one call of the named tool. */
        FUNCTION
    }

    /** @throws IllegalArgumentException if a function is named for another mode, or none for {@link Mode#FUNCTION} */
    public ToolChoice {
        Objects.requireNonNull(mode, "mode");
        if ((mode == Mode.FUNCTION) != (function != null)) {
            throw new IllegalArgumentException("a function name goes with mode FUNCTION, and only with it");
        }
    }

    public static ToolChoice auto() { return new ToolChoice(Mode.AUTO, null); }
    public static ToolChoice none() { return new ToolChoice(Mode.NONE, null); }
    public static ToolChoice required() { return new ToolChoice(Mode.REQUIRED, null); }
    public static ToolChoice function(String name) { return new ToolChoice(Mode.FUNCTION, Objects.requireNonNull(name, "name")); }

    /** Whether the reply must be a call. */
    public boolean forced() {
        return mode == Mode.REQUIRED || mode == Mode.FUNCTION;
    }
}
