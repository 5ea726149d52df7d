package dev.jllm.tools;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

import dev.jllm.GenerationParams;
import dev.jllm.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jllm chat}: a conversation with the model using its chat template. On a terminal it is
 * interactive ({@link InteractiveChat}); otherwise every stdin line is a message and stdout holds
 * only the replies, one after another.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Chat with a model: interactive on a terminal; otherwise one message per stdin line, replies on stdout.",
                "Commands: /reset, /system TEXT, /exit (or Ctrl-D), /help. Ctrl-C stops a reply."})
final class ChatCommand implements Callable<Integer> {
    @Mixin ModelArgs modelArgs;
    @Mixin SamplingArgs sampling;

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt.")
    String system;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "-1",
            description = "Tokens per reply at most (default: until the model ends its turn or the context is full).")
    int maxTokens;

    @Option(names = "--drop-old-turns",
            description = "When the conversation fills the context, drop its oldest exchanges (the system prompt stays) instead of stopping.")
    boolean dropOldTurns;

    @Option(names = "--session", paramLabel = "FILE",
            description = "Keep the conversation in FILE: resume the one saved there (without evaluating it again), save it after every reply.")
    java.nio.file.Path session;

    @Option(names = "--show-stats", description = "After each reply, show its speed and how much of the context is used.")
    boolean showStats;

    @Override
    public Integer call() throws Exception {
        if (maxTokens < -1 || maxTokens == 0) throw new CliException("--max-tokens must be ≥ 1 (or -1 for no limit), got " + maxTokens);
        GenerationParams params = sampling.toParams().maxTokens(maxTokens).build();
        try (Model model = modelArgs.load()) {
            if (onTerminal()) {
                BackgroundWarmUp.start(model, null); // while the person types the first message
                InteractiveChat.run(model, system, params, showStats, dropOldTurns, session);
            } else {
                PrintWriter out = new PrintWriter(Console.OUT, true);
                PrintWriter err = new PrintWriter(Console.ERR, true);
                ChatRepl repl = new ChatRepl(model, system, params, showStats, false, out, err);
                repl.dropOldestWhenFull(dropOldTurns);
                if (session != null) repl.persistTo(session);
                repl.runLines(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
                out.flush();
            }
        }
        return 0;
    }

    /** Whether stdin and stdout are both a terminal (a person typing and reading). */
    static boolean onTerminal() {
        java.io.Console console = System.console();
        return console != null && console.isTerminal();
    }
}
