package dev.jllm.tools;

import java.util.Locale;

/**
 * One line typed in {@code jllm chat}: a message for the model, a slash command, or nothing.
 * A line starting with {@code //} is a message starting with {@code /} (the first slash is
 * dropped), so that text such as {@code /usr/bin} can still be sent.
 */
sealed interface ChatInput {
    /** Text for the model. */
    record Message(String text) implements ChatInput {}

    /** An empty or blank line: ignored. */
    record Empty() implements ChatInput {}

    /** {@code /reset}: forget the conversation (the system prompt stays). */
    record Reset() implements ChatInput {}

    /** {@code /exit} or {@code /quit}. */
    record Exit() implements ChatInput {}

    /** {@code /help}. */
    record Help() implements ChatInput {}

    /** {@code /system TEXT}: new system prompt (empty = none), conversation reset. */
    record SystemPrompt(String text) implements ChatInput {}

    /** {@code /think on|off}: a reasoning model thinks before answering or not (the template's {@code enable_thinking}). */
    record Think(String setting) implements ChatInput {}

    /** {@code /something} that is not a command. */
    record Unknown(String command) implements ChatInput {}

    /** The commands, as shown by {@code /help}. */
    String HELP = """
            /reset        forget the conversation (keeps the system prompt)
            /system TEXT  set a new system prompt and start over (/system alone removes it)
            /think on|off let a reasoning model think before answering, or not (Qwen 3, SmolLM 3)
            /exit, /quit  leave (also Ctrl-D)
            /help         this list
            //TEXT        send TEXT starting with a slash""";

    static ChatInput parse(String line) {
        String s = line.strip();
        if (s.isEmpty()) return new Empty();
        if (s.startsWith("//")) return new Message(s.substring(1));
        if (!s.startsWith("/")) return new Message(s);
        int space = indexOfWhitespace(s);
        String name = (space < 0 ? s : s.substring(0, space)).toLowerCase(Locale.ROOT);
        String arg = space < 0 ? "" : s.substring(space).strip();
        return switch (name) {
            case "/reset", "/clear" -> new Reset();
            case "/exit", "/quit", "/bye" -> new Exit();
            case "/help", "/?" -> new Help();
            case "/system" -> new SystemPrompt(arg);
            case "/think" -> new Think(arg.toLowerCase(Locale.ROOT));
            default -> new Unknown(space < 0 ? s : s.substring(0, space));
        };
    }

    private static int indexOfWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isWhitespace(s.charAt(i))) return i;
        return -1;
    }
}
