package dev.jllm.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code jllm} command-line app. */
@Command(name = "jllm", mixinStandardHelpOptions = true, version = "jllm 0.1.0",
        description = "Pure-Java LLM inference on the CPU.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
