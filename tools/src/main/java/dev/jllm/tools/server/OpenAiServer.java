package dev.jllm.tools.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.jllm.Completion;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.Pooling;
import dev.jllm.Session;
import dev.jllm.TokenListener;

/**
 * The HTTP server for one model, on the JDK's built-in HTTP server ({@code com.sun.net.httpserver}),
 * speaking three protocols over the same sessions: OpenAI's ({@link OpenAiApi}: {@code /v1/chat/completions},
 * {@code /v1/completions}, {@code /v1/embeddings}, and here {@code GET /v1/models}, {@code /v1/models/{id}}),
 * Anthropic's ({@link AnthropicApi}: {@code /v1/messages}) and Ollama's ({@link OllamaApi}: {@code /api/...}),
 * plus {@code GET /health}. Errors come in each protocol's shape: 400 for invalid requests
 * (malformed JSON, wrong types, missing fields, a prompt longer than the context), 404/405 for
 * unknown routes, 413 for bodies over 16 MiB, 429 when the request queue is full, 500 for
 * internal failures.
 *
 * <p>Concurrency: each request runs on its own (platform) thread; {@link SlotPool} bounds how
 * many generate at once ({@code parallel}, one {@link Session} each) and how many wait
 * ({@code queue}). Requests still waiting in the queue are not checked for a client that left:
 * one that starts after its client left stops at its first writes.
 */
public final class OpenAiServer implements AutoCloseable {
    /** How the server runs. */
    /**
     * @param pooling for {@code /v1/embeddings}: null to use the pooling the model file declares
     */
    public record Config(String host, int port, int parallel, int queue, String modelId,
                         GenerationParams defaults, Long seed, int completionMaxTokens, Pooling pooling) {
        public Config {
            if (parallel < 1) throw new IllegalArgumentException("--parallel must be at least 1, got " + parallel);
            if (queue < 0) throw new IllegalArgumentException("--queue must be at least 0, got " + queue);
            if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be between 0 and 65535, got " + port);
        }
    }

    static final int MAX_BODY = 16 << 20;

    private final Model model;
    private final Config config;
    private final ObjectMapper json = new ObjectMapper();
    private final OpenAiJson shapes;
    private final OpenAiApi openai;
    private final OllamaApi ollama;
    private final AnthropicApi anthropic;
    private final SlotPool slots;
    private final HttpServer http;
    private final ExecutorService executor;
    final long startedAt = System.currentTimeMillis() / 1000;
    private final Consumer<String> log;

    final AtomicLong served = new AtomicLong(), cancelled = new AtomicLong(), rejected = new AtomicLong(), failed = new AtomicLong();
    /** Tests: called on the generating thread before each token is sent (to slow generation down). */
    volatile TokenListener tokenHook;
    /** Non-streaming responses: when the heartbeat starts, and how often it beats. */
    volatile long heartbeatAfterNanos = 1_000_000_000L, heartbeatEveryNanos = 500_000_000L;
    /** Streamed responses: how often a prompt being evaluated checks that its client is there ({@link PromptWatch}). */
    volatile long promptProbeEveryNanos = 500_000_000L;
    /** Tests: called on the generating thread after each prompt chunk (to slow prompts down). */
    volatile Runnable promptChunkHook;

    private OpenAiServer(Model model, Config config, Consumer<String> log) throws IOException {
        this.model = model;
        this.config = config;
        this.log = log;
        this.shapes = new OpenAiJson(json, config.modelId());
        this.slots = new SlotPool(model, config.parallel(), config.queue());
        this.openai = new OpenAiApi(this, model, config, json, shapes);
        this.ollama = new OllamaApi(this, model, config, json);
        this.anthropic = new AnthropicApi(this, model, config, json);
        this.http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 128);
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().name("jllm-http-", 0).factory());
        http.setExecutor(executor);
        http.createContext("/", this::handle);
    }

    /**
     * Binds and starts the server.
     *
     * @param log receives one line per request (and nothing else); may be null
     * @throws IOException if the address cannot be bound (e.g. the port is in use)
     */
    public static OpenAiServer start(Model model, Config config, Consumer<String> log) throws IOException {
        OpenAiServer s = new OpenAiServer(model, config, log == null ? line -> { } : log);
        s.http.start();
        return s;
    }

    /** The bound port (the chosen one when the configuration asked for port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** {@code http://host:port} */
    public String baseUrl() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return "http://" + host + ":" + port();
    }

    /** Stops accepting requests, cancels running generations and ends the request threads. */
    @Override
    public void close() {
        slots.cancelAll();
        http.stop(0);
        executor.shutdownNow();
    }

    // ---- routing ----

    private void handle(HttpExchange ex) {
        long t0 = System.nanoTime();
        String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
        String path = ex.getRequestURI().getPath();
        Outcome outcome = new Outcome();
        try (ex) {
            ex.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
            if (method.equals("OPTIONS")) {
                ex.getResponseHeaders().set("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
                ex.getResponseHeaders().set("Access-Control-Allow-Headers", "Authorization, Content-Type");
                ex.sendResponseHeaders(204, -1);
                outcome.status = 204;
                return;
            }
            try {
                route(ex, method, path, outcome);
            } catch (ApiException e) {
                outcome.status = e.status;
                if (e.status == 429) {
                    rejected.incrementAndGet();
                    if (!outcome.headersSent) ex.getResponseHeaders().set("Retry-After", "1");
                } else {
                    failed.incrementAndGet();
                }
                JsonNode body = path.startsWith("/api/") ? OllamaApi.error(json, e)
                        : path.startsWith("/v1/messages") ? AnthropicApi.error(json, e) : shapes.error(e);
                if (!outcome.headersSent) {
                    sendJson(ex, e.status, body, outcome);
                } else if (!outcome.streaming) { // after a heartbeat committed 200: the error is the body
                    ex.getResponseBody().write(json.writeValueAsBytes(body));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome.note = "interrupted (server stopping)";
            } catch (IOException e) {
                outcome.note = "client gone: " + e.getMessage();
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                ApiException err = new ApiException(500, "internal error: " + e, "server_error", null, null);
                outcome.status = 500;
                outcome.note = e.toString();
                if (!outcome.headersSent) {
                    try {
                        sendJson(ex, 500, shapes.error(err), outcome);
                    } catch (IOException ignored) {
                        // client gone
                    }
                }
            }
        } catch (IOException e) {
            outcome.note = "client gone: " + e.getMessage();
        } finally {
            log.accept(String.format(Locale.ROOT, "%s %s %d %.0f ms%s", method, path, outcome.status,
                    (System.nanoTime() - t0) / 1e6, outcome.note == null ? "" : " " + outcome.note));
        }
    }

    /** What happened to a request, for the log line. */
    static final class Outcome {
        int status;
        boolean headersSent, streaming;
        String note;
    }

    private void route(HttpExchange ex, String method, String path, Outcome outcome) throws IOException, InterruptedException {
        if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
        if (path.startsWith("/api/")) {
            ollama.route(ex, method, path, outcome);
            return;
        }
        if (path.equals("/v1/messages") || path.equals("/v1/messages/count_tokens")) {
            anthropic.route(ex, method, path, outcome);
            return;
        }
        switch (path) {
            case "/health" -> {
                requireMethod(method, "GET", path);
                sendJson(ex, 200, health(), outcome);
            }
            case "/v1/models" -> {
                requireMethod(method, "GET", path);
                sendJson(ex, 200, shapes.models(startedAt), outcome);
            }
            case "/v1/chat/completions" -> {
                requireMethod(method, "POST", path);
                openai.chat(ex, outcome);
            }
            case "/v1/completions" -> {
                requireMethod(method, "POST", path);
                openai.completions(ex, outcome);
            }
            case "/v1/embeddings" -> {
                requireMethod(method, "POST", path);
                openai.embeddings(ex, outcome);
            }
            default -> {
                if (path.startsWith("/v1/models/")) {
                    requireMethod(method, "GET", path);
                    String id = path.substring("/v1/models/".length());
                    if (!id.equals(config.modelId())) {
                        throw new ApiException(404, "The model '" + id + "' does not exist; this server has '" + config.modelId() + "'.",
                                "invalid_request_error", "model", "model_not_found");
                    }
                    sendJson(ex, 200, shapes.model(startedAt), outcome);
                    return;
                }
                throw new ApiException(404, "Invalid URL (" + method + " " + path + "): this server has POST /v1/chat/completions, "
                        + "POST /v1/completions, POST /v1/embeddings, GET /v1/models, GET /health, Anthropic's POST /v1/messages, and Ollama's "
                        + "/api/chat, /api/generate, /api/embed, /api/tags, /api/show.", "invalid_request_error", null, "not_found");
            }
        }
    }

    static void requireMethod(String method, String allowed, String path) {
        if (!method.equals(allowed)) {
            throw new ApiException(405, "Method " + method + " is not allowed for " + path + "; use " + allowed + ".",
                    "invalid_request_error", null, "method_not_allowed");
        }
    }

    private ObjectNode health() {
        ObjectNode o = json.createObjectNode();
        o.put("status", "ok");
        o.put("model", config.modelId());
        ObjectNode s = o.putObject("slots");
        s.put("total", slots.parallel());
        s.put("busy", slots.busy());
        ObjectNode q = o.putObject("queue");
        q.put("capacity", slots.queue());
        q.put("waiting", slots.waiting());
        ObjectNode r = o.putObject("requests");
        r.put("served", served.get());
        r.put("cancelled", cancelled.get());
        r.put("rejected", rejected.get());
        r.put("failed", failed.get());
        return o;
    }

    // ---- shared by the protocols ----

    SlotPool.Ticket admit() {
        SlotPool.Ticket ticket = slots.tryAdmit();
        if (ticket == null) {
            throw new ApiException(429, "The server is busy: " + slots.parallel() + " request(s) running and " + slots.queue()
                    + " waiting, the most it queues (--queue " + slots.queue() + "). Retry later.", "rate_limit_error", null, "queue_full");
        }
        return ticket;
    }

    void checkContext(int tokens, String param) {
        int ctx = model.info().contextLength();
        if (tokens > ctx) {
            throw ApiException.invalid("This model's maximum context length is " + ctx + " tokens. However, your " + param
                    + " resulted in " + tokens + " tokens. Please reduce the length of the " + param + ".", param, "context_length_exceeded");
        }
    }

    void clientGone(Outcome outcome, Completion c) {
        cancelled.incrementAndGet();
        outcome.note = "client gone, generation cancelled" + (c == null ? " before it started" : " after " + c.generatedTokens() + " tokens");
    }

    static String describe(Completion c, boolean stream) {
        return String.format(Locale.ROOT, "%sprompt %d (cached %d), completion %d, finish %s, %.0f tok/s",
                stream ? "stream, " : "", c.promptTokens(), c.promptTokens() - c.timings().promptTokens(), c.generatedTokens(),
                c.finishReason().jsonName(), c.timings().generationTokensPerSecond());
    }


    // ---- I/O helpers ----

    static byte[] readBody(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            byte[] chunk = new byte[16384];
            for (int n; (n = in.read(chunk)) > 0; ) {
                if (buf.size() + n > MAX_BODY) {
                    throw new ApiException(413, "The request body is larger than " + (MAX_BODY >> 20) + " MiB.", "invalid_request_error", null, "request_too_large");
                }
                buf.write(chunk, 0, n);
            }
            return buf.toByteArray();
        }
    }

    /** Commits a 200 response whose body streams (server-sent events, NDJSON) and returns the body. */
    static OutputStream startStream(HttpExchange ex, Outcome outcome, String contentType) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.getResponseHeaders().set("X-Accel-Buffering", "no"); // proxies: pass events on as they come
        ex.sendResponseHeaders(200, 0);
        outcome.headersSent = true;
        outcome.streaming = true;
        outcome.status = 200;
        return ex.getResponseBody();
    }

    void sendJson(HttpExchange ex, int status, JsonNode body, Outcome outcome) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        outcome.headersSent = true;
        outcome.status = status;
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** For tests and logs: the URI of an endpoint. */
    URI uri(String path) {
        return URI.create(baseUrl() + path);
    }
}
