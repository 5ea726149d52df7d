package dev.jllm;

import java.util.Objects;

/**
 * One message of a conversation: a role ("system", "user", "assistant") and its text.
 *
 * @param role    who speaks: "system", "user" or "assistant" (templates may know others)
 * @param content the message text
 */
public record ChatMessage(String role, String content) {
    /** @throws NullPointerException if role or content is null */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    /** @return a system message (instructions for the whole conversation) */
    public static ChatMessage system(String content) { return new ChatMessage("system", content); }
    /** @return a user message */
    public static ChatMessage user(String content) { return new ChatMessage("user", content); }
    /** @return an assistant message (a previous reply of the model) */
    public static ChatMessage assistant(String content) { return new ChatMessage("assistant", content); }
}
