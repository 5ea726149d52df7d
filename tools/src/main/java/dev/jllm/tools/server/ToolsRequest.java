package dev.jllm.tools.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jllm.Tool;
import dev.jllm.ToolCall;
import dev.jllm.ToolChoice;
import dev.jllm.sampling.JsonValues;

/** The function-calling parts of a chat request: {@code tools}, {@code tool_choice}, and assistant {@code tool_calls} in the history. */
final class ToolsRequest {
    private ToolsRequest() {}

    /** An assistant message's {@code tool_calls}: {@code [{id, type: "function", function: {name, arguments: "<JSON text>"}}]}. */
    static List<ToolCall> toolCalls(JsonNode calls, String param) {
        if (calls == null || calls.isNull()) return List.of();
        if (!calls.isArray()) throw ApiException.invalidType(param, "an array", RequestParser.kind(calls));
        List<ToolCall> out = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            JsonNode c = calls.get(i);
            String where = param + "[" + i + "]";
            if (!c.isObject()) throw ApiException.invalidType(where, "an object", RequestParser.kind(c));
            String id = RequestParser.string(c, "id", where + ".id");
            if (id == null) throw ApiException.missing(where + ".id");
            JsonNode f = c.get("function");
            if (f == null || !f.isObject()) throw ApiException.missing(where + ".function");
            String name = RequestParser.string(f, "name", where + ".function.name");
            if (name == null) throw ApiException.missing(where + ".function.name");
            JsonNode args = f.get("arguments");
            String arguments;
            if (args == null || args.isNull()) arguments = "{}";
            else if (args.isTextual()) arguments = args.asText();
            else if (args.isObject()) arguments = args.toString();
            else throw ApiException.invalidType(where + ".function.arguments", "a string of JSON", RequestParser.kind(args));
            String problem = notAJsonObject(arguments);
            if (problem != null) {
                throw ApiException.invalidValue(where + ".function.arguments", "The arguments must be a JSON object in a string: " + problem + ".");
            }
            out.add(new ToolCall(id, name, arguments));
        }
        return out;
    }

    /** {@code tools}: {@code [{type: "function", function: {name, description?, parameters?}}]}. */
    static List<Tool> tools(JsonNode body) {
        JsonNode t = body.get("tools");
        if (t == null || t.isNull()) return List.of();
        if (!t.isArray()) throw ApiException.invalidType("tools", "an array", RequestParser.kind(t));
        List<Tool> out = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < t.size(); i++) {
            JsonNode tool = t.get(i);
            String where = "tools[" + i + "]";
            if (!tool.isObject()) throw ApiException.invalidType(where, "an object", RequestParser.kind(tool));
            String type = RequestParser.string(tool, "type", where + ".type");
            if (!"function".equals(type)) throw ApiException.unsupported(where + ".type", "Tools of type '" + type + "' are not supported; only 'function'.");
            JsonNode f = tool.get("function");
            if (f == null || !f.isObject()) throw ApiException.missing(where + ".function");
            String name = RequestParser.string(f, "name", where + ".function.name");
            if (name == null) throw ApiException.missing(where + ".function.name");
            if (!names.add(name)) throw ApiException.invalidValue(where + ".function.name", "Two tools are named '" + name + "'.");
            JsonNode params = f.get("parameters");
            if (params != null && !params.isNull() && !params.isObject()) throw ApiException.invalidType(where + ".function.parameters", "an object", RequestParser.kind(params));
            try {
                out.add(new Tool(name, RequestParser.string(f, "description", where + ".function.description"),
                        params == null || params.isNull() ? null : params.toString()));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalidValue(where + ".function", e.getMessage() + ".");
            }
        }
        return List.copyOf(out);
    }

    /** {@code tool_choice}: "none", "auto" (the default), "required", or {@code {type: "function", function: {name}}}. */
    static ToolChoice toolChoice(JsonNode body, List<Tool> tools) {
        JsonNode c = body.get("tool_choice");
        if (c == null || c.isNull()) return ToolChoice.auto();
        ToolChoice choice;
        if (c.isTextual()) {
            choice = switch (c.asText()) {
                case "auto" -> ToolChoice.auto();
                case "none" -> ToolChoice.none();
                case "required" -> ToolChoice.required();
                default -> throw ApiException.invalidValue("tool_choice", "'" + c.asText() + "' is not one of 'none', 'auto', 'required' or a named function.");
            };
        } else if (c.isObject()) {
            JsonNode f = c.get("function");
            String name = f != null && f.isObject() ? RequestParser.string(f, "name", "tool_choice.function.name") : null;
            if (name == null) throw ApiException.missing("tool_choice.function.name");
            choice = ToolChoice.function(name);
        } else {
            throw ApiException.invalidType("tool_choice", "a string or an object", RequestParser.kind(c));
        }
        if (choice.forced() && tools.isEmpty()) throw ApiException.invalidValue("tool_choice", "tool_choice '" + choice.mode().name().toLowerCase() + "' needs tools.");
        if (choice.mode() == ToolChoice.Mode.FUNCTION && tools.stream().noneMatch(t -> t.name().equals(choice.function()))) {
            throw ApiException.invalidValue("tool_choice", "tool_choice names function '" + choice.function() + "', which is not among the tools.");
        }
        return choice;
    }

    /** Why a tool call's arguments are not a JSON object, or null when they are one. */
    static String notAJsonObject(String arguments) {
        try {
            return JsonValues.parse(arguments) instanceof Map ? null : "not a JSON object";
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }
}
