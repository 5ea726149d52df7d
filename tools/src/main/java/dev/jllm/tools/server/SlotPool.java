package dev.jllm.tools.server;

import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

import dev.jllm.Model;
import dev.jllm.Session;

/**
 * The server's capacity: {@code parallel} sessions (each with its own KV cache) that generate at
 * the same time, and up to {@code queue} more requests waiting for one. A request beyond that
 * is refused at once (HTTP 429) instead of waiting without bound.
 *
 * <p>Waiting requests get a session in arrival order. A session is handed back idle; the next
 * request reuses whatever prefix of its cached tokens still matches (a shared system prompt, or
 * the conversation so far when the same client continues it).
 */
final class SlotPool {
    private final int parallel;
    private final int queue;
    private final Semaphore admission;
    private final LinkedBlockingDeque<Session> idle = new LinkedBlockingDeque<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final java.util.List<Session> all = new java.util.ArrayList<>();

    SlotPool(Model model, int parallel, int queue) {
        this.parallel = parallel;
        this.queue = queue;
        this.admission = new Semaphore(parallel + queue, true);
        for (int i = 0; i < parallel; i++) all.add(model.newSession());
        idle.addAll(all);
    }

    /** Cancels every running generation (server shutdown). */
    void cancelAll() {
        for (Session s : all) s.cancel();
    }

    /** A place among the running or waiting requests, or null when all are taken. */
    Ticket tryAdmit() {
        return admission.tryAcquire() ? new Ticket() : null;
    }

    int parallel() { return parallel; }
    int queue() { return queue; }
    int busy() { return parallel - idle.size(); }
    int waiting() { return waiting.get(); }

    /** An admitted request: wait for a session with {@link #session()}, then {@link #close()}. */
    final class Ticket implements AutoCloseable {
        private Session session;
        private boolean closed;

        /** Waits for an idle session (in arrival order). */
        Session session() throws InterruptedException {
            if (session == null) {
                waiting.incrementAndGet();
                try {
                    session = idle.takeFirst();
                } finally {
                    waiting.decrementAndGet();
                }
            }
            return session;
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            if (session != null) idle.addFirst(session);
            admission.release();
        }
    }
}
