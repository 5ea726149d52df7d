package dev.jllm;

import java.util.List;
import java.util.Objects;

/**
 * One message of a conversation: a role ("system", "user", "assistant", "tool") and its text;
 * an assistant message may carry the tool calls it made, a tool message the id of the call it
 * answers.
 *
 * @param role       who speaks: "system", "user", "assistant" or "tool" (templates may know others)
 * @param content    the message text
 * @param toolCalls  for an assistant message, the tools it called (else empty)
 * @param toolCallId for a tool message, the id of the call whose result it is (else null)
 */
public record ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId) {
    /** @throws NullPointerException if role or content is null */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    /** A message without tool calls. */
    public ChatMessage(String role, String content) {
        this(role, content, List.of(), null);
    }

    /** @return a system message (instructions for the whole conversation) */
    public static ChatMessage system(String content) { return new ChatMessage("system", content); }
    /** @return a user message */
    public static ChatMessage user(String content) { return new ChatMessage("user", content); }
    /** @return an assistant message (a previous reply of the model) */
    public static ChatMessage assistant(String content) { return new ChatMessage("assistant", content); }
    /** @return an assistant message that called tools (content may be empty) */
    public static ChatMessage assistant(String content, List<ToolCall> calls) { return new ChatMessage("assistant", content, calls, null); }
    /** @return the result of a tool call, for the model to read */
    public static ChatMessage tool(String toolCallId, String content) {
        return new ChatMessage("tool", content, List.of(), Objects.requireNonNull(toolCallId, "toolCallId"));
    }
}
