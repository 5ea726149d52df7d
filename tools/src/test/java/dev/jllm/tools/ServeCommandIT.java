package dev.jllm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

/** {@code jllm serve}'s command line: one-line errors for bad options, and a clean stop. */
class ServeCommandIT {

    @Test
    void badOptionsAreOneLineUsageErrors() {
        JarRunner.Result r = JarRunner.run(null, "serve", "-m", CliIT.stories(), "--port", "70000");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("--port must be between 0 and 65535"), r.err());
        JarRunner.Result q = JarRunner.run(null, "serve", "-m", CliIT.stories(), "--parallel", "0");
        assertEquals(2, q.status(), q.err());
        assertTrue(q.err().contains("--parallel must be at least 1"), q.err());
        JarRunner.Result m = JarRunner.run(null, "serve", "-m", "no-such-model.gguf");
        assertEquals(2, m.status(), m.err());
        assertTrue(m.err().contains("model file not found"), m.err());
    }

    @Test
    void aPortInUseIsAClearError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            JarRunner.Result r = JarRunner.run(null, "serve", "-m", CliIT.stories(), "--port", Integer.toString(taken.getLocalPort()));
            assertEquals(2, r.status(), r.err());
            assertTrue(r.err().contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()), r.err());
        }
    }

    @Test
    void servesAndLogsOneLinePerRequest() throws Exception {
        try (ServerProcess server = ServerProcess.start("-m", CliIT.stories())) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("\"status\":\"ok\""), r.body());
            long end = System.nanoTime() + 10_000_000_000L;
            while (!server.stderr().contains("GET /health 200") && System.nanoTime() < end) Thread.sleep(20);
            assertTrue(server.stderr().contains("GET /health 200"), server.stderr());
        }
    }
}
