package dev.jllm.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A small fixed pool of worker threads for splitting one kernel call (e.g. the rows of a
 * matrix-vector product) across cores. Not the common ForkJoinPool: a decode step makes hundreds
 * of calls of 10–100 µs each, so hand-off latency matters more than generality.
 *
 * <p>How a call runs: the caller publishes a {@link Job} and wakes the workers; everyone —
 * the caller included — claims chunks from the job's atomic cursor until none are left. The
 * caller returns as soon as every chunk is finished; it never waits for a worker that has not
 * started yet (on a busy machine a worker may not be scheduled for milliseconds; the caller
 * then simply does all the chunks itself). Chunks rather than a fixed split also let a core
 * slowed down by other load take fewer of them.
 *
 * <p>Workers spin briefly on the published job before parking, since calls come in quick
 * succession while decoding.
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

    /**
     * One parallelFor call: immutable parameters plus its claim cursor and the count of indices
     * finished. Chunks shrink as the range runs out (guided scheduling): each claim takes a
     * share of what is left, rounded to the grain, so the first claims are large (few atomic
     * operations) and the last ones small, and the thread that finishes first waits at most for
     * a small chunk instead of a quarter of the range.
     */
    private static final class Job {
        final RangeTask task;
        final int total, grain, shares;
        final AtomicInteger cursor = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();
        volatile Throwable failure;

        Job(RangeTask task, int total, int grain, int shares) {
            this.task = task;
            this.total = total;
            this.grain = grain;
            this.shares = shares;
        }

        /** Claims and runs chunks until none are left. */
        void participate() {
            for (int start; (start = cursor.get()) < total; ) {
                int share = (total - start) / shares / grain * grain;
                int end = Math.min(total, start + Math.max(grain, share));
                if (!cursor.compareAndSet(start, end)) continue;
                try {
                    if (failure == null) task.run(start, end);
                } catch (Throwable e) {
                    failure = e;
                } finally {
                    finished.addAndGet(end - start);
                }
            }
        }

        boolean done() {
            return finished.get() == total;
        }
    }

    private static final int SPIN_ITERATIONS = 50_000;

    private final int threads;
    private final Thread[] workers;
    private volatile Job current;
    private volatile boolean closed;

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
     * Runs {@code task} over [0, n) split into chunks whose starts are multiples of {@code grain}
     * (the last chunk may be smaller). A single chunk runs on the calling thread only.
     */
    public void parallelFor(int n, int grain, RangeTask task) {
        if (n <= 0) return;
        int grains = (n + grain - 1) / grain;
        if (threads == 1 || grains == 1) {
            task.run(0, n); // on the caller's thread only: no pool state, so no need to take turns
            return;
        }
        runOnPool(n, grain, task);
    }

    private synchronized void runOnPool(int n, int grain, RangeTask task) {
        // Each claim takes 1/(2·threads) of what is left: the first claims split the range
        // about evenly, later ones shrink, so a slow core does not hold up the others.
        Job job = new Job(task, n, grain, 2 * threads);
        current = job;
        for (Thread w : workers) LockSupport.unpark(w);
        job.participate();
        while (!job.done()) Thread.onSpinWait();
        Throwable f = job.failure;
        if (f != null) {
            if (f instanceof RuntimeException r) throw r;
            if (f instanceof Error e) throw e;
            throw new RuntimeException(f);
        }
    }

    private void workerLoop() {
        Job seen = null;
        while (!closed) {
            Job job = current;
            if (job != seen && job != null) {
                seen = job;
                job.participate();
                continue;
            }
            for (int i = 0; i < SPIN_ITERATIONS && current == seen && !closed; i++) Thread.onSpinWait();
            if (current == seen && !closed) LockSupport.parkNanos(this, 1_000_000);
        }
    }

    @Override
    public void close() {
        closed = true;
        current = null;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
