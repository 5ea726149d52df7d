package dev.jllm.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.jllm.ChatMessage;
import dev.jllm.ChatPrompt;
import dev.jllm.Completion;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.Session;
import dev.jllm.TokenListener;
import dev.jllm.testing.TestData;

/**
 * The thread-safety promise of {@link Model}: many sessions on one model, generating at the same
 * time from many threads, give exactly the tokens each gives alone (greedy, token for token).
 */
class ConcurrentSessionsTest {
    static final int SESSIONS = 8;
    static final String[] PROMPTS = {
            "Once upon a time", "The little dog", "Lily and Tom went to the park", "One day, a big bird",
            "Sam was sad because", "There was a boy named Ben.", "The sun was hot and", "Mom said,",
    };

    @ParameterizedTest
    @ValueSource(strings = {"stories260K-f32 2", "stories260K-f32 1", "stories260K-q8_0 2", "stories260K-q4_0 2"})
    void eightConcurrentSessionsMatchSequentialRuns(String fileAndThreads) throws Exception {
        String name = fileAndThreads.split(" ")[0];
        int threads = Integer.parseInt(fileAndThreads.split(" ")[1]);
        Path file = TestData.require("models/" + name + ".gguf");
        // threads = 2: kernel calls take turns on the pool; threads = 1: sessions run truly in parallel
        try (Model model = Model.load(file, ModelOptions.builder().threads(threads).build())) {
            // Sequential reference: one session per prompt, one after the other, run twice — a
            // fresh run, then a run reusing its cached prefix. (The rerun evaluates its last
            // prompt token alone, and a lone token takes the per-token kernels, which round
            // differently from the batched ones; so reuse is compared with reuse.) Half of the
            // prompts go through the chat template, to cover that path too.
            List<Completion> fresh = new ArrayList<>(), reused = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                Session s = model.newSession();
                fresh.add(run(model, s, i));
                reused.add(run(model, s, i));
            }

            // Twice concurrently: fresh sessions, then the same sessions again (exercising prefix reuse).
            List<Session> sessions = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) sessions.add(model.newSession());
            for (int round = 0; round < 2; round++) {
                List<Completion> expected = round == 0 ? fresh : reused;
                CyclicBarrier start = new CyclicBarrier(SESSIONS);
                ExecutorService pool = Executors.newFixedThreadPool(SESSIONS);
                try {
                    List<Future<Completion>> futures = new ArrayList<>();
                    for (int i = 0; i < SESSIONS; i++) {
                        int k = i;
                        futures.add(pool.submit(() -> {
                            start.await();
                            return run(model, sessions.get(k), k);
                        }));
                    }
                    for (int i = 0; i < SESSIONS; i++) {
                        Completion got = futures.get(i).get(120, TimeUnit.SECONDS);
                        assertArrayEquals(expected.get(i).tokenIds(), got.tokenIds(), name + " round " + round + ", session " + i + " ('" + PROMPTS[i] + "')");
                        assertEquals(expected.get(i).text(), got.text());
                        assertEquals(expected.get(i).finishReason(), got.finishReason());
                    }
                } finally {
                    pool.shutdownNow();
                }
            }
        }
    }

    private static Completion run(Model model, Session session, int i) {
        GenerationParams greedy = GenerationParams.greedy(60);
        if (i % 2 == 0) return session.generate(PROMPTS[i], greedy, TokenListener.NONE);
        ChatPrompt chat = model.chatPrompt(List.of(ChatMessage.system("Tell a story."), ChatMessage.user(PROMPTS[i])));
        return session.generate(chat, greedy, TokenListener.NONE);
    }
}
