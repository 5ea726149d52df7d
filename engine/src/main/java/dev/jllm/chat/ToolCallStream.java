package dev.jllm.chat;

/**
 * Streams the text of a reply that may hold tool calls: text that cannot be part of a call goes
 * out as it comes, and from where a call may begin everything is held back until the reply ends,
 * when {@link #finish} reads the whole reply ({@link ToolCallFormat#parse}) and says what is
 * left to send. A reply that answers in words then streams like any other, instead of arriving
 * whole at the end.
 *
 * <p>Where a call may begin: at {@code <tool_call>} in the tag syntaxes (text before it streams;
 * a piece that may be the tag's beginning waits for the next); for Llama 3's and Mistral's JSON
 * syntaxes, a reply whose first character is {@code {} (or {@code <|python_tag|>}) or {@code [}
 * is held whole, since their calls are the entire reply. Not thread-safe.
 */
public final class ToolCallStream {
    private static final String TAG = "<tool_call>";

    /** What is left at the end: the text not sent yet, and the calls. */
    public record Rest(String content, java.util.List<ToolCallFormat.Call> calls) {}

    private final ToolCallFormat format;
    private final ToolCallFormat.ParameterTypes types;
    private final StringBuilder text = new StringBuilder();
    private int sent; // characters of text already given out
    private boolean holding;

    public ToolCallStream(ToolCallFormat format, ToolCallFormat.ParameterTypes types) {
        this.format = format;
        this.types = types;
    }

    /** Takes a piece of the reply; returns the text that may be shown now (possibly empty). */
    public String push(String piece) {
        text.append(piece);
        if (holding) return "";
        int safe;
        switch (format) {
            case LLAMA3, MISTRAL -> {
                String start = text.toString().stripLeading();
                if (start.isEmpty()) return "";
                boolean call = format == ToolCallFormat.MISTRAL ? start.startsWith("[")
                        : start.startsWith("{") || "<|python_tag|>".startsWith(start.substring(0, Math.min(start.length(), 14)));
                if (call) {
                    holding = true;
                    return "";
                }
                safe = text.length();
            }
            default -> {
                int tag = text.indexOf(TAG, sent);
                if (tag >= 0) {
                    holding = true;
                    safe = tag;
                } else {
                    safe = text.length() - partialTag();
                }
            }
        }
        String out = text.substring(sent, safe);
        sent = safe;
        return out;
    }

    /** At the end of the reply: what is left to send as text, and the calls the whole reply holds. */
    public Rest finish() {
        ToolCallFormat.Parsed whole = format.parse(text.toString(), types);
        if (whole.calls().isEmpty()) return new Rest(text.substring(sent), java.util.List.of());
        // The reply's text without its calls, minus what went out already.
        String shown = text.substring(0, sent).strip();
        String content = whole.content();
        String rest = content.startsWith(shown) ? content.substring(shown.length()) : "";
        return new Rest(sent == 0 ? content : rest.isBlank() ? "" : rest, whole.calls());
    }

    /** How many characters at the end of the text may be the beginning of the tag. */
    private int partialTag() {
        for (int n = Math.min(TAG.length() - 1, text.length() - sent); n > 0; n--) {
            boolean match = true;
            for (int i = 0; i < n && match; i++) match = text.charAt(text.length() - n + i) == TAG.charAt(i);
            if (match) return n;
        }
        return 0;
    }
}
