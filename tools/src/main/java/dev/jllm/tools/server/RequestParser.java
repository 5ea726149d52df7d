package dev.jllm.tools.server;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.ChatMessage;
import dev.jllm.GenerationParams;
import dev.jllm.Tool;
import dev.jllm.ToolCall;
import dev.jllm.ToolChoice;

/**
 * Reads request bodies into validated records. Every problem is an {@link ApiException} (HTTP
 * 400) naming the parameter, in OpenAI's words where it has them. Unknown fields are ignored (as
 * clients send many optional ones), but known fields must have the right type and range, and
 * features jllm does not implement ({@code n > 1}, log-probabilities, images, ...) are refused
 * rather than silently ignored.
 */
final class RequestParser {
    static final int MAX_STOP = 4;

    private final ObjectMapper json;
    private final int vocabularySize;

    RequestParser(ObjectMapper json, int vocabularySize) {
        this.json = json;
        this.vocabularySize = vocabularySize;
    }

    JsonNode parseBody(byte[] body) {
        return parseBody(json, body);
    }

    /** A request body as a JSON object (every protocol's endpoints read theirs with it). */
    static JsonNode parseBody(ObjectMapper json, byte[] body) {
        if (body.length == 0) throw ApiException.invalid("The request body is empty; send a JSON object.", null, null);
        try {
            JsonNode node = json.readTree(body);
            if (node == null || node.isMissingNode()) throw ApiException.invalid("The request body is empty; send a JSON object.", null, null);
            if (!node.isObject()) throw ApiException.invalid("The request body must be a JSON object, got " + kind(node) + ".", null, null);
            return node;
        } catch (JsonProcessingException e) {
            throw ApiException.invalid("We could not parse the JSON body of your request: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ").", null, "invalid_json");
        } catch (java.io.IOException e) {
            throw ApiException.invalid("We could not read the request body: " + e.getMessage(), null, null);
        }
    }

    ChatRequest chat(JsonNode body) {
        JsonNode msgs = body.get("messages");
        if (msgs == null || msgs.isNull()) throw ApiException.missing("messages");
        if (!msgs.isArray()) throw ApiException.invalidType("messages", "an array", kind(msgs));
        if (msgs.isEmpty()) throw ApiException.invalid("'messages' must contain at least one message.", "messages", "empty_array");
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < msgs.size(); i++) messages.add(message(msgs.get(i), "messages[" + i + "]"));
        JsonNode functions = body.get("functions");
        if (functions != null && !functions.isNull() && !(functions.isArray() && functions.isEmpty())) {
            throw ApiException.unsupported("functions", "'functions' (the deprecated form of function calling) is not supported; use 'tools'.");
        }
        List<Tool> tools = ToolsRequest.tools(body);
        ToolChoice choice = ToolsRequest.toolChoice(body, tools);
        // Chat: logprobs true, with top_logprobs alternatives (0-20) per token.
        boolean logprobs = bool(body, "logprobs", "logprobs", false);
        Integer top = integer(body, "top_logprobs", 0, GenerationParams.MAX_LOGPROBS);
        if (top != null && !logprobs) throw ApiException.invalidValue("top_logprobs", "'top_logprobs' needs 'logprobs': true.");
        Integer maxCompletion = integer(body, "max_completion_tokens", 0, Integer.MAX_VALUE);
        String reasoning = string(body, "reasoning_format", "reasoning_format");
        if (reasoning != null && !List.of("none", "auto", "deepseek").contains(reasoning)) {
            throw ApiException.invalidValue("reasoning_format", "'" + reasoning + "' is not one of 'none', 'auto' or 'deepseek'.");
        }
        return new ChatRequest(List.copyOf(messages), tools, choice, !"none".equals(reasoning), templateArguments(body),
                options(body, maxCompletion, logprobs ? (top == null ? 0 : top) : null, false));
    }

    CompletionRequest completion(JsonNode body) {
        JsonNode p = body.get("prompt");
        if (p == null || p.isNull()) throw ApiException.missing("prompt");
        String text = null;
        int[] ids = null;
        if (p.isTextual()) {
            text = p.asText();
        } else if (p.isArray()) {
            if (p.isEmpty()) throw ApiException.invalid("'prompt' must not be an empty array.", "prompt", "empty_array");
            if (p.get(0).isTextual() || p.get(0).isArray()) {
                if (p.size() > 1) throw ApiException.unsupported("prompt", "Only one prompt per request is supported; got " + p.size() + ".");
                JsonNode only = p.get(0);
                if (only.isTextual()) text = only.asText();
                else ids = tokenIds(only, "prompt[0]");
            } else {
                ids = tokenIds(p, "prompt");
            }
        } else {
            throw ApiException.invalidType("prompt", "a string, an array of strings or an array of token ids", kind(p));
        }
        boolean echo = bool(body, "echo", "echo", false);
        String suffix = string(body, "suffix", "suffix");
        if (suffix != null && !suffix.isEmpty()) throw ApiException.unsupported("suffix", "'suffix' (insertion) is not supported by this server.");
        Integer bestOf = integer(body, "best_of", 1, 20);
        if (bestOf != null && bestOf != 1) throw ApiException.unsupported("best_of", "Only best_of=1 is supported.");
        // Completions: logprobs N = each token's log-probability and its N most likely alternatives;
        // with echo, the prompt's tokens too (how evaluation harnesses score a text).
        Integer logprobs = integer(body, "logprobs", 0, GenerationParams.MAX_LOGPROBS);
        return new CompletionRequest(text, ids, echo, options(body, null, logprobs, echo && logprobs != null));
    }

    static final int MAX_EMBEDDING_INPUTS = 2048;

    /**
     * {@code POST /v1/embeddings}: {@code input} is a string, an array of strings, an array of
     * token ids or an array of such arrays (OpenAI's four forms); {@code encoding_format} is
     * {@code float} or {@code base64}; {@code dimensions}, if given, must be the model's.
     */
    EmbeddingRequest embeddings(JsonNode body, int embeddingLength) {
        JsonNode in = body.get("input");
        if (in == null || in.isNull()) throw ApiException.missing("input");
        List<String> texts = new ArrayList<>();
        List<int[]> ids = new ArrayList<>();
        if (in.isTextual()) {
            texts.add(in.asText());
        } else if (in.isArray()) {
            if (in.isEmpty()) throw ApiException.invalid("'input' must not be an empty array.", "input", "empty_array");
            if (in.size() > MAX_EMBEDDING_INPUTS) {
                throw ApiException.invalidValue("input", "at most " + MAX_EMBEDDING_INPUTS + " inputs per request; got " + in.size() + ".");
            }
            JsonNode first = in.get(0);
            if (first.isIntegralNumber()) {
                ids.add(tokenIds(in, "input", "input"));
            } else {
                for (int i = 0; i < in.size(); i++) {
                    JsonNode item = in.get(i);
                    if (item.isTextual() && first.isTextual()) texts.add(item.asText());
                    else if (item.isArray() && first.isArray()) ids.add(tokenIds(item, "input[" + i + "]", "input"));
                    else throw ApiException.invalidType("input[" + i + "]", first.isTextual() ? "a string" : "an array of token ids", kind(item));
                }
            }
        } else {
            throw ApiException.invalidType("input", "a string, an array of strings or an array of token ids", kind(in));
        }
        String format = string(body, "encoding_format", "encoding_format");
        boolean base64;
        if (format == null || format.equals("float")) base64 = false;
        else if (format.equals("base64")) base64 = true;
        else throw ApiException.invalidValue("encoding_format", "'" + format + "' is not one of 'float' or 'base64'.");
        Integer dims = integer(body, "dimensions", 1, Integer.MAX_VALUE);
        if (dims != null && dims != embeddingLength) {
            throw ApiException.unsupported("dimensions", "This model's embeddings have " + embeddingLength + " dimensions; other sizes ("
                    + dims + ") are not supported.");
        }
        return new EmbeddingRequest(texts.isEmpty() ? null : List.copyOf(texts), ids.isEmpty() ? null : List.copyOf(ids), base64);
    }

    private int[] tokenIds(JsonNode array, String param) {
        return tokenIds(array, param, "prompt");
    }

    /** {@code field}: the request field the array belongs to, named in errors as OpenAI's {@code param}. */
    private int[] tokenIds(JsonNode array, String param, String field) {
        if (array.isEmpty()) throw ApiException.invalid("'" + param + "' must not be empty.", field, "empty_array");
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode n = array.get(i);
            if (!n.isIntegralNumber()) throw ApiException.invalidType(param + "[" + i + "]", "a token id (integer)", kind(n));
            long v = n.asLong();
            if (v < 0 || v >= vocabularySize) {
                throw ApiException.invalidValue(field, "token id " + v + " at " + param + "[" + i + "] is outside the vocabulary (0.." + (vocabularySize - 1) + ").");
            }
            ids[i] = (int) v;
        }
        return ids;
    }

    private ChatMessage message(JsonNode m, String param) {
        if (!m.isObject()) throw ApiException.invalidType(param, "an object", kind(m));
        String role = string(m, "role", param + ".role");
        if (role == null) throw ApiException.missing(param + ".role");
        switch (role) {
            case "system", "user", "assistant", "tool" -> { }
            case "developer" -> role = "system";
            default -> throw ApiException.invalidValue(param + ".role",
                    "'" + role + "' is not supported; use 'system', 'developer', 'user', 'assistant' or 'tool'.");
        }
        JsonNode content = m.get("content");
        List<ToolCall> calls = role.equals("assistant") ? ToolsRequest.toolCalls(m.get("tool_calls"), param + ".tool_calls") : List.of();
        String text;
        if (content == null || content.isNull()) {
            if (calls.isEmpty()) throw ApiException.missing(param + ".content");
            text = "";
        } else if (content.isTextual()) {
            text = content.asText();
        } else if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < content.size(); i++) {
                JsonNode part = content.get(i);
                String where = param + ".content[" + i + "]";
                if (!part.isObject()) throw ApiException.invalidType(where, "an object", kind(part));
                String type = string(part, "type", where + ".type");
                if (!"text".equals(type)) {
                    throw ApiException.unsupported(where + ".type", "Content parts of type '" + type + "' are not supported; only 'text'.");
                }
                String t = string(part, "text", where + ".text");
                if (t == null) throw ApiException.missing(where + ".text");
                sb.append(t);
            }
            text = sb.toString();
        } else {
            throw ApiException.invalidType(param + ".content", "a string or an array of content parts", kind(content));
        }
        if (role.equals("tool")) {
            String id = string(m, "tool_call_id", param + ".tool_call_id");
            if (id == null) throw ApiException.missing(param + ".tool_call_id");
            return ChatMessage.tool(id, text);
        }
        return new ChatMessage(role, text, calls, null);
    }

    /** Chat-template variables jllm sets itself, which {@code chat_template_kwargs} may not replace. */
    static final java.util.Set<String> RESERVED_TEMPLATE_VARIABLES = java.util.Set.of("messages", "tools", "add_generation_prompt", "bos_token", "eos_token");

    /** {@code chat_template_kwargs}: an object of extra chat-template variables (llama.cpp's; e.g. {@code enable_thinking}). */
    Map<String, Object> templateArguments(JsonNode body) {
        JsonNode k = body.get("chat_template_kwargs");
        if (k == null || k.isNull()) return Map.of();
        if (!k.isObject()) throw ApiException.invalidType("chat_template_kwargs", "an object", kind(k));
        Map<String, Object> out = new LinkedHashMap<>();
        for (var it = k.fields(); it.hasNext(); ) {
            var e = it.next();
            if (RESERVED_TEMPLATE_VARIABLES.contains(e.getKey())) {
                throw ApiException.invalidValue("chat_template_kwargs", "'" + e.getKey() + "' is set by the server itself.");
            }
            out.put(e.getKey(), json.convertValue(e.getValue(), Object.class));
        }
        return out;
    }

    private RequestOptions options(JsonNode body, Integer maxCompletionTokens, Integer logprobs, boolean promptLogprobs) {
        String model = string(body, "model", "model");
        boolean stream = bool(body, "stream", "stream", false);
        if (stream && promptLogprobs) {
            throw ApiException.unsupported("logprobs", "'logprobs' with 'echo' (the prompt's scores) is not supported with 'stream'; ask without streaming.");
        }
        boolean includeUsage = false;
        JsonNode so = body.get("stream_options");
        if (so != null && !so.isNull()) {
            if (!so.isObject()) throw ApiException.invalidType("stream_options", "an object", kind(so));
            includeUsage = bool(so, "include_usage", "stream_options.include_usage", false);
        }
        Integer n = integer(body, "n", 1, 128);
        if (n != null && n != 1) throw ApiException.unsupported("n", "Only n=1 is supported (one choice per request); got n=" + n + ".");
        Integer maxTokens = integer(body, "max_tokens", 0, Integer.MAX_VALUE);
        if (maxTokens == null) maxTokens = maxCompletionTokens;
        Double temperature = number(body, "temperature", 0, 2);
        Double topP = number(body, "top_p", 0, 1);
        Integer topK = integer(body, "top_k", 0, Integer.MAX_VALUE);
        Double minP = number(body, "min_p", 0, 1);
        Double repeatPenalty = number(body, "repeat_penalty", 0, 10);
        Double presence = number(body, "presence_penalty", -2, 2);
        Double frequency = number(body, "frequency_penalty", -2, 2);
        Long seed = null;
        JsonNode s = body.get("seed");
        if (s != null && !s.isNull()) {
            if (!s.isIntegralNumber() || !s.canConvertToLong()) throw ApiException.invalidType("seed", "an integer", kind(s));
            seed = s.asLong();
        }
        return new RequestOptions(model, stream, includeUsage, maxTokens, temperature, topP, topK, minP, repeatPenalty, seed,
                stop(body), presence, frequency, logitBias(body), ResponseFormatRequest.responseFormat(body), logprobs, promptLogprobs);
    }

    private static List<String> stop(JsonNode body) {
        JsonNode s = body.get("stop");
        if (s == null || s.isNull()) return List.of();
        List<String> out = new ArrayList<>();
        if (s.isTextual()) {
            out.add(s.asText());
        } else if (s.isArray()) {
            if (s.size() > MAX_STOP) throw ApiException.invalidValue("stop", "at most " + MAX_STOP + " stop sequences are allowed, got " + s.size() + ".");
            for (int i = 0; i < s.size(); i++) {
                if (!s.get(i).isTextual()) throw ApiException.invalidType("stop[" + i + "]", "a string", kind(s.get(i)));
                out.add(s.get(i).asText());
            }
        } else {
            throw ApiException.invalidType("stop", "a string or an array of strings", kind(s));
        }
        for (String x : out) if (x.isEmpty()) throw ApiException.invalidValue("stop", "stop sequences must not be empty.");
        return out;
    }

    private Map<Integer, Float> logitBias(JsonNode body) {
        JsonNode b = body.get("logit_bias");
        if (b == null || b.isNull()) return Map.of();
        if (!b.isObject()) throw ApiException.invalidType("logit_bias", "an object mapping token ids to biases", kind(b));
        Map<Integer, Float> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = b.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id;
            try {
                id = Integer.parseInt(e.getKey().trim());
            } catch (NumberFormatException x) {
                throw ApiException.invalidValue("logit_bias", "keys must be token ids, got '" + e.getKey() + "'.");
            }
            if (id < 0 || id >= vocabularySize) {
                throw ApiException.invalidValue("logit_bias", "token id " + id + " is outside the vocabulary (0.." + (vocabularySize - 1) + ").");
            }
            JsonNode v = e.getValue();
            if (!v.isNumber()) throw ApiException.invalidType("logit_bias." + e.getKey(), "a number", kind(v));
            double bias = v.asDouble();
            if (bias < -100 || bias > 100) throw ApiException.invalidValue("logit_bias", "biases must be between -100 and 100, got " + bias + " for token " + id + ".");
            out.put(id, (float) bias);
        }
        return out;
    }

    // ---- typed field readers: absent or null → null (the default applies) ----

    static Double number(JsonNode body, String name, double min, double max) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber()) throw ApiException.invalidType(name, "a number", kind(v));
        double d = v.asDouble();
        if (!(d >= min && d <= max)) throw ApiException.invalidValue(name, "must be between " + fmt(min) + " and " + fmt(max) + ", got " + v + ".");
        return d;
    }

    static Integer integer(JsonNode body, String name, int min, int max) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber()) {
            if (v.isNumber() && v.asDouble() == Math.rint(v.asDouble())) { /* 16.0 → 16 */ } else {
                throw ApiException.invalidType(name, "an integer", kind(v));
            }
        }
        double d = v.asDouble();
        if (d < min || d > max) {
            throw ApiException.invalidValue(name, "must be " + (max == Integer.MAX_VALUE ? "at least " + min : "between " + min + " and " + max) + ", got " + v + ".");
        }
        return (int) d;
    }

    static boolean bool(JsonNode body, String name, String param, boolean dflt) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw ApiException.invalidType(param, "a boolean", kind(v));
        return v.asBoolean();
    }

    static String string(JsonNode body, String name, String param) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw ApiException.invalidType(param, "a string", kind(v));
        return v.asText();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    /** How OpenAI names a JSON value's type in its messages. */
    static String kind(JsonNode v) {
        if (v.isTextual()) return "a string";
        if (v.isIntegralNumber()) return "an integer";
        if (v.isNumber()) return "a decimal";
        if (v.isBoolean()) return "a boolean";
        if (v.isArray()) return "an array";
        if (v.isObject()) return "an object";
        if (v.isNull()) return "null";
        return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
