package dev.jllm.tools.server;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import dev.jllm.Model;
import dev.jllm.Session;

/**
 * The server's capacity: {@code parallel} sessions (each with its own KV cache) that generate at
 * the same time, and up to {@code queue} more requests waiting for one. A request beyond that
 * is refused at once (HTTP 429) instead of waiting without bound.
 *
 * <p>Waiting requests get a session in arrival order (a fair lock). Which idle session: the one
 * whose cached tokens share the longest prefix with the request's prompt — the conversation
 * so far when a client continues it, or a shared system prompt — so that only the rest is
 * evaluated; a prefix shorter than half the prompt (a lone BOS token) does not count. Among
 * equals, the least recently used, which keeps the caches of the conversations most likely to
 * come back. (Clients of chat front ends interleave: handing out the session used last sent
 * conversation A's next turn to the session that had just served B, re-reading all of A.)
 */
final class SlotPool {
    private final int parallel;
    private final int queue;
    private final Semaphore admission;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Condition released = lock.newCondition();
    /** Idle sessions, the most recently used first; guarded by {@link #lock}. */
    private final ArrayDeque<Session> idle = new ArrayDeque<>();
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
    int waiting() { return waiting.get(); }

    int busy() {
        lock.lock();
        try {
            return parallel - idle.size();
        } finally {
            lock.unlock();
        }
    }

    /** The idle session to serve {@code promptIds} (see the class comment), removed from the idle ones. Call with the lock held. */
    private Session takeBest(int[] promptIds) {
        Session best = null;
        int bestReuse = -1;
        for (Iterator<Session> it = idle.descendingIterator(); it.hasNext(); ) { // least recently used first
            Session s = it.next();
            int reuse = s.cachedPrefixLength(promptIds);
            if (2 * reuse < promptIds.length) reuse = 0;
            if (reuse > bestReuse) {
                best = s;
                bestReuse = reuse;
            }
        }
        idle.remove(best);
        return best;
    }

    /** An admitted request: wait for a session with {@link #session}, then {@link #close()}. */
    final class Ticket implements AutoCloseable {
        private Session session;
        private boolean closed;

        /** Waits for an idle session (in arrival order) and takes the best one for this prompt. */
        Session session(int[] promptIds) throws InterruptedException {
            if (session == null) {
                waiting.incrementAndGet();
                lock.lockInterruptibly();
                try {
                    while (idle.isEmpty()) released.await();
                    session = takeBest(promptIds);
                } finally {
                    lock.unlock();
                    waiting.decrementAndGet();
                }
            }
            return session;
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            if (session != null) {
                lock.lock();
                try {
                    idle.addFirst(session);
                    released.signal();
                } finally {
                    lock.unlock();
                }
            }
            admission.release();
        }
    }
}
