package dev.jllm;

import java.util.List;

/**
 * An assistant reply read for tool calls ({@link ChatPrompt#parseReply}): the text meant for the
 * user, and the calls the model asked for, in order.
 *
 * @param content   the reply without its tool calls (trimmed; may be empty)
 * @param toolCalls the calls (empty when the model answered in text)
 */
public record AssistantReply(String content, List<ToolCall> toolCalls) {
    public AssistantReply {
        toolCalls = List.copyOf(toolCalls);
    }

    /** This reply as a message for the conversation history. */
    public ChatMessage toMessage() {
        return ChatMessage.assistant(content, toolCalls);
    }
}
