package dev.jllm.tools.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Writes server-sent events: {@code data: <json>} blank-line separated, flushed one by one so the
 * client sees every token as it is generated, ending with {@code data: [DONE]}. A write that
 * fails means the client has gone.
 */
final class SseWriter {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private final ObjectMapper json;

    SseWriter(OutputStream out, ObjectMapper json) {
        this.out = out;
        this.json = json;
    }

    /** A named event ({@code event: NAME} before its data), as Anthropic's API streams. */
    void event(String name, JsonNode data) throws IOException {
        out.write(("event: " + name + "\n").getBytes(StandardCharsets.US_ASCII));
        event(data);
    }

    void event(JsonNode data) throws IOException {
        out.write(DATA);
        out.write(json.writeValueAsBytes(data)); // one line: Jackson escapes newlines in strings
        out.write(END);
        out.flush();
    }

    /** An SSE comment line, which clients ignore: shows whether the client is still there while nothing else is sent. */
    void keepAlive() throws IOException {
        out.write(KEEP_ALIVE);
        out.flush();
    }

    void done() throws IOException {
        out.write(DONE);
        out.flush();
    }
}
