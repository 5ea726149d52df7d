package dev.jllm.tools.models;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small HTTP/1.1 file server on a loopback port, written on plain sockets so that tests can make
 * it misbehave exactly: drop the connection after N bytes, ignore Range, answer 404, redirect.
 * One request per connection ({@code Connection: close}).
 */
public final class LoopbackHttpServer implements AutoCloseable {

    /** How one path behaves. */
    public static final class Route {
        final byte[] body;
        boolean honourRange = true;
        String etag = "\"v1\"";
        /** Drop the connection after this many body bytes, for the first {@code dropCount} requests. */
        long dropAfter = -1;
        int dropCount;
        String redirectTo;
        boolean chunked;

        Route(byte[] body) { this.body = body; }

        public Route ignoreRange() { honourRange = false; return this; }
        public Route etag(String e) { etag = e; return this; }
        public Route dropAfter(long bytes, int times) { dropAfter = bytes; dropCount = times; return this; }
        /** Full (200) responses use chunked transfer encoding, without a Content-Length. */
        public Route chunked() { chunked = true; return this; }
    }

    /** What the server received. */
    public record Received(String path, Map<String, String> headers) {
        public String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }
    }

    private final ServerSocket socket;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger served = new AtomicInteger();
    private final Thread acceptor;

    public LoopbackHttpServer() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::acceptLoop, "loopback-http");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public Route serve(String path, byte[] body) {
        Route r = new Route(body);
        routes.put(path, r);
        return r;
    }

    public void redirect(String path, String to) {
        Route r = new Route(new byte[0]);
        r.redirectTo = to;
        routes.put(path, r);
    }

    public String url(String path) {
        return "http://127.0.0.1:" + socket.getLocalPort() + path;
    }

    public List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                Thread t = new Thread(() -> handle(s), "loopback-http-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    private void handle(Socket s) {
        try (s) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            String requestLine = in.readLine();
            if (requestLine == null) return;
            Map<String, String> headers = new HashMap<>();
            for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
                int colon = line.indexOf(':');
                if (colon > 0) headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            String path = requestLine.split(" ")[1];
            received.add(new Received(path, Map.copyOf(headers)));
            OutputStream out = s.getOutputStream();
            Route r = routes.get(path);
            if (r == null) {
                byte[] body = "not found".getBytes(StandardCharsets.US_ASCII);
                write(out, "HTTP/1.1 404 Not Found", Map.of("Content-Length", "" + body.length), body, 0, body.length, -1);
                return;
            }
            if (r.redirectTo != null) {
                write(out, "HTTP/1.1 302 Found", Map.of("Location", r.redirectTo, "Content-Length", "0"), new byte[0], 0, 0, -1);
                return;
            }
            long drop = -1;
            synchronized (r) {
                if (r.dropCount > 0) {
                    r.dropCount--;
                    drop = r.dropAfter;
                }
            }
            Map<String, String> h = new HashMap<>();
            h.put("ETag", r.etag);
            h.put("Accept-Ranges", r.honourRange ? "bytes" : "none");
            String range = headers.get("range");
            String ifRange = headers.get("if-range");
            Matcher m = range == null ? null : RANGE.matcher(range);
            boolean useRange = r.honourRange && m != null && m.matches() && (ifRange == null || ifRange.equals(r.etag));
            if (useRange) {
                long start = Long.parseLong(m.group(1));
                if (start >= r.body.length) {
                    h.put("Content-Range", "bytes */" + r.body.length);
                    h.put("Content-Length", "0");
                    write(out, "HTTP/1.1 416 Range Not Satisfiable", h, r.body, 0, 0, -1);
                    return;
                }
                h.put("Content-Range", "bytes " + start + "-" + (r.body.length - 1) + "/" + r.body.length);
                h.put("Content-Length", "" + (r.body.length - start));
                write(out, "HTTP/1.1 206 Partial Content", h, r.body, (int) start, r.body.length, drop);
            } else if (r.chunked) {
                h.put("Transfer-Encoding", "chunked");
                writeChunked(out, h, r.body, drop);
            } else {
                h.put("Content-Length", "" + r.body.length);
                write(out, "HTTP/1.1 200 OK", h, r.body, 0, r.body.length, drop);
            }
            served.incrementAndGet();
        } catch (IOException e) {
            // client went away
        }
    }

    private static void write(OutputStream out, String status, Map<String, String> headers, byte[] body, int from, int to, long dropAfter) throws IOException {
        StringBuilder b = new StringBuilder(status).append("\r\n");
        headers.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
        b.append("Connection: close\r\n\r\n");
        out.write(b.toString().getBytes(StandardCharsets.ISO_8859_1));
        int end = dropAfter >= 0 ? (int) Math.min(to, from + dropAfter) : to;
        out.write(body, from, end - from);
        out.flush();
        // returning closes the socket: a dropped connection when end < to
    }

    private static void writeChunked(OutputStream out, Map<String, String> headers, byte[] body, long dropAfter) throws IOException {
        write(out, "HTTP/1.1 200 OK", headers, body, 0, 0, -1);
        int end = dropAfter >= 0 ? (int) Math.min(body.length, dropAfter) : body.length;
        for (int pos = 0; pos < body.length; pos += 16384) {
            int n = Math.min(16384, body.length - pos);
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            if (pos + n > end) {
                out.write(body, pos, Math.max(0, end - pos));
                out.flush();
                return; // dropped in the middle of a chunk
            }
            out.write(body, pos, n);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
