package dev.jllm.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Separates a reasoning model's thinking from its answer as the reply streams in: the text in a
 * leading {@code <think>…</think>} block (Qwen 3, QwQ, DeepSeek R1 and their distillations,
 * SmolLM 3) is reasoning, the rest is content — llama.cpp's {@code reasoning_format deepseek}.
 * When the prompt already opened the block (QwQ's and R1's templates end the prompt with
 * {@code <think>\n}) the reply starts inside it.
 *
 * <p>Pieces of text go in as they are generated; what comes out is labelled, and a piece that
 * might be the beginning of a tag is held back until the next one says what it is, so a tag split
 * across tokens is never shown. Whitespace at either end of the reasoning and right after the
 * block is dropped (as llama.cpp trims them). Not thread-safe.
 */
public final class ReasoningStream {
    private static final String OPEN = "<think>", CLOSE = "</think>";

    /** A labelled piece of the reply. */
    public record Piece(boolean reasoning, String text) {}

    private enum State { BEFORE, INSIDE, AFTER_CLOSE, CONTENT }

    private State state;
    private boolean started; // inside the block, reasoning text has begun
    private final StringBuilder pending = new StringBuilder();

    /** @param startInside whether the prompt already opened the thinking block */
    public ReasoningStream(boolean startInside) {
        state = startInside ? State.INSIDE : State.BEFORE;
    }

    /** Whether a prompt leaves the model inside an open thinking block. */
    public static boolean opensThinking(String promptText) {
        return promptText.stripTrailing().endsWith(OPEN);
    }

    /** The labelled text that {@code text} completes (maybe none yet). */
    public List<Piece> push(String text) {
        pending.append(text);
        List<Piece> out = new ArrayList<>();
        drain(out, false);
        return out;
    }

    /** Whatever is still held back, at the end of the reply. */
    public List<Piece> flush() {
        List<Piece> out = new ArrayList<>();
        drain(out, true);
        return out;
    }

    /** A whole reply split at once: reasoning (empty if none) and content. */
    public static String[] split(String reply, boolean startInside) {
        ReasoningStream s = new ReasoningStream(startInside);
        StringBuilder reasoning = new StringBuilder(), content = new StringBuilder();
        List<Piece> pieces = new ArrayList<>(s.push(reply));
        pieces.addAll(s.flush());
        for (Piece p : pieces) (p.reasoning() ? reasoning : content).append(p.text());
        return new String[]{reasoning.toString(), content.toString()};
    }

    private void drain(List<Piece> out, boolean end) {
        while (pending.length() > 0) {
            switch (state) {
                case BEFORE -> {
                    int start = 0;
                    while (start < pending.length() && Character.isWhitespace(pending.charAt(start))) start++;
                    String rest = pending.substring(start);
                    if (rest.startsWith(OPEN)) {
                        pending.delete(0, start + OPEN.length());
                        state = State.INSIDE;
                    } else if (!end && OPEN.startsWith(rest)) {
                        return; // could still become "<think>"
                    } else {
                        state = State.CONTENT;
                    }
                }
                case INSIDE -> {
                    if (!started) { // the block's leading whitespace is not reasoning
                        int start = 0;
                        while (start < pending.length() && Character.isWhitespace(pending.charAt(start))) start++;
                        pending.delete(0, start);
                        if (pending.length() == 0) return;
                        started = true;
                    }
                    int close = pending.indexOf(CLOSE);
                    if (close >= 0) {
                        emit(out, true, pending.substring(0, close).stripTrailing());
                        pending.delete(0, close + CLOSE.length());
                        state = State.AFTER_CLOSE;
                        continue;
                    }
                    // Hold back what may be the start of the closing tag, and whitespace before it
                    // (the block's trailing whitespace is not reasoning either).
                    int keep = 0;
                    if (!end) {
                        keep = partialTag(pending, CLOSE);
                        while (keep < pending.length() && Character.isWhitespace(pending.charAt(pending.length() - keep - 1))) keep++;
                    }
                    String text = pending.substring(0, pending.length() - keep);
                    emit(out, true, end ? text.stripTrailing() : text);
                    pending.delete(0, pending.length() - keep);
                    return;
                }
                case AFTER_CLOSE -> {
                    int start = 0;
                    while (start < pending.length() && Character.isWhitespace(pending.charAt(start))) start++;
                    pending.delete(0, start);
                    if (pending.length() > 0) state = State.CONTENT;
                }
                case CONTENT -> {
                    emit(out, false, pending.toString());
                    pending.setLength(0);
                }
            }
        }
    }

    /** How many characters at the end of {@code text} are the beginning of {@code tag}. */
    private static int partialTag(CharSequence text, String tag) {
        for (int n = Math.min(tag.length() - 1, text.length()); n > 0; n--) {
            boolean match = true;
            for (int i = 0; i < n && match; i++) match = text.charAt(text.length() - n + i) == tag.charAt(i);
            if (match) return n;
        }
        return 0;
    }

    private static void emit(List<Piece> out, boolean reasoning, String text) {
        if (!text.isEmpty()) out.add(new Piece(reasoning, text));
    }
}
