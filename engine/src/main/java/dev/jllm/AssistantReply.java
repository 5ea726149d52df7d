package dev.jllm;

import java.util.List;

/**
 * An assistant reply read for its parts ({@link ChatPrompt#parseReply}): the text meant for the
 * user, the thinking a reasoning model did first, and the tool calls it asked for, in order.
 *
 * @param content   the reply without its thinking and tool calls (trimmed when either was
 *                  taken out; may be empty)
 * @param toolCalls the calls (empty when the model answered in text)
 * @param reasoning the text of a leading {@code <think>…</think>} block (empty if none)
 */
public record AssistantReply(String content, List<ToolCall> toolCalls, String reasoning) {
    public AssistantReply {
        toolCalls = List.copyOf(toolCalls);
        reasoning = reasoning == null ? "" : reasoning;
    }

    /** A reply without reasoning. */
    public AssistantReply(String content, List<ToolCall> toolCalls) {
        this(content, toolCalls, "");
    }

    /** This reply as a message for the conversation history (content and calls; templates drop past thinking anyway). */
    public ChatMessage toMessage() {
        return ChatMessage.assistant(content, toolCalls);
    }
}
