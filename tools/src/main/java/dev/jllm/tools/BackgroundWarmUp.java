package dev.jllm.tools;

import java.util.function.Consumer;

import dev.jllm.Model;

/**
 * Starts {@link Model#warmUp()} on a daemon thread, for the commands that wait for a person or a
 * client after loading (chat on a terminal, serve): the seconds the JIT needs are spent while
 * nobody waits, instead of on the first reply.
 */
final class BackgroundWarmUp {
    private BackgroundWarmUp() {}

    /** @param log receives one line when the warm-up is done (null = silent) */
    static void start(Model model, Consumer<String> log) {
        Thread t = new Thread(() -> {
            try {
                var took = model.warmUp();
                if (log != null) log.accept(String.format("kernels warmed up in %.1f s", took.toMillis() / 1000.0));
            } catch (RuntimeException e) {
                // the model was closed meanwhile (the program is ending): nothing to warm up
            }
        }, "jllm-warm-up");
        t.setDaemon(true);
        t.start();
    }
}
