package dev.jllm.tools.server;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jllm.AssistantReply;
import dev.jllm.Completion;
import dev.jllm.Embedding;
import dev.jllm.FinishReason;
import dev.jllm.Logprob;
import dev.jllm.ToolCall;
import dev.jllm.TokenLogprobs;

/** The JSON shapes of OpenAI's API that the server writes. */
final class OpenAiJson {
    static final String FINGERPRINT = "jllm-0.1.0";

    private final ObjectMapper json;
    private final String modelId;

    OpenAiJson(ObjectMapper json, String modelId) {
        this.json = json;
        this.modelId = modelId;
    }

    /** OpenAI's finish reasons: "stop" (end of turn or stop sequence) and "length". */
    static String finishReason(FinishReason r) {
        return r == FinishReason.LENGTH ? "length" : "stop";
    }

    ObjectNode error(ApiException e) {
        ObjectNode root = json.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.type);
        if (e.param == null) err.putNull("param"); else err.put("param", e.param);
        if (e.code == null) err.putNull("code"); else err.put("code", e.code);
        return root;
    }

    /**
     * {@code POST /v1/embeddings}: one entry per input, in order; with {@code base64} each
     * vector is its float32 values, little-endian, in base64 (what OpenAI's clients ask for by
     * default and decode).
     */
    ObjectNode embeddings(java.util.List<Embedding> list, boolean base64) {
        ObjectNode o = json.createObjectNode();
        o.put("object", "list");
        ArrayNode data = o.putArray("data");
        int tokens = 0;
        for (int i = 0; i < list.size(); i++) {
            Embedding e = list.get(i);
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            if (base64) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * e.vector().length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (float f : e.vector()) b.putFloat(f);
                item.put("embedding", java.util.Base64.getEncoder().encodeToString(b.array()));
            } else {
                ArrayNode v = item.putArray("embedding");
                for (float f : e.vector()) v.add(f);
            }
            tokens += e.tokenCount();
        }
        o.put("model", modelId);
        ObjectNode u = o.putObject("usage");
        u.put("prompt_tokens", tokens);
        u.put("total_tokens", tokens);
        return o;
    }

    ObjectNode usage(Completion c) {
        ObjectNode u = json.createObjectNode();
        u.put("prompt_tokens", c.promptTokens());
        u.put("completion_tokens", c.generatedTokens());
        u.put("total_tokens", c.promptTokens() + c.generatedTokens());
        u.putObject("prompt_tokens_details").put("cached_tokens", c.promptTokens() - c.timings().promptTokens());
        return u;
    }

    private ObjectNode envelope(String id, String object, long created) {
        ObjectNode o = json.createObjectNode();
        o.put("id", id);
        o.put("object", object);
        o.put("created", created);
        o.put("model", modelId);
        o.put("system_fingerprint", FINGERPRINT);
        return o;
    }

    ObjectNode chatCompletion(String id, long created, String text, Completion c) {
        return chatCompletion(id, created, new AssistantReply(text, List.of()), c);
    }

    /**
     * A chat completion whose reply was read for tool calls: with calls, {@code content} is null
     * when no text is left, {@code tool_calls} lists them (arguments as JSON text) and the
     * finish reason is {@code tool_calls}.
     */
    ObjectNode chatCompletion(String id, long created, AssistantReply reply, Completion c) {
        ObjectNode o = envelope(id, "chat.completion", created);
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode msg = choice.putObject("message");
        msg.put("role", "assistant");
        if (reply.toolCalls().isEmpty() || !reply.content().isEmpty()) msg.put("content", reply.content());
        else msg.putNull("content");
        if (!reply.reasoning().isEmpty()) msg.put("reasoning_content", reply.reasoning());
        if (!reply.toolCalls().isEmpty()) toolCalls(msg.putArray("tool_calls"), reply.toolCalls(), false);
        choice.putNull("logprobs");
        choice.put("finish_reason", reply.toolCalls().isEmpty() ? finishReason(c.finishReason()) : "tool_calls");
        o.set("usage", usage(c));
        return o;
    }

    /**
     * The legacy completions {@code logprobs} object: parallel lists of token texts, their
     * log-probabilities, their alternatives (text → log-probability) and character offsets in the
     * returned text. With {@code echo} the prompt's tokens come first; the very first has no
     * log-probability (nothing precedes it): null there.
     */
    ObjectNode completionLogprobs(Completion c, boolean echo, IntFunction<byte[]> bytes) {
        List<TokenLogprobs> entries = new ArrayList<>();
        if (echo) entries.addAll(c.promptLogprobs());
        entries.addAll(c.logprobs());
        return completionLogprobs(entries, echo ? c.promptTokenIds()[0] : null, new Utf8Offsets(), bytes);
    }

    /**
     * The completions {@code logprobs} object for these tokens (a streamed chunk's, or a whole
     * reply's), their offsets continuing from {@code offsets}; {@code unscoredFirst}, if not null,
     * is a first token without a log-probability.
     */
    ObjectNode completionLogprobs(List<TokenLogprobs> entries, Integer unscoredFirst, Utf8Offsets offsets, IntFunction<byte[]> bytes) {
        ObjectNode o = json.createObjectNode();
        ArrayNode tokens = o.putArray("tokens"), logprobs = o.putArray("token_logprobs"), top = o.putArray("top_logprobs"),
                offset = o.putArray("text_offset");
        if (unscoredFirst != null) {
            byte[] b = bytes.apply(unscoredFirst);
            tokens.add(text(b));
            logprobs.addNull();
            top.addNull();
            offset.add(offsets.advance(b));
        }
        for (TokenLogprobs t : entries) {
            byte[] b = bytes.apply(t.tokenId());
            tokens.add(text(b));
            logprobs.add(t.logprob());
            ObjectNode alternatives = top.addObject();
            for (Logprob l : t.top()) {
                String s = text(bytes.apply(l.tokenId()));
                if (!alternatives.has(s)) alternatives.put(s, l.logprob()); // two tokens of the same text: the likelier one
            }
            offset.add(offsets.advance(b));
        }
        return o;
    }

    /** Chat's {@code logprobs} object: {@code content}, one entry per token with its bytes and alternatives. */
    ObjectNode chatLogprobs(List<TokenLogprobs> entries, IntFunction<byte[]> bytes) {
        ObjectNode o = json.createObjectNode();
        ArrayNode content = o.putArray("content");
        for (TokenLogprobs t : entries) {
            ObjectNode e = tokenEntry(t.tokenId(), t.logprob(), bytes);
            ArrayNode alternatives = e.putArray("top_logprobs");
            for (Logprob l : t.top()) alternatives.add(tokenEntry(l.tokenId(), l.logprob(), bytes));
            content.add(e);
        }
        o.putNull("refusal");
        return o;
    }

    private ObjectNode tokenEntry(int id, float logprob, IntFunction<byte[]> bytes) {
        byte[] b = bytes.apply(id);
        ObjectNode e = json.createObjectNode();
        e.put("token", text(b));
        e.put("logprob", logprob);
        ArrayNode raw = e.putArray("bytes");
        for (byte x : b) raw.add(x & 0xFF);
        return e;
    }

    /** A token's text: its bytes as UTF-8 (a token holding part of a character shows a replacement character). */
    private static String text(byte[] b) {
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Character offsets of tokens in decoded text: counts the characters the bytes so far complete. */
    static final class Utf8Offsets {
        private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
        private int chars;

        /** The offset where a token starts, then takes in its bytes. */
        int advance(byte[] token) {
            int start = chars;
            pending.writeBytes(token);
            byte[] all = pending.toByteArray();
            int complete = all.length;
            // Leave an incomplete trailing character for the next token.
            for (int back = 1; back <= Math.min(3, all.length); back++) {
                int lead = all[all.length - back] & 0xFF;
                if ((lead & 0xC0) == 0x80) continue; // continuation byte
                int need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
                if (need > back) complete = all.length - back;
                break;
            }
            chars += new String(all, 0, complete, java.nio.charset.StandardCharsets.UTF_8).length();
            pending.reset();
            pending.write(all, complete, all.length - complete);
            return start;
        }
    }

    /** A streamed chunk of thinking: {@code reasoning_content} in the delta (llama.cpp's and DeepSeek's field). */
    ObjectNode chatReasoningChunk(String id, long created, String reasoning) {
        ObjectNode o = envelope(id, "chat.completion.chunk", created);
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("delta").put("reasoning_content", reasoning);
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return o;
    }

    /** A streamed chunk carrying whole tool calls in its delta (each with its index, as OpenAI streams them). */
    ObjectNode chatToolCallsChunk(String id, long created, List<ToolCall> calls) {
        ObjectNode o = envelope(id, "chat.completion.chunk", created);
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", 0);
        toolCalls(choice.putObject("delta").putArray("tool_calls"), calls, true);
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return o;
    }

    private static void toolCalls(ArrayNode out, List<ToolCall> calls, boolean indexed) {
        for (int i = 0; i < calls.size(); i++) {
            ToolCall call = calls.get(i);
            ObjectNode c = out.addObject();
            if (indexed) c.put("index", i);
            c.put("id", call.id());
            c.put("type", "function");
            ObjectNode f = c.putObject("function");
            f.put("name", call.name());
            f.put("arguments", call.arguments());
        }
    }

    /** A streamed chat chunk: {@code role} and/or {@code content} in the delta, or the finish reason. */
    ObjectNode chatChunk(String id, long created, String role, String content, String finishReason) {
        ObjectNode o = envelope(id, "chat.completion.chunk", created);
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        if (role != null) delta.put("role", role);
        if (content != null) delta.put("content", content);
        choice.putNull("logprobs");
        if (finishReason == null) choice.putNull("finish_reason"); else choice.put("finish_reason", finishReason);
        return o;
    }

    /** The last streamed chunk when {@code stream_options.include_usage}: no choices, the usage. */
    ObjectNode usageChunk(String id, String object, long created, Completion c) {
        ObjectNode o = envelope(id, object, created);
        o.putArray("choices");
        o.set("usage", usage(c));
        return o;
    }

    ObjectNode textCompletion(String id, long created, String text, Completion c) {
        ObjectNode o = textChunk(id, created, text, finishReason(c.finishReason()));
        o.set("usage", usage(c));
        return o;
    }

    /** A text_completion object with one choice; a null finish reason is written as null (stream chunks). */
    ObjectNode textChunk(String id, long created, String text, String finishReason) {
        ObjectNode o = envelope(id, "text_completion", created);
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("text", text);
        choice.put("index", 0);
        choice.putNull("logprobs");
        if (finishReason == null) choice.putNull("finish_reason"); else choice.put("finish_reason", finishReason);
        return o;
    }

    ObjectNode model(long created) {
        ObjectNode m = json.createObjectNode();
        m.put("id", modelId);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "jllm");
        return m;
    }

    ObjectNode models(long created) {
        ObjectNode o = json.createObjectNode();
        o.put("object", "list");
        ArrayNode data = o.putArray("data");
        data.add(model(created));
        return o;
    }
}
