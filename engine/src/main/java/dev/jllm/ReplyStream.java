package dev.jllm;

import java.util.ArrayList;
import java.util.List;

import dev.jllm.chat.ReasoningStream;
import dev.jllm.chat.ToolCallStream;

/**
 * Splits an assistant reply into its parts while it streams, for showing it as it is generated:
 * a reasoning model's thinking, the answer's text, and — once the reply has ended — its tool
 * calls. Text that may be the beginning of a call or of a tag is held back until it is known
 * not to be; everything else goes out at once. Get one from {@link ChatPrompt#replyStream}; feed
 * it the pieces a {@link TokenListener} receives, then call {@link #finish}. The parts put
 * together say what {@link ChatPrompt#parseReply} says of the whole reply (whitespace aside).
 * Not thread-safe: one per reply.
 */
public final class ReplyStream {
    /** What a piece of the reply is. */
    public enum Kind {
        /** The model's thinking (a leading {@code <think>} block). */
        REASONING,
        /** The answer. */
        CONTENT
    }

    /** A piece of the reply and what it is. */
    public record Part(Kind kind, String text) {}

    /** The end of the reply: the parts still held back, and the tool calls (with new ids). */
    public record End(List<Part> parts, List<ToolCall> toolCalls) {
        public End {
            parts = List.copyOf(parts);
            toolCalls = List.copyOf(toolCalls);
        }
    }

    private final ReasoningStream reasoning;
    private final ToolCalling calling;
    private final ToolCallStream calls;

    /**
     * @param separateReasoning whether thinking is told apart (else it is content, as the model wrote it)
     */
    ReplyStream(ChatPrompt prompt, boolean separateReasoning) {
        this.reasoning = separateReasoning ? new ReasoningStream(ReasoningStream.opensThinking(prompt.text())) : null;
        this.calling = prompt.toolCalling() != null && prompt.toolCalling().readsCalls() ? prompt.toolCalling() : null;
        this.calls = calling == null ? null : calling.newStream();
    }

    /** Takes a piece of the reply; returns the parts that may be shown now (possibly none). */
    public List<Part> push(String piece) {
        List<Part> out = new ArrayList<>();
        if (reasoning == null) content(piece, out);
        else for (ReasoningStream.Piece p : reasoning.push(piece)) route(p, out);
        return out;
    }

    /** At the end of the reply: what was held back, and the tool calls. */
    public End finish() {
        List<Part> out = new ArrayList<>();
        if (reasoning != null) for (ReasoningStream.Piece p : reasoning.flush()) route(p, out);
        if (calls == null) return new End(out, List.of());
        ToolCallStream.Rest rest = calls.finish();
        if (!rest.content().isEmpty()) out.add(new Part(Kind.CONTENT, rest.content()));
        return new End(out, calling.withIds(rest.calls()));
    }

    private void route(ReasoningStream.Piece p, List<Part> out) {
        if (p.reasoning()) out.add(new Part(Kind.REASONING, p.text()));
        else content(p.text(), out);
    }

    private void content(String text, List<Part> out) {
        String shown = calls == null ? text : calls.push(text);
        if (!shown.isEmpty()) out.add(new Part(Kind.CONTENT, shown));
    }
}
