package dev.jllm;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Generated text as a stream of pieces, pulled by the caller: the pull-style alternative to a
 * {@link TokenListener}. Returned by {@link Session#stream} and {@link ChatSession#stream}.
 *
 * <p>Generation runs on a background (daemon) thread and hands each non-empty text piece over a
 * small bounded buffer, so it runs at most a few tokens ahead of the reader. Iterate once,
 * with {@link #iterator()}, a for-each loop or {@link #stream()}; then {@link #completion()}
 * gives the full result (text, token ids, finish reason, counts, timings).
 *
 * <pre>{@code
 * try (TokenStream pieces = session.stream("Once upon a time", GenerationParams.greedy(50))) {
 *     for (String piece : pieces) System.out.print(piece);
 *     System.out.println("\n" + pieces.completion().generatedTokens() + " tokens");
 * }
 * }</pre>
 *
 * <p><b>Cancelling:</b> {@link #cancel()} (from any thread) or {@link #close()} ends the
 * generation within one token; the completion then has {@link FinishReason#CANCELLED}.
 * {@code close()} also waits for the background thread to finish, so that the session is free
 * again when it returns. Closing a {@link #stream()} closes this object.
 *
 * <p><b>Errors:</b> an exception thrown by the generation (e.g. {@link ContextOverflowException})
 * is rethrown by the iterator once the pieces before it are read, and by {@link #completion()}.
 *
 * <p><b>Thread safety:</b> one reader thread; {@code cancel()} and {@code close()} may be called
 * from any thread.
 */
public final class TokenStream implements Iterable<String>, AutoCloseable {
    private static final Object END = new Object();
    private static final int BUFFER = 4;

    private final BlockingQueue<Object> buffer = new ArrayBlockingQueue<>(BUFFER);
    private final CompletableFuture<Completion> result = new CompletableFuture<>();
    private volatile boolean cancelled;
    private boolean iterated;
    /** The reader has taken END from the buffer. */
    private volatile boolean endSeen;

    private TokenStream() {}

    /** Starts {@code generation} (given the listener that feeds this stream) on a new thread. */
    static TokenStream start(Function<TokenListener, Completion> generation) {
        TokenStream s = new TokenStream();
        Thread.ofPlatform().daemon().name("jllm-token-stream").start(() -> s.run(generation));
        return s;
    }

    private void run(Function<TokenListener, Completion> generation) {
        try {
            result.complete(generation.apply((piece, id) -> {
                if (!piece.isEmpty()) put(piece);
                return cancelled ? TokenListener.Action.STOP : TokenListener.Action.CONTINUE;
            }));
        } catch (Throwable t) {
            result.completeExceptionally(t);
        } finally {
            put(END);
        }
    }

    /** Hands an item to the reader, waiting while the buffer is full unless cancelled. */
    private void put(Object item) {
        try {
            while (!buffer.offer(item, 10, TimeUnit.MILLISECONDS)) {
                if (cancelled) {
                    if (item != END) return; // nobody reads any more: drop text
                    buffer.clear();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancelled = true;
        }
    }

    /**
     * The text pieces in order (whole UTF-8 characters, never empty). Blocks while the next piece
     * is being generated. Can be called once.
     *
     * @throws IllegalStateException if called a second time
     */
    @Override
    public synchronized Iterator<String> iterator() {
        if (iterated) throw new IllegalStateException("a TokenStream can be iterated only once");
        iterated = true;
        return new Iterator<>() {
            private Object next;
            private boolean done;

            @Override
            public boolean hasNext() {
                if (done || endSeen) return false;
                if (next == null) next = take();
                if (next == END) {
                    done = true;
                    endSeen = true;
                    completion(); // rethrows a generation failure
                    return false;
                }
                return true;
            }

            @Override
            public String next() {
                if (!hasNext()) throw new NoSuchElementException();
                String piece = (String) next;
                next = null;
                return piece;
            }
        };
    }

    /** The text pieces as a sequential {@link Stream}; closing it cancels the generation. */
    public Stream<String> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED | Spliterator.NONNULL), false)
                .onClose(this::close);
    }

    /**
     * Waits for the generation to end and returns its result. Call it from the reading thread,
     * after iterating or instead of it: pieces not read yet are dropped, and iteration ends.
     *
     * @throws JllmException (or another runtime exception) that the generation failed with
     */
    public Completion completion() {
        synchronized (this) {
            iterated = true;
        }
        while (!endSeen) {
            if (take() == END) endSeen = true;
        }
        try {
            return result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw e;
        }
    }

    /** The next item, or END once the generation is over and nothing is left (also after close). */
    private Object take() {
        try {
            while (true) {
                Object o = buffer.poll(20, TimeUnit.MILLISECONDS);
                if (o != null) return o;
                if (result.isDone() && buffer.isEmpty()) return END;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel();
            throw interrupted(e);
        }
    }

    private static JllmException interrupted(InterruptedException e) {
        return new JllmException("interrupted while waiting for generated text; the generation was cancelled", e);
    }

    /** Whether the generation has ended (normally, cancelled, or with an error). */
    public boolean isDone() {
        return result.isDone();
    }

    /** Ends the generation within one token; safe from any thread. */
    public void cancel() {
        cancelled = true;
    }

    /** Cancels the generation if it is still running and waits for its thread to end. */
    @Override
    public void close() {
        cancel();
        buffer.clear();
        try {
            result.handle((c, e) -> null).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            // already handled
        }
    }

}
