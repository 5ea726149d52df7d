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
 *     with the list directly);
 * <li>{@link #QWEN_XML}: {@code <tool_call>\n<function=NAME>\n<parameter=KEY>\nVALUE\n</parameter>\n
 *     </function>\n</tool_call>} (Qwen 3.5, Qwen3-Coder);
 * <li>{@link #GLM}: {@code <tool_call>NAME\n<arg_key>KEY</arg_key>\n<arg_value>VALUE</arg_value>\n
 *     </tool_call>} (GLM 4.5, 4.6).
 * </ul>
 *
 * In the two XML syntaxes argument values are bare text: a parameter the tool's schema types as a
 * string stays text, others are read as JSON (and Python's {@code True}/{@code False}/{@code None},
 * which Qwen's template writes), falling back to text. Every one of them can force a call
 * ({@link #forcedCall}). Other syntaxes (Mistral Small 3.2's {@code [ARGS]}, Command R,
 * Functionary, gpt-oss) are not recognised: {@link #detect} returns null and tools are refused,
 * rather than shown to a model whose calls would not be read.
 */
public enum ToolCallFormat {
    HERMES("<tool_call>\n", "arguments", "\n</tool_call>"),
    LLAMA3("", "parameters", ""),
    MISTRAL("[", "arguments", "]"),
    QWEN_XML(null, null, null),
    GLM(null, null, null);

    /** The JSON-schema type of a function's parameter, or null when the schema does not say. */
    @FunctionalInterface
    public interface ParameterTypes {
        String typeOf(String function, String parameter);

        ParameterTypes UNKNOWN = (f, p) -> null;
    }

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
            if (templateSource.contains("<function=")) return QWEN_XML;
            if (templateSource.contains("<arg_key>")) return GLM;
            return HERMES;
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
        return parse(reply, ParameterTypes.UNKNOWN);
    }

    /** As {@link #parse(String)}, typing the XML syntaxes' bare argument values by the tools' schemas. */
    public Parsed parse(String reply, ParameterTypes types) {
        return switch (this) {
            case HERMES, QWEN_XML, GLM -> parseBlocks(reply, types);
            case LLAMA3 -> parseWhole(strip(reply.strip(), "<|python_tag|>"), false);
            case MISTRAL -> parseWhole(strip(reply.strip(), "[TOOL_CALLS]"), true);
        };
    }

    /**
     * The grammar of one call of one of {@code tools} (name → parameters schema, parsed) in this
     * syntax, with arguments valid against the tool's schema. In the JSON syntaxes the call is a
     * JSON object framed by its tags; in the XML ones each declared parameter (in the order
     * declared; the required ones always, the others optionally) is written in its tags, a string
     * parameter as bare text that ends at its closing tag (any text without that tag; with
     * minLength or maxLength, text without '<', whose length the grammar can count) or one of its
     * enum values, any other as JSON valid against its schema.
     *
     * @param afterOpenThinking whether the prompt opened a thinking block: the model may finish it first
     * @throws IllegalArgumentException if a schema uses what cannot be enforced (and, for the XML
     *                                  syntaxes, if a tool's parameters are not declared properties)
     */
    public dev.jllm.sampling.Grammar forcedCall(Map<String, Object> tools, boolean afterOpenThinking) {
        var e = new dev.jllm.sampling.JsonSchemaGrammar.Embedding();
        var g = e.builder();
        // A prompt that opened a thinking block (QwQ, Qwen 3.5, R1) lets the model think first:
        // any text up to the block's end; then the call.
        int[] thinking = afterOpenThinking ? seq(g.ref(g.textThen("</think>", "\n\t")), g.ref(g.repeat(g.bytes("\n"), 0, 2))) : new int[0];
        if (argumentsKey != null) return e.build(seq(thinking, g.bytes(callPrefix), g.ref(e.value(callSchema(tools))), g.bytes(callSuffix)));
        int calls = g.rule();
        for (var tool : tools.entrySet()) {
            List<int[]> parameters = new ArrayList<>();
            List<Boolean> required = new ArrayList<>();
            Map<?, ?> schema = tool.getValue() instanceof Map<?, ?> m ? m : Map.of();
            Object props = schema.get("properties");
            if (props == null && !schema.isEmpty() && !"object".equals(schema.get("type"))) {
                throw new IllegalArgumentException("tool '" + tool.getKey() + "': the parameters must be an object schema");
            }
            if (!(props == null || props instanceof Map)) throw new IllegalArgumentException("tool '" + tool.getKey() + "': properties must be an object");
            Object req = schema.get("required");
            List<?> requiredNames = req instanceof List<?> l ? l : List.of();
            if (props instanceof Map<?, ?> properties) {
                for (var p : properties.entrySet()) {
                    String key = (String) p.getKey();
                    String close = this == QWEN_XML ? "\n</parameter>" : "</arg_value>";
                    int[] value = xmlValue(e, p.getValue(), close);
                    parameters.add(this == QWEN_XML
                            ? seq(g.bytes("<parameter=" + key + ">\n"), value, g.bytes("\n"))
                            : seq(g.bytes("\n<arg_key>" + key + "</arg_key>\n<arg_value>"), value));
                    required.add(requiredNames.contains(key));
                }
            }
            int[] body = new int[0];
            for (int i = 0; i < parameters.size(); i++) {
                body = seq(body, required.get(i) ? g.ref(g.rule(parameters.get(i))) : g.ref(g.rule(new int[0], parameters.get(i))));
            }
            g.alt(calls, this == QWEN_XML
                    ? seq(g.bytes("<tool_call>\n<function=" + tool.getKey() + ">\n"), body, g.bytes("</function>\n</tool_call>"))
                    : seq(g.bytes("<tool_call>" + tool.getKey()), body, g.bytes("\n</tool_call>")));
        }
        return e.build(seq(thinking, g.ref(calls)));
    }

    /**
     * A parameter's value in the XML syntaxes and its closing tag {@code close}: bare text for
     * strings (or one of their enum values), JSON for the rest.
     */
    private static int[] xmlValue(dev.jllm.sampling.JsonSchemaGrammar.Embedding e, Object schema, String close) {
        var g = e.builder();
        if (schema instanceof Map<?, ?> s && "string".equals(s.get("type")) && !s.containsKey("format")) {
            if (s.get("enum") instanceof List<?> values) {
                int r = g.rule();
                for (Object v : values) g.alt(r, g.bytes(String.valueOf(v)));
                return seq(g.ref(r), g.bytes(close));
            }
            boolean lengths = s.containsKey("minLength") || s.containsKey("maxLength");
            if (!lengths) return new int[]{g.ref(g.textThen(close, "\n\t"))};
            int min = s.get("minLength") instanceof java.math.BigDecimal d ? d.intValueExact() : 0;
            int max = s.get("maxLength") instanceof java.math.BigDecimal d ? d.intValueExact() : -1;
            return seq(g.ref(g.repeat(new int[]{g.ref(g.utf8Character("<", "\n\t"))}, min, max)), g.bytes(close));
        }
        return seq(g.ref(e.value(schema)), g.bytes(close));
    }

    private static int[] seq(Object... parts) {
        return dev.jllm.sampling.Grammar.Builder.seq(parts);
    }

    /**
     * The JSON schema of one call of one of {@code tools} (name → parameters schema, parsed) as
     * this format writes it, between its prefix and suffix (e.g. the tags of {@link #HERMES}): the
     * object {@code {"name": <const>, "<arguments key>": <parameters>}}.
     */
    private Object callSchema(Map<String, Object> tools) {
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

    private Parsed parseBlocks(String reply, ParameterTypes types) {
        List<Call> calls = new ArrayList<>();
        StringBuilder content = new StringBuilder();
        int at = 0;
        while (true) {
            int open = reply.indexOf("<tool_call>", at);
            if (open < 0) break;
            int close = reply.indexOf("</tool_call>", open);
            int end = close < 0 ? reply.length() : close + "</tool_call>".length();
            String inner = reply.substring(open + "<tool_call>".length(), close < 0 ? reply.length() : close);
            Call call = switch (this) {
                case QWEN_XML -> qwenXmlCall(inner, types);
                case GLM -> glmCall(inner, types);
                default -> call(inner.strip());
            };
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

    private static final java.util.regex.Pattern QWEN_FUNCTION = java.util.regex.Pattern.compile("(?s)\\s*<function=([^>\n]+)>(.*?)(</function>\\s*)?$");
    private static final java.util.regex.Pattern QWEN_PARAMETER = java.util.regex.Pattern.compile("(?s)<parameter=([^>\n]+)>\n?(.*?)\n?</parameter>");
    private static final java.util.regex.Pattern GLM_ARGUMENT = java.util.regex.Pattern.compile("(?s)<arg_key>(.*?)</arg_key>\\s*<arg_value>(.*?)</arg_value>");

    /** {@code <function=NAME>} then {@code <parameter=KEY>\nVALUE\n</parameter>} blocks. */
    private static Call qwenXmlCall(String inner, ParameterTypes types) {
        var f = QWEN_FUNCTION.matcher(inner);
        if (!f.matches()) return null;
        String name = f.group(1).strip();
        Map<String, Object> arguments = new LinkedHashMap<>();
        var p = QWEN_PARAMETER.matcher(f.group(2));
        int at = 0;
        while (p.find()) {
            if (!f.group(2).substring(at, p.start()).isBlank()) return null; // stray text between parameters
            String key = p.group(1).strip();
            arguments.put(key, typedValue(p.group(2), types.typeOf(name, key)));
            at = p.end();
        }
        if (!f.group(2).substring(at).isBlank()) return null;
        return new Call(name, JsonValues.write(arguments));
    }

    /** {@code NAME} then {@code <arg_key>KEY</arg_key><arg_value>VALUE</arg_value>} pairs. */
    private static Call glmCall(String inner, ParameterTypes types) {
        int first = inner.indexOf("<arg_key>");
        String name = (first < 0 ? inner : inner.substring(0, first)).strip();
        if (name.isEmpty() || name.contains("<") || name.contains("\n")) return null;
        Map<String, Object> arguments = new LinkedHashMap<>();
        String rest = first < 0 ? "" : inner.substring(first);
        var a = GLM_ARGUMENT.matcher(rest);
        int at = 0;
        while (a.find()) {
            if (!rest.substring(at, a.start()).isBlank()) return null;
            String key = a.group(1).strip();
            arguments.put(key, typedValue(a.group(2), types.typeOf(name, key)));
            at = a.end();
        }
        if (!rest.substring(at).isBlank()) return null;
        return new Call(name, JsonValues.write(arguments));
    }

    /** A bare argument value: text for a string parameter, else JSON (or a Python literal) when it reads as one. */
    private static Object typedValue(String raw, String type) {
        if ("string".equals(type)) return raw;
        String t = raw.strip();
        switch (t) {
            case "True" -> { return Boolean.TRUE; }
            case "False" -> { return Boolean.FALSE; }
            case "None" -> { return JsonValues.NULL; }
            default -> { }
        }
        try {
            return JsonValues.parse(t);
        } catch (IllegalArgumentException e) {
            return raw;
        }
    }

    private static String strip(String text, String marker) {
        return text.startsWith(marker) ? text.substring(marker.length()).strip() : text;
    }
}
