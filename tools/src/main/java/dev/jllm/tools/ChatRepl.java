package dev.jllm.tools;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;

import dev.jllm.ChatSession;
import dev.jllm.Completion;
import dev.jllm.ContextOverflowException;
import dev.jllm.FinishReason;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.TokenListener;
import dev.jllm.chat.ReasoningStream;

/**
 * The conversation loop of {@code jllm chat}, independent of how lines are read: each line is a
 * message for the model (its reply is streamed to {@code out} as it is generated) or a slash
 * command ({@link ChatInput}). Notices — context full, unknown command, statistics — go to
 * {@code notices}: the terminal in interactive mode, stderr otherwise, so that piped output
 * holds only the replies.
 */
final class ChatRepl {
    private final Model model;
    private final GenerationParams params;
    private final boolean showStats;
    private final boolean interactive;
    private final PrintWriter out;
    private final PrintWriter notices;
    private volatile ChatSession chat;
    private volatile boolean cancelRequested;

    /**
     * @param interactive whether a person is typing: acknowledgements (e.g. "conversation reset")
     *                    and the help are then shown on {@code out}; otherwise commands are silent
     */
    ChatRepl(Model model, String systemPrompt, GenerationParams params, boolean showStats, boolean interactive,
             PrintWriter out, PrintWriter notices) {
        this.model = model;
        this.params = params;
        this.showStats = showStats;
        this.interactive = interactive;
        this.out = out;
        this.notices = notices;
        this.chat = model.newChatSession(blankToNull(systemPrompt));
    }

    private boolean dropOldest;
    /** Where the conversation is kept between runs ({@code --session}), or null. */
    private java.nio.file.Path sessionFile;

    /**
     * Keeps the conversation in {@code file}: resumes the one saved there (history, keys and
     * values) if there is one, and saves it after every change. A file that cannot be resumed
     * is said, and overwritten by the next save.
     */
    void persistTo(java.nio.file.Path file) {
        sessionFile = file;
        if (!java.nio.file.Files.exists(file)) return;
        try {
            chat.restoreState(file);
            long messages = chat.history().stream().filter(m -> !m.role().equals("system")).count();
            notice("resumed the conversation in " + file.getFileName() + " (" + messages + " message" + (messages == 1 ? "" : "s") + ")");
        } catch (dev.jllm.SessionStateException | IOException e) {
            notice("not resuming " + file.getFileName() + ": " + e.getMessage() + " (it will be overwritten)");
        }
    }

    private void save() {
        if (sessionFile == null) return;
        try {
            chat.saveState(sessionFile);
        } catch (IOException e) {
            notice("cannot save the conversation to " + sessionFile + ": " + e.getMessage());
        }
    }

    /** Keep going when the conversation fills the context, by dropping its oldest exchanges (with a notice). */
    void dropOldestWhenFull(boolean drop) {
        dropOldest = drop;
        chat.dropOldestWhenFull(drop);
    }

    /** The conversation (for tests and statistics). */
    ChatSession chat() {
        return chat;
    }

    /** Non-interactive use: every line of {@code in} until its end or {@code /exit}. */
    void runLines(BufferedReader in) throws IOException {
        for (String line; (line = in.readLine()) != null; ) {
            if (!handle(line)) break;
        }
    }

    /** Handles one line; returns false when the user asked to leave. */
    boolean handle(String line) {
        switch (ChatInput.parse(line)) {
            case ChatInput.Empty e -> { }
            case ChatInput.Message m -> {
                send(m.text());
                save();
            }
            case ChatInput.Exit e -> { return false; }
            case ChatInput.Reset r -> {
                chat.reset();
                save();
                acknowledge("conversation reset");
            }
            case ChatInput.SystemPrompt s -> {
                chat = null; // let the old KV cache go before the new one is allocated
                chat = model.newChatSession(blankToNull(s.text()));
                chat.dropOldestWhenFull(dropOldest);
                if (thinking != null) chat.templateArguments(java.util.Map.of("enable_thinking", thinking));
                save();
                acknowledge(s.text().isBlank() ? "system prompt removed, conversation reset" : "system prompt set, conversation reset");
            }
            case ChatInput.Help h -> {
                PrintWriter w = interactive ? out : notices;
                w.println(ChatInput.HELP);
                if (interactive) w.println("Ctrl-C stops a reply; at the prompt it clears the line (twice on an empty line quits).");
                w.flush();
            }
            case ChatInput.Think t -> think(t.setting());
            case ChatInput.Unknown u -> notice("unknown command " + u.command() + " (/help lists the commands; //text sends text starting with /)");
        }
        return true;
    }

    /** Stops the reply being generated, within a token. Safe from any thread (signal handlers). */
    void cancel() {
        cancelRequested = true;
        ChatSession c = chat;
        if (c != null) c.cancel();
    }

    private void send(String text) {
        cancelRequested = false;
        ChatSession c = chat;
        ThinkingPrinter printer = new ThinkingPrinter(new ReplyPrinter(out), out, interactive,
                c.replyStartsThinking(text));
        int droppedBefore = c.droppedMessages();
        Completion reply;
        try {
            PromptProgress progress = new PromptProgress();
            reply = c.send(text, params, new TokenListener() {
                @Override
                public Action onToken(String piece, int id) {
                    printer.print(piece);
                    return cancelRequested ? Action.STOP : Action.CONTINUE;
                }

                @Override
                public void onPromptProgress(int evaluated, int total) {
                    progress.update(evaluated, total);
                }
            });
        } catch (ContextOverflowException e) {
            boolean fresh = c.history().stream().noneMatch(m -> !m.role().equals("system"));
            notice(fresh
                    ? "this message needs " + e.tokens() + " tokens but the context holds " + e.contextLength() + "; restart with a larger --ctx"
                    : "the conversation no longer fits in the context (" + e.tokens() + " tokens needed, "
                      + e.contextLength() + " available); /reset to start over, or restart with a larger --ctx (or --drop-old-turns)");
            return;
        }
        printer.end();
        if (c.droppedMessages() > droppedBefore) {
            int n = c.droppedMessages() - droppedBefore;
            notice("dropped the " + n + " oldest message" + (n == 1 ? "" : "s") + " to make room in the context (" + c.contextLength() + " tokens)");
        }
        if (reply.finishReason() == FinishReason.LENGTH && c.contextUsed() >= c.contextLength()) {
            notice("the context is full (" + c.contextLength() + " tokens): the reply was cut short; "
                    + "/reset to start over, or restart with a larger --ctx");
        } else if (reply.finishReason() == FinishReason.CANCELLED && interactive) {
            notice("stopped");
        }
        if (showStats) {
            var t = reply.timings();
            notice(String.format(Locale.ROOT, "%d tokens at %.1f tok/s; prompt: %d new tokens at %.1f tok/s (%d reused); context %d/%d",
                    t.generatedTokens(), t.generationTokensPerSecond(), t.promptTokens(), t.promptTokensPerSecond(),
                    reply.promptTokens() - t.promptTokens(), c.contextUsed(), c.contextLength()));
        }
    }

    /** The thinking switch set by /think (null: the template's default). */
    private Boolean thinking;

    private void think(String setting) {
        if (!setting.equals("on") && !setting.equals("off")) {
            notice("use /think on or /think off");
            return;
        }
        if (!chat.templateSource().contains("enable_thinking")) {
            notice("this model's chat template has no thinking switch (enable_thinking)");
            return;
        }
        thinking = setting.equals("on");
        chat.templateArguments(java.util.Map.of("enable_thinking", thinking));
        acknowledge("thinking " + setting + " from the next reply");
    }

    private void acknowledge(String what) {
        if (!interactive) return;
        notice(what);
    }

    private void notice(String message) {
        notices.println(interactive ? "[" + message + "]" : "jllm chat: " + message);
        notices.flush();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /**
     * Streams a reasoning model's reply: its thinking ({@link ReasoningStream}) dimmed on a
     * terminal and left out of piped output (which holds the answers only), then the answer.
     */
    static final class ThinkingPrinter {
        private static final String DIM = "\u001b[2m", RESET = "\u001b[0m";
        private final ReplyPrinter answer;
        private final PrintWriter out;
        private final boolean interactive;
        private final ReasoningStream stream;
        private boolean thinking;

        ThinkingPrinter(ReplyPrinter answer, PrintWriter out, boolean interactive, boolean promptOpensThinking) {
            this.answer = answer;
            this.out = out;
            this.interactive = interactive;
            this.stream = new ReasoningStream(promptOpensThinking);
        }

        void print(String piece) {
            for (ReasoningStream.Piece p : stream.push(piece)) show(p);
        }

        void end() {
            for (ReasoningStream.Piece p : stream.flush()) show(p);
            endThinking(false);
            answer.end();
        }

        private void show(ReasoningStream.Piece p) {
            if (p.reasoning()) {
                if (!interactive) return;
                if (!thinking) out.print(DIM);
                thinking = true;
                out.print(p.text());
                out.flush();
            } else {
                endThinking(true);
                answer.print(p.text());
            }
        }

        private void endThinking(boolean answerFollows) {
            if (!thinking) return;
            out.print(RESET + (answerFollows ? "\n\n" : ""));
            out.flush();
            thinking = false;
        }
    }

    /**
     * Streams a reply: leading whitespace is dropped and whitespace is held back until more text
     * follows, so a reply shows as its trimmed text; every visible piece is flushed at once.
     */
    static final class ReplyPrinter {
        private final PrintWriter out;
        private final StringBuilder pendingSpace = new StringBuilder();
        private boolean started;

        ReplyPrinter(PrintWriter out) {
            this.out = out;
        }

        void print(String piece) {
            if (piece.isEmpty()) return;
            int end = piece.length();
            while (end > 0 && Character.isWhitespace(piece.charAt(end - 1))) end--;
            String body = piece.substring(0, end);
            String space = piece.substring(end);
            if (!started) {
                body = body.stripLeading();
                if (body.isEmpty()) return;
            }
            if (!body.isEmpty()) {
                out.print(pendingSpace);
                pendingSpace.setLength(0);
                out.print(body);
                out.flush();
                started = true;
            }
            pendingSpace.append(space);
        }

        /** Ends the reply's line. */
        void end() {
            out.println();
            out.flush();
        }
    }
}
