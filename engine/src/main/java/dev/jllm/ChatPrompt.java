package dev.jllm;

import java.util.List;

import dev.jllm.chat.ReasoningStream;

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
     * The reply to this prompt split into its parts: a leading {@code <think>…</think>} block
     * (or, when this prompt opened the block, everything up to {@code </think>}) is reasoning;
     * the rest is read for tool calls in the model's format when tools were given. A reply with
     * neither is all content, unchanged.
     */
    public AssistantReply parseReply(String reply) {
        return parse(reply, ReasoningStream.opensThinking(text), toolCalling);
    }

    /**
     * A stream that splits the reply to this prompt into thinking, text and tool calls while it
     * is generated ({@link ReplyStream}), as {@link #parseReply} does for a whole reply.
     *
     * @param separateReasoning whether thinking is told apart from the answer
     */
    public ReplyStream replyStream(boolean separateReasoning) {
        return new ReplyStream(this, separateReasoning);
    }

    /** A reply split into reasoning, content and calls (see {@link #parseReply}). */
    static AssistantReply parse(String reply, boolean promptOpenedThinking, ToolCalling toolCalling) {
        String reasoning = "";
        String content = reply;
        if (promptOpenedThinking || reply.stripLeading().startsWith("<think>")) {
            String[] parts = ReasoningStream.split(reply, promptOpenedThinking);
            reasoning = parts[0];
            content = parts[1];
        }
        if (toolCalling == null) return new AssistantReply(content, List.of(), reasoning);
        AssistantReply calls = toolCalling.parse(content);
        return new AssistantReply(calls.content(), calls.toolCalls(), reasoning);
    }
}
