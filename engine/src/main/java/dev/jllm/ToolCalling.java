package dev.jllm;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.jllm.chat.ToolCallFormat;
import dev.jllm.chat.ToolCallStream;
import dev.jllm.sampling.Grammar;
import dev.jllm.sampling.JsonValues;

/**
 * The tools a chat prompt shows the model, the choice it has, and its family's tool-call syntax
 * ({@link ToolCallFormat}): reads replies for calls, and builds the constraint that makes a
 * reply a call when the choice forces one. Immutable.
 */
public final class ToolCalling {
    private static final String ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final SecureRandom IDS = new SecureRandom();

    private final ToolCallFormat format;
    private final List<Tool> tools;
    private final ToolChoice choice;
    private final Grammar forcedCall, forcedCallAfterThinking;
    private final Map<String, Map<String, String>> parameterTypes = new LinkedHashMap<>();

    ToolCalling(ToolCallFormat format, List<Tool> tools, ToolChoice choice) {
        this.format = format;
        this.tools = List.copyOf(tools);
        this.choice = choice;
        if (choice.mode() == ToolChoice.Mode.FUNCTION && tools.stream().noneMatch(t -> t.name().equals(choice.function()))) {
            throw new IllegalArgumentException("tool_choice names function '" + choice.function() + "', which is not among the tools");
        }
        this.forcedCall = choice.forced() ? forcedCallGrammar(false) : null;
        this.forcedCallAfterThinking = choice.forced() ? forcedCallGrammar(true) : null;
        for (Tool t : tools) parameterTypes.put(t.name(), typesOf(t));
    }

    /** The tools shown to the model. */
    public List<Tool> tools() {
        return tools;
    }

    /** Whether the model may, must or must not call them. */
    public ToolChoice choice() {
        return choice;
    }

    /**
     * Reads a reply for tool calls (not with {@link ToolChoice#none()}: then it is all text). Each
     * call gets a new id of 9 letters and digits (the form Mistral's templates demand, and any
     * other accepts).
     */
    public AssistantReply parse(String reply) {
        if (choice.mode() == ToolChoice.Mode.NONE) return new AssistantReply(reply, List.of());
        ToolCallFormat.Parsed parsed = format.parse(reply, this::typeOf);
        return new AssistantReply(parsed.content(), withIds(parsed.calls()));
    }

    /** Whether replies are read for calls (not with {@link ToolChoice#none()}). */
    boolean readsCalls() {
        return choice.mode() != ToolChoice.Mode.NONE;
    }

    /** A stream that sends a reply's text as it comes and holds back from where a call may begin. */
    ToolCallStream newStream() {
        return new ToolCallStream(format, this::typeOf);
    }

    /** Calls as the model wrote them, each with a new id. */
    List<ToolCall> withIds(List<ToolCallFormat.Call> written) {
        List<ToolCall> calls = new ArrayList<>();
        for (ToolCallFormat.Call c : written) calls.add(new ToolCall(newId(), c.name(), c.arguments()));
        return calls;
    }

    private String typeOf(String function, String parameter) {
        Map<String, String> types = parameterTypes.get(function);
        return types == null ? null : types.get(parameter);
    }

    /** The grammar a forced reply follows (after a prompt that opened a thinking block, or not), or null when the model chooses freely. */
    Grammar forcedCall(boolean afterOpenThinking) {
        return afterOpenThinking ? forcedCallAfterThinking : forcedCall;
    }

    private Grammar forcedCallGrammar(boolean afterOpenThinking) {
        Map<String, Object> schemas = new LinkedHashMap<>();
        for (Tool t : tools) {
            if (choice.mode() == ToolChoice.Mode.FUNCTION && !t.name().equals(choice.function())) continue;
            if (t.parameters().contains("\"$ref\"")) {
                throw new IllegalArgumentException("tool '" + t.name() + "': parameters with $ref cannot be enforced when a call is required");
            }
            schemas.put(t.name(), JsonValues.parse(t.parameters()));
        }
        try {
            return format.forcedCall(schemas, afterOpenThinking);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the tools' parameters cannot be enforced: " + e.getMessage(), e);
        }
    }

    /** The declared type of each of a tool's parameters ({@code properties.*.type} when it is one string). */
    private static Map<String, String> typesOf(Tool t) {
        Map<String, String> out = new LinkedHashMap<>();
        if (JsonValues.parse(t.parameters()) instanceof Map<?, ?> schema && schema.get("properties") instanceof Map<?, ?> properties) {
            for (var e : properties.entrySet()) {
                if (e.getValue() instanceof Map<?, ?> p && p.get("type") instanceof String type) out.put((String) e.getKey(), type);
            }
        }
        return out;
    }

    private static String newId() {
        char[] id = new char[9];
        for (int i = 0; i < id.length; i++) id[i] = ID_CHARS.charAt(IDS.nextInt(ID_CHARS.length()));
        return new String(id);
    }
}
