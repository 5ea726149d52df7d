package dev.jllm.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A small fixed pool of worker threads for splitting one kernel call (e.g. the rows of a
 * matrix-vector product) across cores. Not the common ForkJoinPool: a decode step makes hundreds
 * of calls of 10–100 µs each, so hand-off latency matters more than generality.
 *
 * <p>How a call runs: the caller publishes the task and bumps a generation counter; workers spin
 * briefly on the counter (then park) and, like the caller, claim chunks from a shared atomic
 * cursor until none are left — chunks rather than a fixed split, so a core slowed down by other
 * load on the machine simply takes fewer of them. The caller returns when every chunk is done.
 *
 * <p>One pooled call at a time: calls split across the workers take turns, so sessions sharing a
 * model interleave their kernel calls instead of oversubscribing the cores. Calls that run on the
 * caller's thread alone (a pool of one thread, or a range of one chunk) do not wait for others.
 */
public final class WorkerPool implements AutoCloseable {

    /** Work on the index range [start, end). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    private static final int SPIN_ITERATIONS = 20_000;

    private final int threads;
    private final Thread[] workers;
    private volatile long generation;
    private volatile boolean closed;
    // The current call; written before generation is bumped (volatile write publishes them).
    private RangeTask task;
    private int total, chunk;
    private final AtomicInteger cursor = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private volatile Throwable failure;

    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workerLoop, "jllm-worker-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over [0, n) split into chunks of {@code grain} (the last may be smaller;
     * chunk starts are multiples of grain). Small ranges run on the calling thread only.
     */
    public void parallelFor(int n, int grain, RangeTask task) {
        if (n <= 0) return;
        int chunks = (n + grain - 1) / grain;
        if (threads == 1 || chunks == 1) {
            task.run(0, n); // on the caller's thread only: no pool state, so no need to take turns
            return;
        }
        runOnPool(n, grain, chunks, task);
    }

    private synchronized void runOnPool(int n, int grain, int chunks, RangeTask task) {
        // Aim for ~4 chunks per thread so that a slow core does not hold up the others.
        int perChunk = Math.max(1, chunks / (threads * 4)) * grain;
        this.task = task;
        this.total = n;
        this.chunk = perChunk;
        this.failure = null;
        cursor.set(0);
        running.set(workers.length);
        generation++; // publishes the fields above to the workers
        for (Thread w : workers) LockSupport.unpark(w);
        work();
        while (running.get() != 0) Thread.onSpinWait();
        this.task = null;
        Throwable f = failure;
        if (f != null) {
            if (f instanceof RuntimeException r) throw r;
            if (f instanceof Error e) throw e;
            throw new RuntimeException(f);
        }
    }

    private void work() {
        RangeTask t = task;
        int n = total, c = chunk;
        try {
            for (int start; (start = cursor.getAndAdd(c)) < n; ) {
                t.run(start, Math.min(n, start + c));
            }
        } catch (Throwable e) {
            failure = e;
            cursor.set(n); // stop the others early
        }
    }

    private void workerLoop() {
        long seen = 0;
        while (!closed) {
            long g = generation;
            if (g == seen) {
                for (int i = 0; i < SPIN_ITERATIONS && generation == seen && !closed; i++) Thread.onSpinWait();
                if (generation == seen && !closed) LockSupport.parkNanos(this, 1_000_000);
                continue;
            }
            seen = g;
            work();
            running.decrementAndGet();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
