package dev.jllm;

import java.util.List;

/**
 * A conversation rendered for the model's next assistant turn ({@link Model#chatPrompt}): the
 * text the chat template wrote, its token ids (special tokens recognised, BOS added as the
 * vocabulary asks), the stop strings that end an assistant turn in this format (besides the
 * vocabulary's end-of-generation tokens, which always stop generation), and the tools shown to
 * the model, if any.
 *
 * <pre>{@code
 * ChatPrompt p = model.chatPrompt(List.of(ChatMessage.user("Hello!")));
 * Completion reply = session.generate(p, GenerationParams.greedy(100), TokenListener.NONE);
 * }</pre>
 *
 * @param text        the rendered prompt
 * @param tokenIds    the prompt as token ids
 * @param stopStrings strings that end the reply (may be empty)
 * @param toolCalling the tools, the choice and the format to read calls in; null without tools
 */
public record ChatPrompt(String text, int[] tokenIds, List<String> stopStrings, ToolCalling toolCalling) {

    /** Copies the arrays and lists given. */
    public ChatPrompt {
        tokenIds = tokenIds.clone();
        stopStrings = List.copyOf(stopStrings);
    }

    /** A prompt without tools. */
    public ChatPrompt(String text, int[] tokenIds, List<String> stopStrings) {
        this(text, tokenIds, stopStrings, null);
    }

    /** @return a copy of the prompt's token ids */
    @Override public int[] tokenIds() { return tokenIds.clone(); }

    /** Number of prompt tokens. */
    public int tokenCount() { return tokenIds.length; }

    /**
     * The reply to this prompt read for tool calls in the model's format; without tools, the
     * reply is all content.
     */
    public AssistantReply parseReply(String reply) {
        return toolCalling == null ? new AssistantReply(reply, List.of()) : toolCalling.parse(reply);
    }
}
