package dev.jllm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.ChatMessage;
import dev.jllm.Completion;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.TokenListener;
import dev.jllm.testing.TestData;

/**
 * Load check: 16 concurrent streaming clients × 20 requests each against {@code jllm serve}
 * (from the jar) on stories260K. Every client has its own prompt, so a response mixed up with
 * another client's would not equal the greedy text {@code Session.generate} gives for it. Every
 * response must be complete (all chunks of one id, a finish reason, usage, {@code [DONE]}) and
 * correct. Prints requests/s and p50/p99 latency.
 */
class ServerLoadIT {
    static final int CLIENTS = 16, REQUESTS = 20, MAX_TOKENS = 48;
    static final ObjectMapper JSON = new ObjectMapper();
    static final String[] SUBJECTS = {
            "a cat", "a dog", "a bird", "a fish", "a tree", "the sun", "a ball", "a car",
            "a boat", "a cake", "a frog", "a bear", "the moon", "a toy", "a flower", "a king",
    };

    record Expected(String body, String text, String finish, int promptTokens, int completionTokens) {}

    @Test
    void sixteenStreamingClientsTimesTwentyRequests() throws Exception {
        Path file = TestData.require("models/stories260K-f32.gguf");
        List<Expected> expected = new ArrayList<>();
        try (Model model = Model.load(file, ModelOptions.builder().threads(2).build())) {
            for (int i = 0; i < CLIENTS; i++) {
                String subject = SUBJECTS[i];
                Completion c;
                String body;
                if (i % 2 == 0) { // chat
                    String user = "Tell me a story about " + subject + ".";
                    c = model.newSession().generate(model.chatPrompt(List.of(ChatMessage.user(user))), GenerationParams.greedy(MAX_TOKENS), TokenListener.NONE);
                    body = JSON.writeValueAsString(Map.of("model", "stories260K-f32", "messages", List.of(Map.of("role", "user", "content", user)),
                            "temperature", 0, "max_tokens", MAX_TOKENS, "stream", true, "stream_options", Map.of("include_usage", true)));
                } else { // completion
                    String prompt = "Once upon a time, there was " + subject;
                    c = model.newSession().generate(prompt, GenerationParams.greedy(MAX_TOKENS));
                    body = JSON.writeValueAsString(Map.of("model", "stories260K-f32", "prompt", prompt,
                            "temperature", 0, "max_tokens", MAX_TOKENS, "stream", true, "stream_options", Map.of("include_usage", true)));
                }
                expected.add(new Expected(body, c.text(), c.finishReason().name().equals("LENGTH") ? "length" : "stop", c.promptTokens(), c.generatedTokens()));
            }
        }
        Set<String> distinct = new HashSet<>();
        for (Expected e : expected) distinct.add(e.text());
        assertEquals(CLIENTS, distinct.size(), "every client expects a different text, so mix-ups show");

        // One kernel thread per request suits this tiny model best (a pooled matrix product of a
        // 64-wide model costs more in hand-offs than it saves); -Djllm.load.serve="--parallel 2"
        // compares with the default of all cores per request.
        List<String> args = new ArrayList<>(List.of("-m", file.toString(), "--quiet", "--queue", "32"));
        args.addAll(List.of(System.getProperty("jllm.load.serve", "--parallel 2 --threads 1").trim().split("\\s+")));
        System.out.println("server load: jllm serve " + String.join(" ", args));
        try (ServerProcess server = ServerProcess.start(args.toArray(String[]::new))) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
            URI chat = URI.create(server.baseUrl() + "/v1/chat/completions"), text = URI.create(server.baseUrl() + "/v1/completions");
            // warm-up (JIT), not measured
            for (int i = 0; i < 4; i++) request(http, i % 2 == 0 ? chat : text, expected.get(i), i);

            List<Long> latencies = new CopyOnWriteArrayList<>();
            Set<String> ids = ConcurrentHashMap.newKeySet();
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            long t0 = System.nanoTime();
            try {
                List<Future<?>> clients = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    clients.add(pool.submit(() -> {
                        for (int r = 0; r < REQUESTS; r++) {
                            long start = System.nanoTime();
                            String id = request(http, client % 2 == 0 ? chat : text, expected.get(client), client);
                            latencies.add(System.nanoTime() - start);
                            assertTrue(ids.add(id), "response id " + id + " seen twice");
                        }
                        return null;
                    }));
                }
                for (Future<?> f : clients) f.get(600, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            int total = CLIENTS * REQUESTS;
            assertEquals(total, latencies.size());
            List<Long> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            long tokens = 0;
            for (int c = 0; c < CLIENTS; c++) tokens += (long) expected.get(c).completionTokens() * REQUESTS;
            System.out.printf(Locale.ROOT, "server load: %d streaming clients x %d requests = %d requests in %.1f s: %.1f requests/s, %.0f generated tokens/s, latency p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
                    CLIENTS, REQUESTS, total, seconds, total / seconds, tokens / seconds,
                    percentile(sorted, 50) / 1e6, percentile(sorted, 99) / 1e6, sorted.get(sorted.size() - 1) / 1e6);
        }
    }

    static long percentile(List<Long> sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    /** One streaming request; checks it is complete and correct; returns its id. */
    static String request(HttpClient http, URI uri, Expected e, int client) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(e.body())).build(),
                HttpResponse.BodyHandlers.ofString());
        String who = "client " + client + ": ";
        assertEquals(200, r.statusCode(), who + r.body());
        String body = r.body();
        assertTrue(body.endsWith("data: [DONE]\n\n"), who + "ends with [DONE]");
        String id = null, finish = null;
        StringBuilder text = new StringBuilder();
        JsonNode usage = null;
        for (String block : body.split("\n\n")) {
            assertTrue(block.startsWith("data: "), who + block);
            String data = block.substring(6);
            if (data.equals("[DONE]")) continue;
            JsonNode ev = JSON.readTree(data);
            if (id == null) id = ev.get("id").asText();
            assertEquals(id, ev.get("id").asText(), who + "every chunk of a response has its id");
            if (ev.has("usage") && !ev.get("usage").isNull()) usage = ev.get("usage");
            for (JsonNode choice : ev.get("choices")) {
                JsonNode piece = choice.has("delta") ? choice.get("delta").get("content") : choice.get("text");
                if (piece != null && !piece.isNull()) text.append(piece.asText());
                if (!choice.get("finish_reason").isNull()) finish = choice.get("finish_reason").asText();
            }
        }
        assertEquals(e.text(), text.toString(), who + "text");
        assertEquals(e.finish(), finish, who + "finish reason");
        assertTrue(usage != null, who + "usage chunk");
        assertEquals(e.promptTokens(), usage.get("prompt_tokens").asInt(), who + "prompt tokens");
        assertEquals(e.completionTokens(), usage.get("completion_tokens").asInt(), who + "completion tokens");
        return id;
    }
}
