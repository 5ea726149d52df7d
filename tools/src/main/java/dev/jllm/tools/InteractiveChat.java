package dev.jllm.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.jline.reader.Candidate;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import dev.jllm.Model;

/**
 * {@code jllm chat} on a terminal: JLine line editing with history (kept in
 * {@code ~/.cache/jllm/chat_history}), a {@code > } prompt, replies streamed as they are generated.
 * Ctrl-C while a reply is generated stops that reply; at the prompt it clears the line, and a
 * second Ctrl-C on an empty line (or Ctrl-D, or {@code /exit}) leaves.
 */
final class InteractiveChat {
    static final String PROMPT = "> ";
    private static final List<String> COMMANDS = List.of("/reset", "/system ", "/exit", "/quit", "/help");

    private InteractiveChat() {}

    static void run(Model model, String systemPrompt, dev.jllm.GenerationParams params, boolean showStats, boolean dropOldest,
                    Path session) throws IOException {
        try (Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).encoding(StandardCharsets.UTF_8).build()) {
            // Messages are prose: quotes and backslashes are text, not shell syntax to complete.
            DefaultParser parser = new DefaultParser();
            parser.setEofOnUnclosedQuote(false);
            parser.setEofOnEscapedNewLine(false);
            parser.setEofOnUnclosedBracket();
            LineReaderBuilder builder = LineReaderBuilder.builder()
                    .terminal(terminal)
                    .appName("jllm")
                    .parser(parser)
                    .completer((reader, line, candidates) -> {
                        if (line.wordIndex() == 0 && line.word().startsWith("/")) {
                            for (String c : COMMANDS) candidates.add(new Candidate(c.strip(), c.strip(), null, null, null, null, !c.endsWith(" ")));
                        }
                    })
                    .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true) // "!" is punctuation, not history expansion
                    .option(LineReader.Option.HISTORY_IGNORE_DUPS, true);
            Path history = historyFile();
            if (history != null) builder.variable(LineReader.HISTORY_FILE, history);
            LineReader reader = builder.build();
            PrintWriter w = terminal.writer();
            ChatRepl repl = new ChatRepl(model, systemPrompt, params, showStats, true, w, w);
            repl.dropOldestWhenFull(dropOldest);
            // While a reply is generated Ctrl-C stops it; readLine installs its own handler meanwhile.
            terminal.handle(Terminal.Signal.INT, signal -> repl.cancel());

            var info = model.info();
            w.println("jllm chat: " + (info.name() != null && !info.name().isBlank() ? info.name() : info.path().getFileName())
                    + ", context " + repl.chat().contextLength() + " tokens. /help for commands, Ctrl-C stops a reply, Ctrl-D quits.");
            w.flush();
            if (session != null) repl.persistTo(session);
            boolean interruptedOnEmptyLine = false;
            while (true) {
                String line;
                try {
                    line = reader.readLine(PROMPT);
                } catch (UserInterruptException e) {
                    if (!e.getPartialLine().isBlank()) {
                        interruptedOnEmptyLine = false;
                        continue; // the line is cleared
                    }
                    if (interruptedOnEmptyLine) break;
                    w.println("[Ctrl-C again, Ctrl-D or /exit to quit]");
                    w.flush();
                    interruptedOnEmptyLine = true;
                    continue;
                } catch (EndOfFileException e) {
                    break;
                }
                interruptedOnEmptyLine = false;
                if (!repl.handle(line)) break;
            }
            try {
                reader.getHistory().save();
            } catch (IOException | RuntimeException e) {
                // history is a convenience: never fail the exit for it
            }
        }
    }

    /** {@code $XDG_CACHE_HOME/jllm/chat_history} or {@code ~/.cache/jllm/chat_history}; null if not writable. */
    static Path historyFile() {
        try {
            String xdg = System.getenv("XDG_CACHE_HOME");
            Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
            Path dir = cache.resolve("jllm");
            Files.createDirectories(dir);
            return Files.isWritable(dir) ? dir.resolve("chat_history") : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
