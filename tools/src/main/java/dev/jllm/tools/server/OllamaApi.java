package dev.jllm.tools.server;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
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
import dev.jllm.Embedding;
import dev.jllm.FinishReason;
import dev.jllm.GenerationParams;
import dev.jllm.JllmException;
import dev.jllm.Model;
import dev.jllm.Pooling;
import dev.jllm.ReplyStream;
import dev.jllm.TokenListener;
import dev.jllm.Tool;
import dev.jllm.ToolCall;
import dev.jllm.ToolChoice;
import dev.jllm.ToolsNotSupportedException;

/**
 * Ollama's HTTP API beside OpenAI's, for the many tools and libraries that speak it (Open WebUI,
 * the ollama npm and Python packages, Spring AI's and LangChain4j's Ollama modules):
 * {@code POST /api/chat}, {@code /api/generate}, {@code /api/embed}, {@code /api/embeddings},
 * {@code /api/show}; {@code GET /api/tags}, {@code /api/ps}, {@code /api/version}. Replies stream
 * as newline-delimited JSON unless {@code "stream": false}, as Ollama's do; the last object has
 * {@code done: true}, the finish reason and Ollama's counts and durations (nanoseconds). Errors
 * are {@code {"error": "..."}}. The one model answers to any model name (as OpenAI's endpoints
 * here do); managing models ({@code pull}, {@code create}, {@code delete}, ...) is {@code jllm}'s
 * command line, not this API: those routes answer 501.
 *
 * <p>Mapped onto the engine as the OpenAI endpoints are: {@code options} (temperature, top_k,
 * top_p, min_p, seed, num_predict, stop, repeat_penalty, repeat_last_n, presence_penalty,
 * frequency_penalty; others, such as num_ctx or num_gpu, concern how Ollama runs models and are
 * ignored), {@code format} ("json" or a JSON schema), {@code tools} (calls come back as
 * {@code message.tool_calls} with arguments as objects), {@code think} (false sets the template's
 * {@code enable_thinking}; thinking comes back as {@code message.thinking}).
 */
final class OllamaApi extends ProtocolApi {
    /** The Ollama API level these routes follow, reported by {@code /api/version} (clients check it for features). */
    static final String API_VERSION = "0.12.0";

    OllamaApi(OpenAiServer server, Model model, OpenAiServer.Config config, ObjectMapper json) {
        super(server, model, config, json);
    }

    /** Ollama's error body. */
    static ObjectNode error(ObjectMapper json, ApiException e) {
        ObjectNode o = json.createObjectNode();
        o.put("error", e.getMessage());
        return o;
    }

    void route(HttpExchange ex, String method, String path, OpenAiServer.Outcome outcome) throws IOException, InterruptedException {
        switch (path) {
            case "/api/version" -> {
                OpenAiServer.requireMethod(method, "GET", path);
                server.sendJson(ex, 200, json.createObjectNode().put("version", API_VERSION), outcome);
            }
            case "/api/tags" -> {
                OpenAiServer.requireMethod(method, "GET", path);
                ObjectNode o = json.createObjectNode();
                o.putArray("models").add(modelEntry());
                server.sendJson(ex, 200, o, outcome);
            }
            case "/api/ps" -> {
                OpenAiServer.requireMethod(method, "GET", path);
                ObjectNode o = json.createObjectNode();
                ObjectNode m = modelEntry();
                m.put("expires_at", "0001-01-01T00:00:00Z"); // loaded for as long as the server runs
                m.put("size_vram", 0);
                m.put("context_length", model.info().contextLength());
                o.putArray("models").add(m);
                server.sendJson(ex, 200, o, outcome);
            }
            case "/api/show" -> {
                OpenAiServer.requireMethod(method, "POST", path);
                server.sendJson(ex, 200, show(), outcome);
            }
            case "/api/chat" -> {
                OpenAiServer.requireMethod(method, "POST", path);
                chat(ex, body(ex), outcome);
            }
            case "/api/generate" -> {
                OpenAiServer.requireMethod(method, "POST", path);
                generate(ex, body(ex), outcome);
            }
            case "/api/embed", "/api/embeddings" -> {
                OpenAiServer.requireMethod(method, "POST", path);
                embed(ex, body(ex), path.equals("/api/embeddings"), outcome);
            }
            case "/api/pull", "/api/push", "/api/create", "/api/copy", "/api/delete", "/api/blobs" -> throw new ApiException(501,
                    "jllm serve runs one model and does not manage models over HTTP; use the command line (jllm pull, jllm list, jllm rm).",
                    "invalid_request_error", null, "not_implemented");
            default -> throw new ApiException(404, "Invalid URL (" + method + " " + path + "): the Ollama routes here are POST /api/chat, "
                    + "/api/generate, /api/embed, /api/embeddings, /api/show and GET /api/tags, /api/ps, /api/version.",
                    "invalid_request_error", null, "not_found");
        }
    }

    private JsonNode body(HttpExchange ex) throws IOException {
        return RequestParser.parseBody(json, OpenAiServer.readBody(ex));
    }

    // ---- model information ----

    private ObjectNode modelEntry() {
        ObjectNode m = json.createObjectNode();
        m.put("name", config.modelId());
        m.put("model", config.modelId());
        m.put("modified_at", Instant.ofEpochSecond(server.startedAt).toString());
        m.put("size", model.info().fileSize());
        m.set("details", details());
        return m;
    }

    private ObjectNode details() {
        ObjectNode d = json.createObjectNode();
        d.put("format", "gguf");
        d.put("family", model.info().architecture());
        d.putArray("families").add(model.info().architecture());
        d.put("parameter_size", parameterSize(model.info().parameterCount()));
        return d;
    }

    /** Ollama's way of writing a parameter count: "1.2B", "135M". */
    static String parameterSize(long n) {
        if (n >= 1_000_000_000L) return String.format(java.util.Locale.ROOT, "%.1fB", n / 1e9);
        if (n >= 1_000_000L) return String.format(java.util.Locale.ROOT, "%dM", Math.round(n / 1e6));
        return String.format(java.util.Locale.ROOT, "%dK", Math.round(n / 1e3));
    }

    private ObjectNode show() {
        ObjectNode o = json.createObjectNode();
        String template = model.info().chatTemplate();
        o.put("template", template == null ? "" : template);
        o.put("modelfile", "");
        o.put("parameters", "");
        o.set("details", details());
        ObjectNode info = o.putObject("model_info");
        String arch = model.info().architecture();
        info.put("general.architecture", arch);
        info.put("general.parameter_count", model.info().parameterCount());
        info.put(arch + ".context_length", model.info().trainedContextLength());
        info.put(arch + ".embedding_length", model.info().embeddingLength());
        info.put(arch + ".block_count", model.info().layers());
        info.put(arch + ".attention.head_count", model.info().heads());
        info.put(arch + ".attention.head_count_kv", model.info().kvHeads());
        ArrayNode caps = o.putArray("capabilities").add("completion");
        if (template != null && dev.jllm.chat.ToolCallFormat.detect(template) != null) caps.add("tools");
        if (template != null && template.contains("<think>")) caps.add("thinking");
        if (config.pooling() != null || model.pooling().isPresent()) caps.add("embedding");
        return o;
    }

    // ---- generation ----

    private void chat(HttpExchange ex, JsonNode body, OpenAiServer.Outcome outcome) throws IOException, InterruptedException {
        JsonNode msgs = body.get("messages");
        if (msgs == null || !msgs.isArray()) throw ApiException.invalid("'messages' must be an array of messages.", "messages", null);
        List<ChatMessage> messages = messages(msgs);
        if (messages.isEmpty()) { // Ollama loads the model for an empty conversation: it is loaded
            server.sendJson(ex, 200, last(json.createObjectNode(), "load", null), outcome);
            return;
        }
        List<Tool> tools = ToolsRequest.tools(body);
        Map<String, Object> templateArguments = think(body);
        ChatPrompt prompt;
        try {
            prompt = model.chatPrompt(messages, tools, ToolChoice.auto(), templateArguments);
        } catch (ToolsNotSupportedException e) {
            throw ApiException.invalid(e.getMessage() + ".", "tools", "tools_not_supported");
        } catch (IllegalArgumentException | JllmException e) {
            throw ApiException.invalid("The chat template cannot render these messages: " + e.getMessage(), "messages", "template_error");
        }
        server.checkContext(prompt.tokenCount(), "messages");
        run(ex, outcome, body, prompt, prompt.tokenIds(), true);
    }

    private void generate(HttpExchange ex, JsonNode body, OpenAiServer.Outcome outcome) throws IOException, InterruptedException {
        String text = RequestParser.string(body, "prompt", "prompt");
        for (String unsupported : new String[]{"context", "suffix", "images", "template"}) {
            JsonNode v = body.get(unsupported);
            if (v != null && !v.isNull() && !(v.isTextual() && v.asText().isEmpty()) && !(v.isArray() && v.isEmpty())) {
                throw ApiException.unsupported(unsupported, "'" + unsupported + "' is not supported here; use /api/chat for conversations.");
            }
        }
        if (text == null || text.isEmpty()) { // Ollama's way to load a model
            server.sendJson(ex, 200, last(json.createObjectNode(), "load", null), outcome);
            return;
        }
        if (RequestParser.bool(body, "raw", "raw", false)) {
            int[] ids = model.tokenize(text, true, false);
            server.checkContext(ids.length, "prompt");
            run(ex, outcome, body, null, ids, false);
            return;
        }
        // Not raw: the prompt is a user message in the model's chat template, as Ollama applies its template.
        List<ChatMessage> messages = new ArrayList<>();
        String system = RequestParser.string(body, "system", "system");
        if (system != null && !system.isEmpty()) messages.add(ChatMessage.system(system));
        messages.add(ChatMessage.user(text));
        ChatPrompt prompt;
        try {
            prompt = model.chatPrompt(messages, List.of(), ToolChoice.auto(), think(body));
        } catch (IllegalArgumentException | JllmException e) {
            throw ApiException.invalid("The chat template cannot render this prompt: " + e.getMessage(), "prompt", "template_error");
        }
        server.checkContext(prompt.tokenCount(), "prompt");
        run(ex, outcome, body, prompt, prompt.tokenIds(), false);
    }

    /**
     * Generates and answers, streamed as NDJSON lines unless {@code stream} is false. Chat lines
     * carry {@code message}, generate lines {@code response}; thinking goes to
     * {@code message.thinking} / {@code thinking}; text streams except where a tool call may
     * begin, and tool calls (known only at the end) come in the last line before {@code done}.
     */
    private void run(HttpExchange ex, OpenAiServer.Outcome outcome, JsonNode body, ChatPrompt prompt, int[] ids, boolean chat)
            throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        GenerationParams params = params(body);
        boolean stream = RequestParser.bool(body, "stream", "stream", true);
        String modelName = body.hasNonNull("model") ? body.get("model").asText() : config.modelId();
        try (SlotPool.Ticket ticket = server.admit()) {
            var session = ticket.session(ids);
            if (!stream) {
                Completion c = generate(session, prompt, ids, params, TokenListener.NONE, chat ? "messages" : "prompt");
                ObjectNode o = line(modelName);
                AssistantReply reply = prompt != null ? prompt.parseReply(c.text()) : new AssistantReply(c.text(), List.of());
                if (chat) o.set("message", message(reply.content(), reply.reasoning(), reply.toolCalls()));
                else {
                    o.put("response", reply.content());
                    if (!reply.reasoning().isEmpty()) o.put("thinking", reply.reasoning());
                }
                server.sendJson(ex, 200, finish(o, c, t0), outcome);
                server.served.incrementAndGet();
                outcome.note = "ollama, " + OpenAiServer.describe(c, false);
                return;
            }
            OutputStream out = OpenAiServer.startStream(ex, outcome, "application/x-ndjson");
            // Thinking and text go out as they come; text that may begin a tool call waits for the end.
            ReplyStream parts = prompt != null ? prompt.replyStream(true) : null;
            boolean[] gone = {false};
            Completion c;
            try {
                c = generate(session, prompt, ids, params, (piece, id) -> {
                    if (gone[0]) return TokenListener.Action.STOP;
                    if (piece.isEmpty()) return TokenListener.Action.CONTINUE;
                    try {
                        if (parts == null) write(out, piece(modelName, chat, piece, false));
                        else for (ReplyStream.Part p : parts.push(piece)) write(out, piece(modelName, chat, p.text(), p.kind() == ReplyStream.Kind.REASONING));
                        return TokenListener.Action.CONTINUE;
                    } catch (IOException e) {
                        gone[0] = true;
                        return TokenListener.Action.STOP;
                    }
                }, chat ? "messages" : "prompt");
            } catch (ApiException e) { // headers are sent: the error is the last line
                write(out, error(json, e));
                outcome.note = "error: " + e.getMessage();
                return;
            }
            if (gone[0]) {
                server.clientGone(outcome, c);
                return;
            }
            try {
                if (parts != null) {
                    ReplyStream.End end = parts.finish();
                    for (ReplyStream.Part p : end.parts()) write(out, piece(modelName, chat, p.text(), p.kind() == ReplyStream.Kind.REASONING));
                    if (!end.toolCalls().isEmpty()) {
                        ObjectNode o = line(modelName);
                        o.set("message", message("", "", end.toolCalls()));
                        o.put("done", false);
                        write(out, o);
                    }
                }
                ObjectNode last = line(modelName);
                if (chat) last.set("message", message("", "", List.of()));
                else last.put("response", "");
                write(out, finish(last, c, t0));
            } catch (IOException e) {
                server.clientGone(outcome, c);
                return;
            }
            server.served.incrementAndGet();
            outcome.note = "ollama, " + OpenAiServer.describe(c, true);
        }
    }

    private Completion generate(dev.jllm.Session session, ChatPrompt prompt, int[] ids, GenerationParams params, TokenListener l, String param) {
        try {
            return prompt != null ? session.generate(prompt, params, l) : session.generate(ids, params, l);
        } catch (ContextOverflowException e) {
            throw ApiException.invalid(e.getMessage(), param, "context_length_exceeded");
        }
    }

    private void write(OutputStream out, JsonNode line) throws IOException {
        out.write(json.writeValueAsBytes(line));
        out.write('\n');
        out.flush();
    }

    private ObjectNode line(String modelName) {
        ObjectNode o = json.createObjectNode();
        o.put("model", modelName);
        o.put("created_at", Instant.now().toString());
        return o;
    }

    private ObjectNode piece(String modelName, boolean chat, String text, boolean reasoning) {
        ObjectNode o = line(modelName);
        if (chat) o.set("message", reasoning ? message("", text, List.of()) : message(text, "", List.of()));
        else o.put(reasoning ? "thinking" : "response", text);
        o.put("done", false);
        return o;
    }

    private ObjectNode message(String content, String thinking, List<ToolCall> calls) {
        ObjectNode m = json.createObjectNode();
        m.put("role", "assistant");
        m.put("content", content);
        if (!thinking.isEmpty()) m.put("thinking", thinking);
        if (!calls.isEmpty()) {
            ArrayNode tc = m.putArray("tool_calls");
            for (ToolCall c : calls) {
                ObjectNode f = tc.addObject().putObject("function");
                f.put("name", c.name());
                try {
                    f.set("arguments", json.readTree(c.arguments())); // Ollama gives arguments as an object
                } catch (IOException e) {
                    throw new IllegalStateException("a tool call's arguments are not JSON: " + c.arguments(), e);
                }
            }
        }
        return m;
    }

    /** The last line: done, why, and Ollama's counts and durations (nanoseconds). */
    private ObjectNode finish(ObjectNode o, Completion c, long t0) {
        String reason = c.finishReason() == FinishReason.LENGTH ? "length" : "stop";
        return last(o, reason, c).put("total_duration", System.nanoTime() - t0);
    }

    private ObjectNode last(ObjectNode o, String reason, Completion c) {
        if (!o.has("model")) o.setAll(line(config.modelId()));
        o.put("done", true);
        o.put("done_reason", reason);
        if (c != null) {
            o.put("load_duration", 0);
            o.put("prompt_eval_count", c.promptTokens());
            o.put("prompt_eval_duration", c.timings().promptNanos());
            o.put("eval_count", c.generatedTokens());
            o.put("eval_duration", c.timings().generationNanos());
        }
        return o;
    }

    // ---- request fields ----

    /**
     * Ollama's messages: role, content, and for assistants {@code tool_calls} with arguments as
     * objects; tool results have no call id in Ollama's API, so the calls get ids here in order
     * ({@code call00001}, ...: 9 letters and digits, as Mistral's templates demand) and each tool
     * message answers the oldest call not yet answered.
     */
    private List<ChatMessage> messages(JsonNode msgs) {
        List<ChatMessage> out = new ArrayList<>();
        List<String> unanswered = new ArrayList<>();
        int calls = 0;
        for (int i = 0; i < msgs.size(); i++) {
            JsonNode m = msgs.get(i);
            String where = "messages[" + i + "]";
            if (!m.isObject()) throw ApiException.invalidType(where, "an object", RequestParser.kind(m));
            String role = RequestParser.string(m, "role", where + ".role");
            if (role == null) throw ApiException.missing(where + ".role");
            JsonNode images = m.get("images");
            if (images != null && !images.isNull() && !(images.isArray() && images.isEmpty())) {
                throw ApiException.unsupported(where + ".images", "Images are not supported: jllm runs text models.");
            }
            String content = RequestParser.string(m, "content", where + ".content");
            if (content == null) content = "";
            switch (role) {
                case "system", "user" -> out.add(new ChatMessage(role, content));
                case "assistant" -> {
                    List<ToolCall> tc = new ArrayList<>();
                    JsonNode calls0 = m.get("tool_calls");
                    if (calls0 != null && calls0.isArray()) {
                        for (int k = 0; k < calls0.size(); k++) {
                            JsonNode f = calls0.get(k).get("function");
                            if (f == null || !f.isObject() || !f.hasNonNull("name")) throw ApiException.missing(where + ".tool_calls[" + k + "].function.name");
                            JsonNode args = f.get("arguments");
                            String arguments = args == null || args.isNull() ? "{}" : args.isTextual() ? args.asText() : args.toString();
                            if (ToolsRequest.notAJsonObject(arguments) != null) {
                                throw ApiException.invalidValue(where + ".tool_calls[" + k + "].function.arguments", "The arguments must be a JSON object.");
                            }
                            String id = String.format("call%05d", ++calls);
                            tc.add(new ToolCall(id, f.get("name").asText(), arguments));
                            unanswered.add(id);
                        }
                    }
                    out.add(new ChatMessage("assistant", content, tc, null));
                }
                case "tool" -> {
                    if (unanswered.isEmpty()) throw ApiException.invalidValue(where, "A tool message must follow an assistant message with tool_calls.");
                    out.add(ChatMessage.tool(unanswered.removeFirst(), content));
                }
                default -> throw ApiException.invalidValue(where + ".role", "'" + role + "' is not one of system, user, assistant, tool.");
            }
        }
        return out;
    }

    /** {@code think: false} turns the template's thinking off ({@code enable_thinking}); true or absent leaves it on. */
    private static Map<String, Object> think(JsonNode body) {
        JsonNode t = body.get("think");
        if (t == null || t.isNull()) return Map.of();
        if (!t.isBoolean()) throw ApiException.invalidType("think", "a boolean", RequestParser.kind(t));
        return Map.of("enable_thinking", t.booleanValue());
    }

    /** {@code options} and {@code format} onto the server's defaults. */
    private GenerationParams params(JsonNode body) {
        GenerationParams.Builder b = config.defaults().toBuilder().maxTokens(-1);
        b.seed(config.seed() != null ? config.seed() : ThreadLocalRandom.current().nextLong());
        JsonNode o = body.get("options");
        if (o != null && !o.isNull()) {
            if (!o.isObject()) throw ApiException.invalidType("options", "an object", RequestParser.kind(o));
            Double d;
            if ((d = RequestParser.number(o, "temperature", 0, 100)) != null) b.temperature(d);
            if ((d = RequestParser.number(o, "top_p", 0, 1)) != null) b.topP(d);
            if ((d = RequestParser.number(o, "min_p", 0, 1)) != null) b.minP(d);
            if ((d = RequestParser.number(o, "repeat_penalty", -100, 100)) != null) b.repeatPenalty(d);
            if ((d = RequestParser.number(o, "presence_penalty", -100, 100)) != null) b.presencePenalty(d);
            if ((d = RequestParser.number(o, "frequency_penalty", -100, 100)) != null) b.frequencyPenalty(d);
            Integer n;
            if ((n = RequestParser.integer(o, "top_k", 0, Integer.MAX_VALUE)) != null) b.topK(n);
            if ((n = RequestParser.integer(o, "repeat_last_n", -1, Integer.MAX_VALUE)) != null) b.repeatLastN(n < 0 ? model.info().contextLength() : n);
            if ((n = RequestParser.integer(o, "num_predict", -2, Integer.MAX_VALUE)) != null) b.maxTokens(n < 0 ? -1 : n);
            JsonNode seed = o.get("seed");
            if (seed != null && !seed.isNull()) {
                if (!seed.isIntegralNumber()) throw ApiException.invalidType("options.seed", "an integer", RequestParser.kind(seed));
                b.seed(seed.asLong());
            }
            JsonNode stop = o.get("stop");
            if (stop != null && !stop.isNull()) {
                if (!stop.isArray()) throw ApiException.invalidType("options.stop", "an array of strings", RequestParser.kind(stop));
                List<String> stops = new ArrayList<>();
                for (Iterator<JsonNode> it = stop.elements(); it.hasNext(); ) {
                    JsonNode s = it.next();
                    if (!s.isTextual() || s.asText().isEmpty()) throw ApiException.invalidValue("options.stop", "Stop sequences must be non-empty strings.");
                    stops.add(s.asText());
                }
                b.stopStrings(stops);
            }
        }
        JsonNode format = body.get("format");
        if (format != null && !format.isNull() && !(format.isTextual() && format.asText().isEmpty())) {
            if (format.isTextual() && format.asText().equals("json")) b.jsonObject(true);
            else if (format.isObject()) {
                try {
                    b.jsonSchema(format.toString());
                } catch (IllegalArgumentException e) {
                    throw ApiException.invalidValue("format", "The JSON schema cannot be enforced: " + e.getMessage() + ".");
                }
            } else throw ApiException.invalidValue("format", "'format' is \"json\" or a JSON schema object.");
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage(), "options", "invalid_value");
        }
    }

    // ---- embeddings ----

    /** {@code /api/embed} (input: a string or strings → embeddings) and the older {@code /api/embeddings} (prompt → embedding). */
    private void embed(HttpExchange ex, JsonNode body, boolean legacy, OpenAiServer.Outcome outcome) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Pooling pooling = config.pooling() != null ? config.pooling() : model.pooling().orElseThrow(() -> new ApiException(400,
                "This model declares no pooling for embeddings; start the server with --pooling mean, cls or last.",
                "invalid_request_error", "input", "pooling_not_set"));
        List<String> texts = new ArrayList<>();
        JsonNode in = body.get(legacy ? "prompt" : "input");
        if (in == null || in.isNull()) throw ApiException.missing(legacy ? "prompt" : "input");
        if (in.isTextual()) texts.add(in.asText());
        else if (in.isArray() && !legacy) {
            for (JsonNode t : in) {
                if (!t.isTextual()) throw ApiException.invalidType("input", "a string or an array of strings", RequestParser.kind(t));
                texts.add(t.asText());
            }
        } else throw ApiException.invalidType(legacy ? "prompt" : "input", legacy ? "a string" : "a string or an array of strings", RequestParser.kind(in));
        List<int[]> inputs = new ArrayList<>();
        for (String t : texts) {
            int[] ids = model.tokenize(t, true, true);
            if (ids.length == 0) throw ApiException.invalidValue("input", "an input has no tokens.");
            server.checkContext(ids.length, "input");
            inputs.add(ids);
        }
        List<Embedding> out = new ArrayList<>();
        try (SlotPool.Ticket ticket = server.admit()) {
            if (!inputs.isEmpty()) ticket.session(inputs.get(0));
            for (int[] ids : inputs) out.add(model.embed(ids, pooling, true));
        }
        ObjectNode o = json.createObjectNode();
        if (legacy) {
            ArrayNode v = o.putArray("embedding");
            for (float f : out.get(0).vector()) v.add(f);
        } else {
            o.put("model", body.hasNonNull("model") ? body.get("model").asText() : config.modelId());
            ArrayNode all = o.putArray("embeddings");
            for (Embedding e : out) {
                ArrayNode v = all.addArray();
                for (float f : e.vector()) v.add(f);
            }
            o.put("total_duration", System.nanoTime() - t0);
            o.put("load_duration", 0);
            o.put("prompt_eval_count", out.stream().mapToInt(Embedding::tokenCount).sum());
        }
        server.sendJson(ex, 200, o, outcome);
        server.served.incrementAndGet();
        outcome.note = "ollama, embeddings " + out.size();
    }
}
