package dev.jllm.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.jllm.sampling.JsonValues;

/**
 * How a model family writes tool calls in its reply, recognised from its chat template (the
 * template that shows the model the tools also shows it the syntax to answer in):
 *
 * <ul>
 * <li>{@link #HERMES}: {@code <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>}, one
 *     block per call, text may surround them (Qwen 2.5, Qwen 3, QwQ, Hermes 2 Pro, Granite 4);
 * <li>{@link #LLAMA3}: the whole reply is {@code {"name": ..., "parameters": {...}}} (Llama 3.1,
 *     3.2, 3.3; 3.1 may put {@code <|python_tag|>} first);
 * <li>{@link #MISTRAL}: {@code [TOOL_CALLS][{"name": ..., "arguments": {...}}, ...]} (Mistral
 *     Nemo and v3 models; {@code [TOOL_CALLS]} is a control token, so the decoded text may begin
 *     with the list directly).
 * </ul>
 *
 * Other syntaxes (Qwen 3.5's {@code <function=...>}, GLM's {@code <arg_key>}, Mistral Small 3.2's
 * {@code [ARGS]}, Command R, Functionary, gpt-oss) are not recognised: {@link #detect} returns
 * null and tools are refused, rather than shown to a model whose calls would not be read.
 */
public enum ToolCallFormat {
    HERMES("<tool_call>\n", "arguments", "\n</tool_call>"),
    LLAMA3("", "parameters", ""),
    MISTRAL("[", "arguments", "]");

    /** A call as the model wrote it: the function's name and its arguments object as compact JSON. */
    public record Call(String name, String arguments) {}

    /** A reply split into its text and its calls. */
    public record Parsed(String content, List<Call> calls) {}

    private final String callPrefix, argumentsKey, callSuffix;

    ToolCallFormat(String callPrefix, String argumentsKey, String callSuffix) {
        this.callPrefix = callPrefix;
        this.argumentsKey = argumentsKey;
        this.callSuffix = callSuffix;
    }

    /** The format a chat template teaches, or null if it shows no tools in a syntax jllm reads. */
    public static ToolCallFormat detect(String templateSource) {
        if (templateSource == null || !templateSource.contains("tools")) return null;
        if (templateSource.contains("<tool_call>")) {
            boolean otherInner = templateSource.contains("<function=") || templateSource.contains("<arg_key>");
            return otherInner ? null : HERMES;
        }
        if (templateSource.contains("\"parameters\": dictionary of argument name")) return LLAMA3;
        if (templateSource.contains("[TOOL_CALLS]") && !templateSource.contains("[ARGS]")) return MISTRAL;
        return null;
    }

    /**
     * Splits a reply into text and calls. Text that only looks like a call (JSON that does not
     * parse, or lacks a name or an arguments object) stays text: a reply is never lost.
     */
    public Parsed parse(String reply) {
        return switch (this) {
            case HERMES -> parseHermes(reply);
            case LLAMA3 -> parseWhole(strip(reply.strip(), "<|python_tag|>"), false);
            case MISTRAL -> parseWhole(strip(reply.strip(), "[TOOL_CALLS]"), true);
        };
    }

    /**
     * The JSON schema of one call of one of {@code tools} (name → parameters schema, parsed) as
     * this format writes it, between {@link #callPrefix()} and {@link #callSuffix()}: the
     * object {@code {"name": <const>, "<arguments key>": <parameters>}}.
     */
    public Object callSchema(Map<String, Object> tools) {
        List<Object> options = new ArrayList<>();
        for (var tool : tools.entrySet()) {
            Map<String, Object> properties = new LinkedHashMap<>();
            properties.put("name", Map.of("const", tool.getKey()));
            properties.put(argumentsKey, tool.getValue());
            Map<String, Object> call = new LinkedHashMap<>();
            call.put("type", "object");
            call.put("properties", properties);
            call.put("required", List.of("name", argumentsKey));
            call.put("additionalProperties", Boolean.FALSE);
            options.add(call);
        }
        return options.size() == 1 ? options.get(0) : Map.of("anyOf", options);
    }

    /** The text before a call's JSON object when the reply must be a call. */
    public String callPrefix() {
        return callPrefix;
    }

    /** The text after a call's JSON object when the reply must be a call. */
    public String callSuffix() {
        return callSuffix;
    }

    private Parsed parseHermes(String reply) {
        List<Call> calls = new ArrayList<>();
        StringBuilder content = new StringBuilder();
        int at = 0;
        while (true) {
            int open = reply.indexOf("<tool_call>", at);
            if (open < 0) break;
            int close = reply.indexOf("</tool_call>", open);
            int end = close < 0 ? reply.length() : close + "</tool_call>".length();
            Call call = call(reply.substring(open + "<tool_call>".length(), close < 0 ? reply.length() : close).strip());
            if (call == null) {
                content.append(reply, at, end);
            } else {
                content.append(reply, at, open);
                calls.add(call);
            }
            at = end;
        }
        content.append(reply.substring(at));
        return new Parsed(calls.isEmpty() ? reply : content.toString().strip(), calls);
    }

    private Parsed parseWhole(String text, boolean list) {
        if (!text.startsWith(list ? "[" : "{")) return new Parsed(text, List.of());
        Object value;
        try {
            value = JsonValues.parse(text);
        } catch (IllegalArgumentException e) {
            return new Parsed(text, List.of());
        }
        List<Call> calls = new ArrayList<>();
        for (Object item : list && value instanceof List<?> l ? l : List.of(value)) {
            Call c = call(item);
            if (c == null) return new Parsed(text, List.of());
            calls.add(c);
        }
        return new Parsed("", calls);
    }

    private Call call(String json) {
        try {
            return call(JsonValues.parse(json));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private Call call(Object value) {
        if (!(value instanceof Map<?, ?> m) || !(m.get("name") instanceof String name)) return null;
        Object arguments = m.get(argumentsKey);
        if (arguments == null) arguments = m.get(argumentsKey.equals("arguments") ? "parameters" : "arguments");
        if (arguments instanceof String s) { // some models write the arguments as a JSON string
            try {
                arguments = JsonValues.parse(s);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        if (!(arguments instanceof Map)) return null;
        return new Call(name, JsonValues.write(arguments));
    }

    private static String strip(String text, String marker) {
        return text.startsWith(marker) ? text.substring(marker.length()).strip() : text;
    }
}
