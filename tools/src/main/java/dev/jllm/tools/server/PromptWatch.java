package dev.jllm.tools.server;

import dev.jllm.Session;

/**
 * Notices a client that goes away while its prompt is evaluated, when there is nothing to send
 * it yet: after each prompt chunk ({@link dev.jllm.TokenListener#onPromptProgress}), at most
 * every {@code everyNanos}, {@code probe} writes something the protocol lets clients ignore (an
 * SSE comment, a heartbeat space). If that fails the session is cancelled, which abandons the
 * prompt at its next chunk instead of evaluating it, and generating, for nobody.
 */
final class PromptWatch {
    /** Writes to the client; false when it is gone. */
    interface Probe {
        boolean write();
    }

    private final Session session;
    private final Probe probe;
    private final long everyNanos;
    private final Runnable chunkHook;
    private long last = System.nanoTime();
    private boolean gone;

    PromptWatch(Session session, OpenAiServer server, Probe probe) {
        this.session = session;
        this.probe = probe;
        this.everyNanos = server.promptProbeEveryNanos;
        Runnable hook = server.promptChunkHook;
        this.chunkHook = hook != null ? hook : () -> {};
    }

    /** A watch over a server-sent-events stream: the probe is an SSE comment, which clients ignore. */
    static PromptWatch overSse(Session session, OpenAiServer server, SseWriter sse) {
        return new PromptWatch(session, server, () -> {
            try {
                sse.keepAlive();
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }

    /** Call from {@code onPromptProgress}. */
    void chunkDone() {
        chunkHook.run();
        if (gone) return;
        long now = System.nanoTime();
        if (now - last < everyNanos) return;
        last = now;
        if (!probe.write()) {
            gone = true;
            session.cancel();
        }
    }

    /** Whether a probe found the client gone. */
    boolean gone() {
        return gone;
    }
}
