package dev.jllm.tools.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.jllm.AssistantReply;
import dev.jllm.ChatPrompt;
import dev.jllm.Completion;
import dev.jllm.Embedding;
import dev.jllm.ContextOverflowException;
import dev.jllm.GenerationParams;
import dev.jllm.JllmException;
import dev.jllm.Model;
import dev.jllm.Pooling;
import dev.jllm.Session;
import dev.jllm.TokenListener;
import dev.jllm.TokenLogprobs;
import dev.jllm.ToolChoice;
import dev.jllm.ToolsNotSupportedException;
import dev.jllm.chat.ReasoningStream;

/**
 * An OpenAI-compatible HTTP server for one model, on the JDK's built-in HTTP server
 * ({@code com.sun.net.httpserver}).
 *
 * <p>Endpoints: {@code POST /v1/chat/completions}, {@code POST /v1/completions} (both streaming
 * as server-sent events with {@code "stream": true}, ending with {@code data: [DONE]}),
 * {@code POST /v1/embeddings}, {@code GET /v1/models}, {@code GET /v1/models/{id}}, {@code GET /health}. Errors are OpenAI
 * error objects: 400 for invalid requests (malformed JSON, wrong types, missing fields, a prompt
 * longer than the context), 404/405 for unknown routes, 413 for bodies over 16 MiB, 429 when the
 * request queue is full, 500 for internal failures.
 *
 * <p>Concurrency: each request runs on its own (platform) thread; {@link SlotPool} bounds how
 * many generate at once ({@code parallel}, one {@link Session} each) and how many wait
 * ({@code queue}).
 *
 * <p>Client disconnects: a streaming generation stops at the first event that cannot be
 * written. A non-streaming response that takes longer than a second commits its 200 status and
 * then writes a space every half second (JSON allows leading whitespace) until the body is ready;
 * a failed write cancels the generation the same way. Requests still waiting in the queue are
 * not checked: one that starts after its client left stops at its first writes.
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
    private final RequestParser parser;
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

    private OpenAiServer(Model model, Config config, Consumer<String> log) throws IOException {
        this.model = model;
        this.config = config;
        this.log = log;
        this.shapes = new OpenAiJson(json, config.modelId());
        this.parser = new RequestParser(json, model.info().vocabularySize());
        this.slots = new SlotPool(model, config.parallel(), config.queue());
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
                chat(ex, outcome);
            }
            case "/v1/completions" -> {
                requireMethod(method, "POST", path);
                completions(ex, outcome);
            }
            case "/v1/embeddings" -> {
                requireMethod(method, "POST", path);
                embeddings(ex, outcome);
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

    // ---- generation endpoints ----

    private void chat(HttpExchange ex, Outcome outcome) throws IOException, InterruptedException {
        ChatRequest req = parser.chat(parser.parseBody(readBody(ex)));
        ChatPrompt prompt;
        if (req.toolChoice().forced() && req.options().format().constrained()) {
            throw ApiException.invalidValue("tool_choice", "A required tool call and a JSON response_format or grammar exclude each other.");
        }
        try {
            // chat_template_kwargs win over the model's defaults (--chat-template-kwargs)
            prompt = model.chatPrompt(req.messages(), req.tools(), req.toolChoice(), req.templateArguments());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidValue("tools", e.getMessage() + ".");
        } catch (ToolsNotSupportedException e) {
            throw ApiException.invalid(e.getMessage() + ".", "tools", "tools_not_supported");
        } catch (JllmException e) {
            throw ApiException.invalid("The chat template cannot render these messages: " + e.getMessage(), "messages", "template_error");
        }
        checkContext(prompt.tokenCount(), "messages");
        GenerationParams params = params(req.options(), -1);
        generate(ex, outcome, new Reading(prompt, req.separateReasoning()), prompt.tokenIds(), null, req.options(), params);
    }

    /**
     * How a chat reply is read: the prompt it answers (its tools, whether it opened a thinking
     * block) and whether thinking goes to {@code reasoning_content}. Null for completions.
     */
    private record Reading(ChatPrompt prompt, boolean separateReasoning) {
        /** Whether the reply needs reading at all (else it is sent as generated). */
        boolean parses() {
            return separateReasoning || readsToolCalls(prompt);
        }

        /** Whether the reply must be held back until it ends (tool calls are known only then). */
        boolean holdsBack() {
            return readsToolCalls(prompt);
        }

        AssistantReply read(String text) {
            if (separateReasoning) return prompt.parseReply(text);
            return readsToolCalls(prompt) ? prompt.toolCalling().parse(text) : new AssistantReply(text, List.of());
        }
    }

    private void completions(HttpExchange ex, Outcome outcome) throws IOException, InterruptedException {
        CompletionRequest req = parser.completion(parser.parseBody(readBody(ex)));
        int[] ids = req.promptIds() != null ? req.promptIds() : model.tokenize(req.prompt(), true, false);
        if (ids.length == 0) throw ApiException.invalidValue("prompt", "the prompt has no tokens.");
        checkContext(ids.length, "prompt");
        String echo = !req.echo() ? null : req.prompt() != null ? req.prompt() : model.detokenize(ids);
        GenerationParams params = params(req.options(), config.completionMaxTokens());
        generate(ex, outcome, null, ids, echo, req.options(), params);
    }

    /**
     * Embeddings of every input, pooled as the model file declares (or as {@code --pooling}
     * says) and normalized, as llama.cpp's server gives them. Each request holds one slot while
     * it runs, so embeddings and generations share the {@code --parallel} limit and the queue.
     */
    private void embeddings(HttpExchange ex, Outcome outcome) throws IOException, InterruptedException {
        EmbeddingRequest req = parser.embeddings(parser.parseBody(readBody(ex)), model.info().embeddingLength());
        Pooling pooling = config.pooling() != null ? config.pooling() : model.pooling().orElseThrow(() -> new ApiException(400,
                "This model declares no pooling for embeddings; start the server with --pooling mean, cls or last.",
                "invalid_request_error", "input", "pooling_not_set"));
        List<int[]> inputs = new ArrayList<>();
        if (req.tokenIds() != null) inputs.addAll(req.tokenIds());
        else for (String text : req.texts()) inputs.add(model.tokenize(text, true, true));
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).length == 0) throw ApiException.invalidValue("input", "input[" + i + "] has no tokens.");
            checkContext(inputs.get(i).length, "input");
        }
        SlotPool.Ticket ticket = admit();
        List<Embedding> out = new ArrayList<>();
        try (ticket) {
            ticket.session(inputs.get(0)); // waits for a free slot; model.embed runs on a session of its own
            for (int[] ids : inputs) out.add(model.embed(ids, pooling, true));
        }
        sendJson(ex, 200, shapes.embeddings(out, req.base64()), outcome);
        served.incrementAndGet();
        int tokens = out.stream().mapToInt(Embedding::tokenCount).sum();
        outcome.note = String.format(Locale.ROOT, "embeddings %d, tokens %d, pooling %s", out.size(), tokens, pooling.name().toLowerCase(Locale.ROOT));
    }

    SlotPool.Ticket admit() {
        SlotPool.Ticket ticket = slots.tryAdmit();
        if (ticket == null) {
            throw new ApiException(429, "The server is busy: " + slots.parallel() + " request(s) running and " + slots.queue()
                    + " waiting, the most it queues (--queue " + slots.queue() + "). Retry later.", "rate_limit_error", null, "queue_full");
        }
        return ticket;
    }

    private GenerationParams params(RequestOptions o, int defaultMaxTokens) {
        try {
            return o.toParams(config.defaults(), config.seed(), defaultMaxTokens, ThreadLocalRandom.current().nextLong());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage(), null, "invalid_value");
        }
    }

    void checkContext(int tokens, String param) {
        int ctx = model.info().contextLength();
        if (tokens > ctx) {
            throw ApiException.invalid("This model's maximum context length is " + ctx + " tokens. However, your " + param
                    + " resulted in " + tokens + " tokens. Please reduce the length of the " + param + ".", param, "context_length_exceeded");
        }
    }

    private void generate(HttpExchange ex, Outcome outcome, Reading reading, int[] ids, String echo,
                          RequestOptions o, GenerationParams params) throws IOException, InterruptedException {
        boolean chat = reading != null;
        ChatPrompt chatPrompt = chat ? reading.prompt() : null;
        SlotPool.Ticket ticket = admit();
        try (ticket) {
            String id = (chat ? "chatcmpl-" : "cmpl-") + HexFormat.of().formatHex(randomBytes());
            long created = System.currentTimeMillis() / 1000;
            if (o.stream()) stream(ex, outcome, ticket, reading, ids, echo, o, params, id, created);
            else respond(ex, outcome, ticket, reading, ids, echo, params, id, created);
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[12];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    private Completion run(Session session, boolean chat, ChatPrompt chatPrompt, int[] ids, GenerationParams params, TokenListener l) {
        try {
            return chat ? session.generate(chatPrompt, params, l) : session.generate(ids, params, l);
        } catch (ContextOverflowException e) {
            throw ApiException.invalid(e.getMessage(), chat ? "messages" : "prompt", "context_length_exceeded");
        }
    }

    private void stream(HttpExchange ex, Outcome outcome, SlotPool.Ticket ticket, Reading reading, int[] ids,
                        String echo, RequestOptions o, GenerationParams params, String id, long created) throws IOException, InterruptedException {
        boolean chat = reading != null;
        ChatPrompt chatPrompt = chat ? reading.prompt() : null;
        SseWriter sse = new SseWriter(startStream(ex, outcome, "text/event-stream; charset=utf-8"), json);
        Session session = ticket.session(chat ? chatPrompt.tokenIds() : ids);
        boolean[] gone = {false};
        try {
            if (chat) sse.event(shapes.chatChunk(id, created, "assistant", "", null));
            else if (echo != null) sse.event(shapes.textChunk(id, created, echo, null));
        } catch (IOException e) {
            clientGone(outcome, null);
            return;
        }
        TokenListener hook = tokenHook;
        // A reply read for tool calls is sent when it is complete (a call is only known once it
        // is); meanwhile SSE comments, throttled, notice a client that has gone.
        boolean holdBack = chat && reading.holdsBack();
        // Otherwise thinking streams as reasoning_content deltas, the rest as content.
        ReasoningStream thinking = chat && reading.separateReasoning() && !holdBack
                ? new ReasoningStream(ReasoningStream.opensThinking(chatPrompt.text())) : null;
        long[] lastKeepAlive = {System.nanoTime()};
        // Log-probabilities ride on the next chunk that goes out (a token may add no text yet).
        StreamedLogprobs logprobs = params.logprobs() >= 0 ? new StreamedLogprobs(chat) : null;
        Completion c;
        try {
            c = run(session, chat, chatPrompt, ids, params, new TokenListener() {
                @Override public void onLogprobs(TokenLogprobs lp) {
                    logprobs.pending.add(lp);
                }

                @Override public Action onToken(String piece, int tokenId) {
                    if (hook != null) hook.onToken(piece, tokenId);
                    if (gone[0]) return Action.STOP;
                    try {
                        if (holdBack) {
                            if (System.nanoTime() - lastKeepAlive[0] > 500_000_000L) {
                                sse.keepAlive();
                                lastKeepAlive[0] = System.nanoTime();
                            }
                        } else if (thinking != null) {
                            sendPieces(sse, thinking.push(piece), id, created, logprobs);
                        } else if (!piece.isEmpty()) {
                            sse.event(withLogprobs(chat ? shapes.chatChunk(id, created, null, piece, null) : shapes.textChunk(id, created, piece, null), logprobs));
                        }
                        return Action.CONTINUE;
                    } catch (IOException e) {
                        gone[0] = true;
                        return Action.STOP;
                    }
                }
            });
        } catch (RuntimeException e) { // the 200 status is sent: the error becomes the last event
            ApiException err = e instanceof ApiException a ? a
                    : new ApiException(500, e instanceof JllmException ? e.getMessage() : "internal error: " + e, "server_error", null, null);
            failed.incrementAndGet();
            outcome.note = "error: " + e.getMessage();
            sse.event(shapes.error(err));
            sse.done();
            return;
        }
        if (gone[0]) {
            clientGone(outcome, c);
            return;
        }
        String finish = OpenAiJson.finishReason(c.finishReason());
        try {
            if (thinking != null) sendPieces(sse, thinking.flush(), id, created, logprobs);
            if (holdBack) {
                AssistantReply reply = reading.read(c.text());
                if (!reply.reasoning().isEmpty()) sse.event(withLogprobs(shapes.chatReasoningChunk(id, created, reply.reasoning()), logprobs));
                if (!reply.content().isEmpty()) sse.event(withLogprobs(shapes.chatChunk(id, created, null, reply.content(), null), logprobs));
                if (!reply.toolCalls().isEmpty()) {
                    sse.event(shapes.chatToolCallsChunk(id, created, reply.toolCalls()));
                    finish = "tool_calls";
                }
            }
            sse.event(withLogprobs(chat ? shapes.chatChunk(id, created, null, null, finish) : shapes.textChunk(id, created, "", finish), logprobs));
            if (o.includeUsage()) sse.event(shapes.usageChunk(id, chat ? "chat.completion.chunk" : "text_completion", created, c));
            sse.done();
        } catch (IOException e) {
            clientGone(outcome, c);
            return;
        }
        served.incrementAndGet();
        outcome.note = describe(c, true);
    }

    private void respond(HttpExchange ex, Outcome outcome, SlotPool.Ticket ticket, Reading reading, int[] ids,
                         String echo, GenerationParams params, String id, long created) throws IOException, InterruptedException {
        boolean chat = reading != null;
        ChatPrompt chatPrompt = chat ? reading.prompt() : null;
        Session session = ticket.session(chat ? chatPrompt.tokenIds() : ids);
        Heartbeat beat = new Heartbeat(ex, outcome);
        TokenListener hook = tokenHook;
        Completion c = run(session, chat, chatPrompt, ids, params, (piece, tokenId) -> {
            if (hook != null) hook.onToken(piece, tokenId);
            return beat.beat() ? TokenListener.Action.CONTINUE : TokenListener.Action.STOP;
        });
        if (beat.gone) {
            clientGone(outcome, c);
            return;
        }
        String text = echo != null ? echo + c.text() : c.text();
        ObjectNode body = !chat ? shapes.textCompletion(id, created, text, c)
                : reading.parses() ? shapes.chatCompletion(id, created, reading.read(text), c)
                : shapes.chatCompletion(id, created, text, c);
        if (params.logprobs() >= 0) {
            ObjectNode choice = (ObjectNode) body.get("choices").get(0);
            choice.set("logprobs", chat ? shapes.chatLogprobs(c.logprobs(), model::tokenBytes) : shapes.completionLogprobs(c, echo != null, model::tokenBytes));
        }
        try {
            if (outcome.headersSent) {
                OutputStream out = ex.getResponseBody();
                out.write(json.writeValueAsBytes(body));
                out.flush();
            } else {
                sendJson(ex, 200, body, outcome);
            }
        } catch (IOException e) {
            clientGone(outcome, c);
            return;
        }
        served.incrementAndGet();
        outcome.note = describe(c, false);
    }

    void clientGone(Outcome outcome, Completion c) {
        cancelled.incrementAndGet();
        outcome.note = "client gone, generation cancelled" + (c == null ? " before it started" : " after " + c.generatedTokens() + " tokens");
    }

    private void sendPieces(SseWriter sse, List<ReasoningStream.Piece> pieces, String id, long created, StreamedLogprobs logprobs) throws IOException {
        for (ReasoningStream.Piece p : pieces) {
            sse.event(withLogprobs(p.reasoning() ? shapes.chatReasoningChunk(id, created, p.text()) : shapes.chatChunk(id, created, null, p.text(), null), logprobs));
        }
    }

    /** The log-probabilities of streamed tokens not yet sent, and the text offsets so far (completions). */
    private static final class StreamedLogprobs {
        final boolean chat;
        final List<TokenLogprobs> pending = new ArrayList<>();
        final OpenAiJson.Utf8Offsets offsets = new OpenAiJson.Utf8Offsets();

        StreamedLogprobs(boolean chat) {
            this.chat = chat;
        }
    }

    /** A chunk carrying the log-probabilities of the tokens since the last chunk (none without logprobs). */
    private ObjectNode withLogprobs(ObjectNode chunk, StreamedLogprobs logprobs) {
        if (logprobs == null || logprobs.pending.isEmpty()) return chunk;
        ObjectNode choice = (ObjectNode) chunk.get("choices").get(0);
        choice.set("logprobs", logprobs.chat ? shapes.chatLogprobs(logprobs.pending, model::tokenBytes)
                : shapes.completionLogprobs(logprobs.pending, null, logprobs.offsets, model::tokenBytes));
        logprobs.pending.clear();
        return chunk;
    }

    /** Whether the reply to this prompt is read for tool calls (tools given, and tool_choice not none). */
    private static boolean readsToolCalls(ChatPrompt prompt) {
        return prompt.toolCalling() != null && prompt.toolCalling().choice().mode() != ToolChoice.Mode.NONE;
    }

    static String describe(Completion c, boolean stream) {
        return String.format(Locale.ROOT, "%sprompt %d (cached %d), completion %d, finish %s, %.0f tok/s",
                stream ? "stream, " : "", c.promptTokens(), c.promptTokens() - c.timings().promptTokens(), c.generatedTokens(),
                c.finishReason().jsonName(), c.timings().generationTokensPerSecond());
    }

    /**
     * Non-streaming responses: once the generation has taken {@code heartbeatAfterNanos}, commits
     * a 200 response and writes a space every {@code heartbeatEveryNanos}, to learn whether the
     * client is still there.
     */
    private final class Heartbeat {
        private final HttpExchange ex;
        private final Outcome outcome;
        private final long start = System.nanoTime();
        private final long after = heartbeatAfterNanos, every = heartbeatEveryNanos;
        private long last;
        boolean gone;

        Heartbeat(HttpExchange ex, Outcome outcome) {
            this.ex = ex;
            this.outcome = outcome;
        }

        /** False when the client has gone. */
        boolean beat() {
            if (gone) return false;
            long now = System.nanoTime();
            if (now - start < after || (outcome.headersSent && now - last < every)) return true;
            last = now;
            try {
                if (!outcome.headersSent) {
                    ex.getResponseHeaders().set("Content-Type", "application/json");
                    ex.sendResponseHeaders(200, 0);
                    outcome.headersSent = true;
                    outcome.status = 200;
                }
                OutputStream out = ex.getResponseBody();
                out.write(' ');
                out.flush();
                return true;
            } catch (IOException e) {
                gone = true;
                return false;
            }
        }
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
