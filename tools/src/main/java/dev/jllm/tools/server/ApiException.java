package dev.jllm.tools.server;

/**
 * A request the server answers with an error: the HTTP status and the fields of OpenAI's error
 * object {@code {"error":{"message","type","param","code"}}}.
 */
final class ApiException extends RuntimeException {
    final int status;
    final String type;
    final String param;
    final String code;

    ApiException(int status, String message, String type, String param, String code) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400 invalid_request_error. */
    static ApiException invalid(String message, String param, String code) {
        return new ApiException(400, message, "invalid_request_error", param, code);
    }

    static ApiException invalidType(String param, String expected, String got) {
        return invalid("Invalid type for '" + param + "': expected " + expected + ", but got " + got + " instead.", param, "invalid_type");
    }

    static ApiException invalidValue(String param, String message) {
        return invalid("Invalid value for '" + param + "': " + message, param, "invalid_value");
    }

    static ApiException missing(String param) {
        return invalid("Missing required parameter: '" + param + "'.", param, "missing_required_parameter");
    }

    static ApiException unsupported(String param, String message) {
        return invalid(message, param, "unsupported_parameter");
    }
}
