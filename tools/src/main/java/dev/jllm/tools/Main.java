package dev.jllm.tools;

import dev.jllm.JllmException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code jllm} command-line app. Errors are one line on stderr: exit status 2
 * for a bad command line, 1 for anything that went wrong while running.
 */
@Command(name = "jllm", mixinStandardHelpOptions = true, version = "jllm 0.1.0",
        description = "Pure-Java LLM inference on the CPU.",
        subcommands = {GenerateCommand.class, ChatCommand.class, ServeCommand.class, EmbedCommand.class, PullCommand.class, ListCommand.class,
                RmCommand.class, ImportCommand.class, ConvertCommand.class, InfoCommand.class, TokenizeCommand.class,
                TemplateCommand.class, SynthCommand.class, QuantizeCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(Console.OUT);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns the exit status (used by tests). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new java.io.PrintWriter(Console.OUT, true));
        cli.setErr(new java.io.PrintWriter(Console.ERR, true));
        cli.setParameterExceptionHandler((e, argv) -> {
            Console.ERR.println("jllm: " + e.getMessage());
            CommandLine cmd = e.getCommandLine();
            Console.ERR.println("try: jllm " + (cmd.getCommandName().equals("jllm") ? "" : cmd.getCommandName() + " ") + "--help");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof CliException) {
                Console.ERR.println("jllm " + cmd.getCommandName() + ": " + e.getMessage());
                return 2;
            }
            if (e instanceof JllmException || e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
                Console.ERR.println("jllm " + cmd.getCommandName() + ": " + e.getMessage());
                return 1;
            }
            if (e instanceof java.io.IOException || e instanceof java.io.UncheckedIOException) {
                Console.ERR.println("jllm " + cmd.getCommandName() + ": " + ioMessage(e));
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }

    /** A one-line description of an I/O failure (the JDK's messages are often just a path). */
    static String ioMessage(Exception e) {
        Throwable t = e instanceof java.io.UncheckedIOException u ? u.getCause() : e;
        String msg = t.getMessage();
        return switch (t) {
            case java.nio.file.NoSuchFileException n -> "no such file: " + msg;
            case java.nio.file.AccessDeniedException a -> "permission denied: " + msg;
            case java.nio.file.FileAlreadyExistsException f -> "already exists: " + msg;
            default -> msg != null && msg.contains("No space left") ? "disk full (" + msg + ")" : String.valueOf(msg);
        };
    }
}
