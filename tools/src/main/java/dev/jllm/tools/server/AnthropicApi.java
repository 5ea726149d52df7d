package dev.jllm.tools.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import dev.jllm.AssistantReply;
import dev.jllm.ChatMessage;
import dev.jllm.ChatPrompt;
import dev.jllm.Completion;
import dev.jllm.ContextOverflowException;
import dev.jllm.FinishReason;
import dev.jllm.GenerationParams;
import dev.jllm.JllmException;
import dev.jllm.Model;
import dev.jllm.ReplyStream;
import dev.jllm.TokenListener;
import dev.jllm.Tool;
import dev.jllm.ToolCall;
import dev.jllm.ToolChoice;
import dev.jllm.ToolsNotSupportedException;

/**
 * Anthropic's Messages API beside OpenAI's, for clients built on it (Anthropic's SDKs, and tools
 * such as Claude Code pointed at a local model): {@code POST /v1/messages} (plain, or streamed as
 * Anthropic's named server-sent events) and {@code POST /v1/messages/count_tokens}.
 *
 * <p>Mapped onto the engine as the other endpoints are: {@code system}, {@code messages} with
 * text, {@code tool_use} (assistant) and {@code tool_result} (user) blocks; {@code tools}
 * ({@code input_schema}) and {@code tool_choice} (auto, any, a named tool, none);
 * {@code max_tokens} (required, as Anthropic requires it), {@code stop_sequences},
 * {@code temperature}, {@code top_p}, {@code top_k}; {@code thinking} disabled sets the
 * template's {@code enable_thinking} false, and thinking comes back as {@code thinking} blocks.
 * Images, documents and server tools are refused. Errors are Anthropic's
 * {@code {"type": "error", "error": {"type", "message"}}}.
 */
final class AnthropicApi extends ProtocolApi {
    AnthropicApi(OpenAiServer server, Model model, OpenAiServer.Config config, ObjectMapper json) {
        super(server, model, config, json);
    }

    /** Anthropic's error body; the error type follows the status as Anthropic's does. */
    static ObjectNode error(ObjectMapper json, ApiException e) {
        ObjectNode o = json.createObjectNode();
        o.put("type", "error");
        ObjectNode err = o.putObject("error");
        err.put("type", switch (e.status) {
            case 400, 413 -> "invalid_request_error";
            case 404 -> "not_found_error";
            case 405 -> "invalid_request_error";
            case 429 -> "rate_limit_error";
            default -> "api_error";
        });
        err.put("message", e.getMessage());
        return o;
    }

    void route(HttpExchange ex, String method, String path, OpenAiServer.Outcome outcome) throws IOException, InterruptedException {
        OpenAiServer.requireMethod(method, "POST", path);
        JsonNode body = body(ex);
        boolean counting = path.endsWith("/count_tokens");
        Request req = request(body, !counting);
        if (counting) {
            server.sendJson(ex, 200, json.createObjectNode().put("input_tokens", req.prompt.tokenCount()), outcome);
            return;
        }
        server.checkContext(req.prompt.tokenCount(), "messages");
        if (RequestParser.bool(body, "stream", "stream", false)) stream(ex, req, outcome);
        else respond(ex, req, outcome);
    }

    private JsonNode body(HttpExchange ex) throws IOException {
        return RequestParser.parseBody(json, OpenAiServer.readBody(ex));
    }

    /** A validated request: the rendered prompt, the generation parameters, the model name to echo and the stop sequences. */
    private record Request(ChatPrompt prompt, GenerationParams params, String model, List<String> stops) {}

    /** @param generating whether the request generates (then max_tokens is required, as Anthropic requires it) or only counts */
    private Request request(JsonNode body, boolean generating) {
        String modelName = RequestParser.string(body, "model", "model");
        if (modelName == null) throw ApiException.missing("model");
        Integer maxTokens = RequestParser.integer(body, "max_tokens", 1, Integer.MAX_VALUE);
        List<ChatMessage> messages = new ArrayList<>();
        JsonNode system = body.get("system");
        if (system != null && !system.isNull()) {
            String text = text(system, "system");
            if (!text.isEmpty()) messages.add(ChatMessage.system(text));
        }
        JsonNode msgs = body.get("messages");
        if (msgs == null || !msgs.isArray() || msgs.isEmpty()) throw ApiException.invalid("'messages' must be a non-empty array.", "messages", null);
        for (int i = 0; i < msgs.size(); i++) messages.addAll(messages(msgs.get(i), "messages." + i));
        List<Tool> tools = tools(body.get("tools"));
        ToolChoice choice = toolChoice(body.get("tool_choice"), tools);
        Map<String, Object> templateArguments = Map.of();
        JsonNode thinking = body.get("thinking");
        if (thinking != null && thinking.isObject() && "disabled".equals(thinking.path("type").asText())) {
            templateArguments = Map.of("enable_thinking", false);
        }
        ChatPrompt prompt;
        try {
            prompt = model.chatPrompt(messages, tools, choice, templateArguments);
        } catch (ToolsNotSupportedException e) {
            throw ApiException.invalid(e.getMessage() + ".", "tools", "tools_not_supported");
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage() + ".", "tools", null);
        } catch (JllmException e) {
            throw ApiException.invalid("The chat template cannot render these messages: " + e.getMessage(), "messages", "template_error");
        }
        GenerationParams.Builder b = config.defaults().toBuilder();
        b.seed(config.seed() != null ? config.seed() : ThreadLocalRandom.current().nextLong());
        if (maxTokens == null && generating) throw ApiException.missing("max_tokens");
        if (maxTokens != null) b.maxTokens(maxTokens);
        Double d;
        if ((d = RequestParser.number(body, "temperature", 0, 1)) != null) b.temperature(d);
        if ((d = RequestParser.number(body, "top_p", 0, 1)) != null) b.topP(d);
        Integer k = RequestParser.integer(body, "top_k", 0, Integer.MAX_VALUE);
        if (k != null) b.topK(k);
        List<String> stops = new ArrayList<>();
        JsonNode ss = body.get("stop_sequences");
        if (ss != null && !ss.isNull()) {
            if (!ss.isArray()) throw ApiException.invalidType("stop_sequences", "an array of strings", RequestParser.kind(ss));
            for (JsonNode s : ss) {
                if (!s.isTextual() || s.asText().isEmpty()) throw ApiException.invalidValue("stop_sequences", "Stop sequences must be non-empty strings.");
                stops.add(s.asText());
            }
            b.stopStrings(stops);
        }
        try {
            return new Request(prompt, b.build(), modelName, stops);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage(), null, "invalid_value");
        }
    }

    /** A string, or an array of text blocks, as text. */
    private static String text(JsonNode v, String where) {
        if (v.isTextual()) return v.asText();
        if (!v.isArray()) throw ApiException.invalidType(where, "a string or an array of text blocks", RequestParser.kind(v));
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < v.size(); i++) {
            JsonNode block = v.get(i);
            String type = block.path("type").asText();
            if (!type.equals("text")) throw ApiException.unsupported(where + "." + i + ".type", "Content blocks of type '" + type + "' are not supported here; only 'text'.");
            out.append(block.path("text").asText());
        }
        return out.toString();
    }

    /**
     * One Anthropic message as the conversation's messages: a user message's {@code tool_result}
     * blocks become tool messages (before its text), an assistant message's {@code tool_use}
     * blocks its tool calls; thinking blocks of earlier turns are dropped (templates drop past
     * thinking anyway).
     */
    private List<ChatMessage> messages(JsonNode m, String where) {
        if (!m.isObject()) throw ApiException.invalidType(where, "an object", RequestParser.kind(m));
        String role = RequestParser.string(m, "role", where + ".role");
        if (!"user".equals(role) && !"assistant".equals(role)) throw ApiException.invalidValue(where + ".role", "'" + role + "' is not 'user' or 'assistant'.");
        JsonNode content = m.get("content");
        if (content == null || content.isNull()) throw ApiException.missing(where + ".content");
        if (content.isTextual()) return List.of(new ChatMessage(role, content.asText()));
        if (!content.isArray()) throw ApiException.invalidType(where + ".content", "a string or an array of content blocks", RequestParser.kind(content));
        List<ChatMessage> out = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < content.size(); i++) {
            JsonNode block = content.get(i);
            String at = where + ".content." + i;
            String type = block.path("type").asText();
            switch (type) {
                case "text" -> text.append(block.path("text").asText());
                case "tool_use" -> {
                    if (!role.equals("assistant")) throw ApiException.invalidValue(at, "tool_use blocks belong to assistant messages.");
                    JsonNode input = block.get("input");
                    calls.add(new ToolCall(block.path("id").asText(), block.path("name").asText(),
                            input == null || input.isNull() ? "{}" : input.toString()));
                }
                case "tool_result" -> {
                    if (!role.equals("user")) throw ApiException.invalidValue(at, "tool_result blocks belong to user messages.");
                    JsonNode c = block.get("content");
                    out.add(ChatMessage.tool(block.path("tool_use_id").asText(), c == null || c.isNull() ? "" : text(c, at + ".content")));
                }
                case "thinking", "redacted_thinking" -> { }
                default -> throw ApiException.unsupported(at + ".type", "Content blocks of type '" + type + "' are not supported: jllm runs text models.");
            }
        }
        if (role.equals("assistant")) out.add(new ChatMessage("assistant", text.toString(), calls, null));
        else if (!text.isEmpty() || out.isEmpty()) out.add(ChatMessage.user(text.toString()));
        return out;
    }

    private static List<Tool> tools(JsonNode t) {
        if (t == null || t.isNull()) return List.of();
        if (!t.isArray()) throw ApiException.invalidType("tools", "an array", RequestParser.kind(t));
        List<Tool> out = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            JsonNode tool = t.get(i);
            String type = tool.path("type").asText("custom");
            if (!type.equals("custom") && !type.isEmpty()) {
                throw ApiException.unsupported("tools." + i + ".type", "Server tools ('" + type + "') are not supported; only custom tools with an input_schema.");
            }
            JsonNode schema = tool.get("input_schema");
            try {
                out.add(new Tool(tool.path("name").asText(), tool.path("description").asText(""),
                        schema == null || schema.isNull() ? null : schema.toString()));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalidValue("tools." + i, e.getMessage() + ".");
            }
        }
        return out;
    }

    /** {@code tool_choice}: auto (the default), any (some tool), tool (the named one), none. */
    private static ToolChoice toolChoice(JsonNode c, List<Tool> tools) {
        if (c == null || c.isNull()) return ToolChoice.auto();
        String type = c.path("type").asText();
        ToolChoice choice = switch (type) {
            case "auto" -> ToolChoice.auto();
            case "none" -> ToolChoice.none();
            case "any" -> ToolChoice.required();
            case "tool" -> ToolChoice.function(c.path("name").asText());
            default -> throw ApiException.invalidValue("tool_choice.type", "'" + type + "' is not one of auto, any, tool, none.");
        };
        if (choice.forced() && tools.isEmpty()) throw ApiException.invalidValue("tool_choice", "tool_choice '" + type + "' needs tools.");
        return choice;
    }

    // ---- answers ----

    private void respond(HttpExchange ex, Request req, OpenAiServer.Outcome outcome) throws IOException, InterruptedException {
        Completion c;
        try (SlotPool.Ticket ticket = server.admit()) {
            c = generate(ticket.session(req.prompt.tokenIds()), req, TokenListener.NONE);
        }
        AssistantReply reply = req.prompt.parseReply(c.text());
        ObjectNode o = envelope(req.model);
        ArrayNode content = o.putArray("content");
        if (!reply.reasoning().isEmpty()) content.addObject().put("type", "thinking").put("thinking", reply.reasoning()).put("signature", "");
        if (!reply.content().isEmpty() || reply.toolCalls().isEmpty()) content.addObject().put("type", "text").put("text", reply.content());
        for (ToolCall call : reply.toolCalls()) content.add(toolUse(call));
        String stopSequence = stopSequence(req, c);
        o.put("stop_reason", stopReason(c, reply, stopSequence));
        if (stopSequence == null) o.putNull("stop_sequence");
        else o.put("stop_sequence", stopSequence);
        o.set("usage", usage(c.promptTokens(), c.generatedTokens()));
        server.sendJson(ex, 200, o, outcome);
        server.served.incrementAndGet();
        outcome.note = "anthropic, " + OpenAiServer.describe(c, false);
    }

    /**
     * Anthropic's event stream: message_start; per content block (thinking, text, each tool use)
     * content_block_start, its deltas, content_block_stop; message_delta with the stop reason and
     * the output tokens; message_stop. Text streams except where a tool use may begin; tool uses
     * are known only at the end.
     */
    private void stream(HttpExchange ex, Request req, OpenAiServer.Outcome outcome) throws IOException, InterruptedException {
        try (SlotPool.Ticket ticket = server.admit()) {
            var session = ticket.session(req.prompt.tokenIds());
            SseWriter sse = new SseWriter(OpenAiServer.startStream(ex, outcome, "text/event-stream; charset=utf-8"), json);
            ObjectNode start = json.createObjectNode().put("type", "message_start");
            ObjectNode message = envelope(req.model);
            message.putArray("content");
            message.putNull("stop_reason");
            message.putNull("stop_sequence");
            message.set("usage", usage(req.prompt.tokenCount(), 0));
            start.set("message", message);
            Blocks blocks = new Blocks(sse);
            // Thinking and text go out as they come; text that may begin a tool call waits for the end.
            ReplyStream parts = req.prompt.replyStream(true);
            boolean[] gone = {false};
            PromptWatch watch = PromptWatch.overSse(session, server, sse);
            Completion c;
            try {
                sse.event("message_start", start);
                c = generate(session, req, new TokenListener() {
                    @Override public Action onToken(String piece, int id) {
                        if (gone[0]) return Action.STOP;
                        if (piece.isEmpty()) return Action.CONTINUE;
                        try {
                            for (ReplyStream.Part p : parts.push(piece)) blocks.text(p.kind() == ReplyStream.Kind.REASONING, p.text());
                            return Action.CONTINUE;
                        } catch (IOException e) {
                            gone[0] = true;
                            return Action.STOP;
                        }
                    }

                    @Override public void onPromptProgress(int evaluated, int total) {
                        watch.chunkDone();
                    }
                });
                if (gone[0] || watch.gone()) {
                    server.clientGone(outcome, c);
                    return;
                }
                ReplyStream.End end = parts.finish();
                for (ReplyStream.Part p : end.parts()) blocks.text(p.kind() == ReplyStream.Kind.REASONING, p.text());
                for (ToolCall call : end.toolCalls()) blocks.toolUse(call);
                AssistantReply reply = new AssistantReply("", end.toolCalls());
                blocks.close();
                String stopSequence = stopSequence(req, c);
                ObjectNode delta = json.createObjectNode().put("type", "message_delta");
                delta.putObject("delta").put("stop_reason", stopReason(c, reply, stopSequence)).put("stop_sequence", stopSequence);
                delta.putObject("usage").put("output_tokens", c.generatedTokens());
                sse.event("message_delta", delta);
                sse.event("message_stop", json.createObjectNode().put("type", "message_stop"));
            } catch (ApiException e) { // the 200 is sent: the error is the last event
                sse.event("error", error(json, e));
                outcome.note = "error: " + e.getMessage();
                return;
            } catch (IOException e) {
                outcome.note = "client gone: " + e.getMessage();
                return;
            }
            server.served.incrementAndGet();
            outcome.note = "anthropic, " + OpenAiServer.describe(c, true);
        }
    }

    /** The content blocks of a streamed message, opened and closed as the text changes kind. */
    private final class Blocks {
        private final SseWriter sse;
        private int index = -1;
        private String open; // "text", "thinking" or null

        Blocks(SseWriter sse) {
            this.sse = sse;
        }

        void text(boolean reasoning, String text) throws IOException {
            if (text.isEmpty()) return;
            String kind = reasoning ? "thinking" : "text";
            if (!kind.equals(open)) {
                close();
                open = kind;
                ObjectNode start = json.createObjectNode().put("type", "content_block_start").put("index", ++index);
                ObjectNode block = start.putObject("content_block").put("type", kind).put(kind, "");
                if (reasoning) block.put("signature", "");
                sse.event("content_block_start", start);
            }
            ObjectNode delta = json.createObjectNode().put("type", "content_block_delta").put("index", index);
            delta.putObject("delta").put("type", reasoning ? "thinking_delta" : "text_delta").put(kind, text);
            sse.event("content_block_delta", delta);
        }

        void toolUse(ToolCall call) throws IOException {
            close();
            ObjectNode start = json.createObjectNode().put("type", "content_block_start").put("index", ++index);
            ObjectNode block = start.putObject("content_block").put("type", "tool_use").put("id", call.id()).put("name", call.name());
            block.putObject("input");
            sse.event("content_block_start", start);
            ObjectNode delta = json.createObjectNode().put("type", "content_block_delta").put("index", index);
            delta.putObject("delta").put("type", "input_json_delta").put("partial_json", call.arguments());
            sse.event("content_block_delta", delta);
            sse.event("content_block_stop", json.createObjectNode().put("type", "content_block_stop").put("index", index));
        }

        void close() throws IOException {
            if (open == null) return;
            sse.event("content_block_stop", json.createObjectNode().put("type", "content_block_stop").put("index", index));
            open = null;
        }
    }

    private Completion generate(dev.jllm.Session session, Request req, TokenListener l) {
        try {
            return session.generate(req.prompt, req.params, l);
        } catch (ContextOverflowException e) {
            throw ApiException.invalid(e.getMessage(), "messages", "context_length_exceeded");
        }
    }

    private ObjectNode envelope(String modelName) {
        ObjectNode o = json.createObjectNode();
        o.put("id", "msg_" + HexFormat.of().formatHex(randomBytes()));
        o.put("type", "message");
        o.put("role", "assistant");
        o.put("model", modelName);
        return o;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[12];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    private ObjectNode toolUse(ToolCall call) {
        ObjectNode b = json.createObjectNode().put("type", "tool_use").put("id", call.id()).put("name", call.name());
        try {
            b.set("input", json.readTree(call.arguments()));
        } catch (IOException e) {
            throw new IllegalStateException("a tool call's arguments are not JSON: " + call.arguments(), e);
        }
        return b;
    }

    private ObjectNode usage(int input, int output) {
        return json.createObjectNode().put("input_tokens", input).put("output_tokens", output);
    }

    /** Anthropic's stop reasons: tool_use, max_tokens, stop_sequence, else end_turn. */
    private static String stopReason(Completion c, AssistantReply reply, String stopSequence) {
        if (!reply.toolCalls().isEmpty()) return "tool_use";
        if (c.finishReason() == FinishReason.LENGTH) return "max_tokens";
        return stopSequence != null ? "stop_sequence" : "end_turn";
    }

    /**
     * Which stop sequence ended the reply, if one did: the generated tokens spell the text, then
     * the stop sequence (the text returned ends before it).
     */
    private String stopSequence(Request req, Completion c) {
        if (c.finishReason() != FinishReason.STOP || req.stops.isEmpty()) return null;
        String all = model.detokenize(c.tokenIds());
        int at = all.indexOf(c.text());
        String after = at < 0 ? "" : all.substring(at + c.text().length());
        for (String s : req.stops) if (after.startsWith(s)) return s;
        return null;
    }
}
