package dev.jllm.tools.server;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jllm.GenerationParams;

/** What a request constrains the reply to: {@code response_format} (text, JSON, a JSON schema) or llama.cpp's {@code grammar}. */
final class ResponseFormatRequest {
    private ResponseFormatRequest() {}

    /**
     * {@code response_format}: {@code text} (the default), {@code json_object}, or
     * {@code json_schema} with the schema in {@code json_schema.schema} (OpenAI's form; llama.cpp's
     * {@code json_object} with a {@code schema} member is accepted too); or llama.cpp's
     * {@code grammar} (GBNF). A schema the engine cannot enforce is a 400 naming the keyword, not
     * a silently looser reply; a grammar with a mistake is a 400 naming its line and column.
     */
    static RequestOptions.ResponseFormat responseFormat(JsonNode body) {
        RequestOptions.ResponseFormat f = responseFormatOnly(body);
        String grammar = RequestParser.string(body, "grammar", "grammar");
        if (grammar == null || grammar.isEmpty()) return f;
        if (f.constrained()) throw ApiException.invalidValue("grammar", "A grammar and a JSON response_format exclude each other.");
        try {
            GenerationParams.builder().grammar(grammar);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidValue("grammar", "The grammar cannot be read: " + e.getMessage() + ".");
        }
        return new RequestOptions.ResponseFormat(false, null, grammar);
    }

    private static RequestOptions.ResponseFormat responseFormatOnly(JsonNode body) {
        JsonNode format = body.get("response_format");
        if (format == null || format.isNull()) return RequestOptions.ResponseFormat.TEXT;
        if (!format.isObject()) throw ApiException.invalidType("response_format", "an object", RequestParser.kind(format));
        String type = RequestParser.string(format, "type", "response_format.type");
        if (type == null || type.equals("text")) return RequestOptions.ResponseFormat.TEXT;
        JsonNode schema;
        String param;
        switch (type) {
            case "json_object" -> {
                schema = format.get("schema");
                param = "response_format.schema";
                if (schema == null || schema.isNull()) return new RequestOptions.ResponseFormat(true, null, null);
            }
            case "json_schema" -> {
                JsonNode spec = format.get("json_schema");
                if (spec == null || spec.isNull()) throw ApiException.missing("response_format.json_schema");
                if (!spec.isObject()) throw ApiException.invalidType("response_format.json_schema", "an object", RequestParser.kind(spec));
                schema = spec.get("schema");
                param = "response_format.json_schema.schema";
                if (schema == null || schema.isNull()) throw ApiException.missing(param);
            }
            default -> throw ApiException.unsupported("response_format",
                    "response_format type '" + type + "' is not supported; use 'text', 'json_object' or 'json_schema'.");
        }
        if (!schema.isObject() && !schema.isBoolean()) throw ApiException.invalidType(param, "an object", RequestParser.kind(schema));
        String text = schema.toString();
        try {
            GenerationParams.builder().jsonSchema(text); // compiles it: refused now rather than when generation starts
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidValue(param, "The JSON schema cannot be enforced: " + e.getMessage() + ".");
        }
        return new RequestOptions.ResponseFormat(false, text, null);
    }
}
