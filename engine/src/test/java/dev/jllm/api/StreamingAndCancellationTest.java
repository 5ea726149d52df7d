package dev.jllm.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.jllm.ChatMessage;
import dev.jllm.ChatPrompt;
import dev.jllm.ChatSession;
import dev.jllm.Completion;
import dev.jllm.ContextOverflowException;
import dev.jllm.FinishReason;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.Session;
import dev.jllm.TokenListener;
import dev.jllm.TokenStream;
import dev.jllm.testing.TestData;

/** Pull-style streams, the three ways to cancel, and the stateless chat prompt. */
class StreamingAndCancellationTest {
    static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(TestData.require("models/stories260K-f32.gguf"), ModelOptions.builder().threads(2).build());
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    @Test
    void iteratorGivesTheSameTextAsTheListener() {
        Completion pushed = model.newSession().generate("Once upon a time", GenerationParams.greedy(50));
        try (TokenStream pieces = model.newSession().stream("Once upon a time", GenerationParams.greedy(50))) {
            StringBuilder text = new StringBuilder();
            for (String piece : pieces) {
                assertTrue(!piece.isEmpty());
                text.append(piece);
            }
            Completion c = pieces.completion();
            assertEquals(pushed.text(), text.toString());
            assertEquals(pushed.text(), c.text());
            assertArrayEquals(pushed.tokenIds(), c.tokenIds());
            assertEquals(FinishReason.LENGTH, c.finishReason());
            assertTrue(pieces.isDone());
            assertThrows(IllegalStateException.class, pieces::iterator, "one iteration only");
        }
    }

    @Test
    void javaStreamAndCompletionWithoutReading() {
        Session session = model.newSession();
        String viaStream;
        try (Stream<String> s = session.stream("The little dog", GenerationParams.greedy(40)).stream()) {
            viaStream = s.collect(Collectors.joining());
        }
        assertEquals(session.generate("The little dog", GenerationParams.greedy(40)).text(), viaStream);
        // completion() without iterating drops the pieces and still returns the whole result
        try (TokenStream unread = session.stream("The little dog", GenerationParams.greedy(40))) {
            assertEquals(viaStream, unread.completion().text());
        }
    }

    @Test
    void closingAStreamEarlyCancelsWithinAFewTokens() {
        Session session = model.newSession();
        TokenStream pieces = session.stream("Once upon a time", GenerationParams.greedy(100));
        Iterator<String> it = pieces.iterator();
        for (int i = 0; i < 3; i++) it.next();
        pieces.close(); // returns once the generation thread has stopped
        assertTrue(pieces.isDone());
        Completion c = pieces.completion();
        assertEquals(FinishReason.CANCELLED, c.finishReason());
        // three pieces read, a buffer of 4 ahead, one in flight
        assertTrue(c.generatedTokens() <= 3 + 4 + 2, "generated " + c.generatedTokens() + " tokens after close");
        assertTrue(!it.hasNext() || it.next() != null); // iteration ends (or drains) after close, never hangs
        // the session is free again and unaffected
        assertEquals(model.newSession().generate("Once upon a time", GenerationParams.greedy(10)).text(),
                session.generate("Once upon a time", GenerationParams.greedy(10)).text());
    }

    @Test
    void listenerStopEndsAtThatToken() {
        AtomicInteger seen = new AtomicInteger();
        Completion c = model.newSession().generate("Once upon a time", GenerationParams.greedy(100),
                (piece, id) -> seen.incrementAndGet() == 5 ? TokenListener.Action.STOP : TokenListener.Action.CONTINUE);
        assertEquals(FinishReason.CANCELLED, c.finishReason());
        assertEquals(5, c.generatedTokens());
        assertEquals(5, seen.get());
    }

    /** {@link Session#cancel()} from another thread: not one more token is generated after it returns. */
    @Test
    void cancelFromAnotherThreadEndsWithinOneToken() throws Exception {
        Session session = model.newSession();
        CountDownLatch atFive = new CountDownLatch(1), cancelled = new CountDownLatch(1);
        AtomicInteger seen = new AtomicInteger();
        Thread canceller = new Thread(() -> {
            try {
                atFive.await();
                session.cancel();
                cancelled.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        canceller.start();
        Completion c = session.generate("Once upon a time", GenerationParams.greedy(100), (piece, id) -> {
            if (seen.incrementAndGet() == 5) {
                atFive.countDown();
                try {
                    assertTrue(cancelled.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            return TokenListener.Action.CONTINUE;
        });
        canceller.join();
        assertEquals(FinishReason.CANCELLED, c.finishReason());
        assertEquals(5, c.generatedTokens());
        // a cancel only affects the generation running when it is called
        assertEquals(FinishReason.LENGTH, session.generate("Once upon a time", GenerationParams.greedy(8)).finishReason());
    }

    /**
     * {@link Session#cancel()} while the prompt is being evaluated stops between prompt chunks:
     * no token is generated, part of the prompt was evaluated, and what was evaluated is reused
     * correctly by the next call.
     */
    @Test
    void cancelDuringPromptEvaluationStopsBetweenChunks() throws Exception {
        try (Model oneTokenChunks = Model.load(TestData.require("models/stories260K-f32.gguf"),
                ModelOptions.builder().threads(1).batchSize(1).build())) {
            Session session = oneTokenChunks.newSession();
            int[] prompt = session.generate("Once upon a time", GenerationParams.greedy(0)).promptTokenIds();
            int[] longPrompt = new int[100]; // stories260K holds 128 positions
            for (int i = 0; i < longPrompt.length; i++) longPrompt[i] = prompt[i % prompt.length];
            session.generate(new int[]{1}, GenerationParams.greedy(0), TokenListener.NONE); // context no longer shares the prompt
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            Thread canceller = new Thread(() -> {
                while (!done.get()) {
                    session.cancel();
                    Thread.onSpinWait();
                }
            });
            canceller.start();
            Completion c;
            try {
                c = session.generate(longPrompt, GenerationParams.greedy(20), TokenListener.NONE);
            } finally {
                done.set(true);
                canceller.join();
            }
            assertEquals(FinishReason.CANCELLED, c.finishReason());
            assertEquals(0, c.generatedTokens());
            assertTrue(c.timings().promptTokens() < longPrompt.length - 1,
                    "evaluated " + c.timings().promptTokens() + " of " + longPrompt.length + " prompt tokens");
            // the partly evaluated context is reused and gives what a fresh session gives
            Completion resumed = session.generate(longPrompt, GenerationParams.greedy(10), TokenListener.NONE);
            Completion fresh = oneTokenChunks.newSession().generate(longPrompt, GenerationParams.greedy(10), TokenListener.NONE);
            assertArrayEquals(fresh.tokenIds(), resumed.tokenIds());
            assertTrue(resumed.timings().promptTokens() < longPrompt.length, "the evaluated prefix was reused");
        }
    }

    @Test
    void tokenStreamCancelFromAnotherThread() throws Exception {
        TokenStream pieces = model.newSession().stream("Once upon a time", GenerationParams.greedy(100));
        Iterator<String> it = pieces.iterator();
        it.next();
        Thread t = new Thread(pieces::cancel);
        t.start();
        t.join();
        List<String> rest = new ArrayList<>();
        it.forEachRemaining(rest::add);
        Completion c = pieces.completion();
        assertEquals(FinishReason.CANCELLED, c.finishReason());
        assertTrue(c.generatedTokens() < 100);
    }

    @Test
    void errorsSurfaceFromTheStream() {
        try (Model small = Model.load(TestData.require("models/stories260K-f32.gguf"), ModelOptions.builder().threads(1).contextLength(8).build())) {
            TokenStream s = small.newSession().stream("Once upon a time there was a little girl named Lily", GenerationParams.greedy(5));
            assertThrows(ContextOverflowException.class, () -> s.iterator().hasNext());
            assertThrows(ContextOverflowException.class, s::completion);
            s.close();
        }
    }

    @Test
    void chatStreamUpdatesTheHistory() {
        ChatSession chat = model.newChatSession("Tell a story.");
        String streamed;
        try (TokenStream reply = chat.stream("A cat", GenerationParams.greedy(20))) {
            streamed = reply.stream().collect(Collectors.joining());
            assertEquals(streamed, reply.completion().text());
        }
        assertEquals(3, chat.history().size());
        assertEquals(ChatMessage.assistant(streamed), chat.history().get(2));
    }

    /** The stateless chat prompt is the one a ChatSession uses, and generates the same reply. */
    @Test
    void chatPromptMatchesChatSession() {
        ChatSession chat = model.newChatSession("Tell a story.");
        Completion viaChat = chat.send("A cat", GenerationParams.greedy(20), TokenListener.NONE);
        ChatPrompt p = model.chatPrompt(List.of(ChatMessage.system("Tell a story."), ChatMessage.user("A cat")));
        assertArrayEquals(viaChat.promptTokenIds(), p.tokenIds());
        assertEquals(p.tokenCount(), viaChat.promptTokens());
        Completion viaPrompt = model.newSession().generate(p, GenerationParams.greedy(20), TokenListener.NONE);
        assertArrayEquals(viaChat.tokenIds(), viaPrompt.tokenIds());
        assertEquals(viaChat.text(), viaPrompt.text());
        assertTrue(p.text().contains("A cat"), p.text());
    }
}
