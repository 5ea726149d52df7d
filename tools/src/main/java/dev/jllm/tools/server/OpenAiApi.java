package dev.jllm.tools.server;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import dev.jllm.AssistantReply;
import dev.jllm.ChatPrompt;
import dev.jllm.Completion;
import dev.jllm.ContextOverflowException;
import dev.jllm.Embedding;
import dev.jllm.GenerationParams;
import dev.jllm.JllmException;
import dev.jllm.Model;
import dev.jllm.Pooling;
import dev.jllm.ReplyStream;
import dev.jllm.Session;
import dev.jllm.TokenListener;
import dev.jllm.TokenLogprobs;
import dev.jllm.ToolChoice;
import dev.jllm.ToolsNotSupportedException;

/**
 * OpenAI's API on the server: {@code POST /v1/chat/completions} and {@code /v1/completions}
 * (plain, or streamed as server-sent events ending with {@code data: [DONE]}) and
 * {@code /v1/embeddings}. Requests are read by {@link RequestParser}, answers shaped by
 * {@link OpenAiJson}; the HTTP shell, the slots and the log are {@link OpenAiServer}'s.
 *
 * <p>Client disconnects: a streaming generation stops at the first event that cannot be
 * written. A non-streaming response that takes longer than a second commits its 200 status and
 * then writes a space every half second (JSON allows leading whitespace) until the body is ready;
 * a failed write cancels the generation the same way.
 */
final class OpenAiApi extends ProtocolApi {
    private final OpenAiJson shapes;
    private final RequestParser parser;

    OpenAiApi(OpenAiServer server, Model model, OpenAiServer.Config config, ObjectMapper json, OpenAiJson shapes) {
        super(server, model, config, json);
        this.shapes = shapes;
        this.parser = new RequestParser(json, model.info().vocabularySize());
    }


    void chat(HttpExchange ex, OpenAiServer.Outcome outcome) throws IOException, InterruptedException {
        ChatRequest req = parser.chat(parser.parseBody(OpenAiServer.readBody(ex)));
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
        server.checkContext(prompt.tokenCount(), "messages");
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

        AssistantReply read(String text) {
            if (separateReasoning) return prompt.parseReply(text);
            return readsToolCalls(prompt) ? prompt.toolCalling().parse(text) : new AssistantReply(text, List.of());
        }
    }

    void completions(HttpExchange ex, OpenAiServer.Outcome outcome) throws IOException, InterruptedException {
        CompletionRequest req = parser.completion(parser.parseBody(OpenAiServer.readBody(ex)));
        int[] ids = req.promptIds() != null ? req.promptIds() : model.tokenize(req.prompt(), true, false);
        if (ids.length == 0) throw ApiException.invalidValue("prompt", "the prompt has no tokens.");
        server.checkContext(ids.length, "prompt");
        String echo = !req.echo() ? null : req.prompt() != null ? req.prompt() : model.detokenize(ids);
        GenerationParams params = params(req.options(), config.completionMaxTokens());
        generate(ex, outcome, null, ids, echo, req.options(), params);
    }

    /**
     * Embeddings of every input, pooled as the model file declares (or as {@code --pooling}
     * says) and normalized, as llama.cpp's server gives them. Each request holds one slot while
     * it runs, so embeddings and generations share the {@code --parallel} limit and the queue.
     */
    void embeddings(HttpExchange ex, OpenAiServer.Outcome outcome) throws IOException, InterruptedException {
        EmbeddingRequest req = parser.embeddings(parser.parseBody(OpenAiServer.readBody(ex)), model.info().embeddingLength());
        Pooling pooling = config.pooling() != null ? config.pooling() : model.pooling().orElseThrow(() -> new ApiException(400,
                "This model declares no pooling for embeddings; start the server with --pooling mean, cls or last.",
                "invalid_request_error", "input", "pooling_not_set"));
        List<int[]> inputs = new ArrayList<>();
        if (req.tokenIds() != null) inputs.addAll(req.tokenIds());
        else for (String text : req.texts()) inputs.add(model.tokenize(text, true, true));
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).length == 0) throw ApiException.invalidValue("input", "input[" + i + "] has no tokens.");
            server.checkContext(inputs.get(i).length, "input");
        }
        SlotPool.Ticket ticket = server.admit();
        List<Embedding> out = new ArrayList<>();
        try (ticket) {
            ticket.session(inputs.get(0)); // waits for a free slot; model.embed runs on a session of its own
            for (int[] ids : inputs) out.add(model.embed(ids, pooling, true));
        }
        server.sendJson(ex, 200, shapes.embeddings(out, req.base64()), outcome);
        server.served.incrementAndGet();
        int tokens = out.stream().mapToInt(Embedding::tokenCount).sum();
        outcome.note = String.format(Locale.ROOT, "embeddings %d, tokens %d, pooling %s", out.size(), tokens, pooling.name().toLowerCase(Locale.ROOT));
    }

    private GenerationParams params(RequestOptions o, int defaultMaxTokens) {
        try {
            return o.toParams(config.defaults(), config.seed(), defaultMaxTokens, ThreadLocalRandom.current().nextLong());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage(), null, "invalid_value");
        }
    }

    private void generate(HttpExchange ex, OpenAiServer.Outcome outcome, Reading reading, int[] ids, String echo,
                          RequestOptions o, GenerationParams params) throws IOException, InterruptedException {
        boolean chat = reading != null;
        ChatPrompt chatPrompt = chat ? reading.prompt() : null;
        SlotPool.Ticket ticket = server.admit();
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

    private void stream(HttpExchange ex, OpenAiServer.Outcome outcome, SlotPool.Ticket ticket, Reading reading, int[] ids,
                        String echo, RequestOptions o, GenerationParams params, String id, long created) throws IOException, InterruptedException {
        boolean chat = reading != null;
        ChatPrompt chatPrompt = chat ? reading.prompt() : null;
        SseWriter sse = new SseWriter(OpenAiServer.startStream(ex, outcome, "text/event-stream; charset=utf-8"), json);
        Session session = ticket.session(chat ? chatPrompt.tokenIds() : ids);
        boolean[] gone = {false};
        try {
            if (chat) sse.event(shapes.chatChunk(id, created, "assistant", "", null));
            else if (echo != null) sse.event(shapes.textChunk(id, created, echo, null));
        } catch (IOException e) {
            server.clientGone(outcome, null);
            return;
        }
        TokenListener hook = server.tokenHook;
        // Chat replies go out part by part (thinking as reasoning_content, text as content) while
        // text that may begin a tool call waits; SSE comments, throttled, notice a client that has
        // gone while nothing else is sent.
        ReplyStream parts = chat ? chatPrompt.replyStream(reading.separateReasoning()) : null;
        long[] lastWrite = {System.nanoTime()};
        // Log-probabilities ride on the next chunk that goes out (a token may add no text yet).
        StreamedLogprobs logprobs = params.logprobs() >= 0 ? new StreamedLogprobs(chat) : null;
        PromptWatch watch = PromptWatch.overSse(session, server, sse);
        Completion c;
        try {
            c = run(session, chat, chatPrompt, ids, params, new TokenListener() {
                @Override public void onLogprobs(TokenLogprobs lp) {
                    logprobs.pending.add(lp);
                }

                @Override public void onPromptProgress(int evaluated, int total) {
                    watch.chunkDone();
                }

                @Override public Action onToken(String piece, int tokenId) {
                    if (hook != null) hook.onToken(piece, tokenId);
                    if (gone[0]) return Action.STOP;
                    try {
                        if (parts != null) {
                            List<ReplyStream.Part> out = parts.push(piece);
                            if (!out.isEmpty()) {
                                sendParts(sse, out, id, created, logprobs);
                                lastWrite[0] = System.nanoTime();
                            } else if (System.nanoTime() - lastWrite[0] > 500_000_000L) {
                                sse.keepAlive();
                                lastWrite[0] = System.nanoTime();
                            }
                        } else if (!piece.isEmpty()) {
                            sse.event(withLogprobs(shapes.textChunk(id, created, piece, null), logprobs));
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
            server.failed.incrementAndGet();
            outcome.note = "error: " + e.getMessage();
            sse.event(shapes.error(err));
            sse.done();
            return;
        }
        if (gone[0] || watch.gone()) {
            server.clientGone(outcome, c);
            return;
        }
        String finish = OpenAiJson.finishReason(c.finishReason());
        try {
            if (parts != null) {
                ReplyStream.End end = parts.finish();
                sendParts(sse, end.parts(), id, created, logprobs);
                if (!end.toolCalls().isEmpty()) {
                    sse.event(shapes.chatToolCallsChunk(id, created, end.toolCalls()));
                    finish = "tool_calls";
                }
            }
            sse.event(withLogprobs(chat ? shapes.chatChunk(id, created, null, null, finish) : shapes.textChunk(id, created, "", finish), logprobs));
            if (o.includeUsage()) sse.event(shapes.usageChunk(id, chat ? "chat.completion.chunk" : "text_completion", created, c));
            sse.done();
        } catch (IOException e) {
            server.clientGone(outcome, c);
            return;
        }
        server.served.incrementAndGet();
        outcome.note = OpenAiServer.describe(c, true);
    }

    private void respond(HttpExchange ex, OpenAiServer.Outcome outcome, SlotPool.Ticket ticket, Reading reading, int[] ids,
                         String echo, GenerationParams params, String id, long created) throws IOException, InterruptedException {
        boolean chat = reading != null;
        ChatPrompt chatPrompt = chat ? reading.prompt() : null;
        Session session = ticket.session(chat ? chatPrompt.tokenIds() : ids);
        Heartbeat beat = new Heartbeat(ex, outcome);
        TokenListener hook = server.tokenHook;
        // the heartbeat beats during the prompt too: a client gone then abandons it
        PromptWatch watch = new PromptWatch(session, server, beat::beat);
        Completion c = run(session, chat, chatPrompt, ids, params, new TokenListener() {
            @Override public Action onToken(String piece, int tokenId) {
                if (hook != null) hook.onToken(piece, tokenId);
                return beat.beat() ? Action.CONTINUE : Action.STOP;
            }

            @Override public void onPromptProgress(int evaluated, int total) {
                watch.chunkDone();
            }
        });
        if (beat.gone) {
            server.clientGone(outcome, c);
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
                server.sendJson(ex, 200, body, outcome);
            }
        } catch (IOException e) {
            server.clientGone(outcome, c);
            return;
        }
        server.served.incrementAndGet();
        outcome.note = OpenAiServer.describe(c, false);
    }

    private void sendParts(SseWriter sse, List<ReplyStream.Part> parts, String id, long created, StreamedLogprobs logprobs) throws IOException {
        for (ReplyStream.Part p : parts) {
            sse.event(withLogprobs(p.kind() == ReplyStream.Kind.REASONING ? shapes.chatReasoningChunk(id, created, p.text())
                    : shapes.chatChunk(id, created, null, p.text(), null), logprobs));
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

    /**
     * Non-streaming responses: once the generation has taken {@code server.heartbeatAfterNanos}, commits
     * a 200 response and writes a space every {@code server.heartbeatEveryNanos}, to learn whether the
     * client is still there.
     */
    private final class Heartbeat {
        private final HttpExchange ex;
        private final OpenAiServer.Outcome outcome;
        private final long start = System.nanoTime();
        private final long after = server.heartbeatAfterNanos, every = server.heartbeatEveryNanos;
        private long last;
        boolean gone;

        Heartbeat(HttpExchange ex, OpenAiServer.Outcome outcome) {
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
}
