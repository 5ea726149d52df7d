package dev.jllm.tools.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Properties;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads one file over HTTP(S) into {@code TARGET.part}, resuming an earlier partial download
 * with an HTTP Range request (guarded by {@code If-Range}, so a file that changed on the server is
 * fetched afresh), retrying a dropped connection a few times, checking the size the server and
 * the caller announce and the SHA-256 when known, and finally renaming the file into place
 * atomically. A partial file is kept when the download can be resumed later (dropped connection,
 * disk full) and removed when it is known to be bad (checksum or size mismatch, 404).
 */
public final class Downloader {

    /** What went wrong, so that callers can add advice (e.g. "no network: pass a local file"). */
    public enum Failure { NETWORK, HTTP, NOT_FOUND, INTERRUPTED, CHECKSUM, SIZE, DISK_FULL, INVALID, IO }

    public static final class DownloadException extends dev.jllm.JllmException {
        private final Failure failure;

        public DownloadException(Failure failure, String message) {
            super(message);
            this.failure = failure;
        }

        public DownloadException(Failure failure, String message, Throwable cause) {
            super(message, cause);
            this.failure = failure;
        }

        public Failure failure() { return failure; }
    }

    /** Progress callbacks; called on the downloading thread. */
    public interface Listener {
        /** A transfer starts at {@code offset} (bytes already on disk) of {@code total} (-1 if unknown). */
        default void started(long offset, long total) {}
        default void progress(long done, long total) {}
        /** A line worth telling the user (resuming, retrying, starting over). */
        default void note(String message) {}
        Listener NONE = new Listener() {};
    }

    /** A file to fetch. {@code expectedSize} and {@code sha256} are checked when not null. */
    public record Request(URI url, Path target, Long expectedSize, String sha256) {}

    /** Checks a finished download before it is renamed into place; throws to reject it. */
    @FunctionalInterface
    public interface Validator {
        void check(Path downloaded) throws Exception;
    }

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int MAX_REDIRECTS = 10;

    private Duration connectTimeout = Duration.ofSeconds(30);
    private Duration readTimeout = Duration.ofSeconds(60);
    private int retries = 3;
    private Duration retryDelay = Duration.ofSeconds(2);
    private ToLongFunction<Path> usableSpace = Downloader::usableSpaceOf;
    private String userAgent = "jllm/0.1";

    public Downloader connectTimeout(Duration d) { connectTimeout = d; return this; }
    public Downloader readTimeout(Duration d) { readTimeout = d; return this; }
    /** How many times a dropped transfer is resumed automatically before giving up. */
    public Downloader retries(int n) { retries = Math.max(0, n); return this; }
    /** First pause before an automatic retry; doubled each time. */
    public Downloader retryDelay(Duration d) { retryDelay = d; return this; }
    /** Free space probe (tests use a fake to simulate a full disk). */
    public Downloader usableSpace(ToLongFunction<Path> f) { usableSpace = f; return this; }

    public static Path partOf(Path target) {
        return target.resolveSibling(target.getFileName() + ModelStore.PART_SUFFIX);
    }

    static Path metaOf(Path target) {
        return target.resolveSibling(target.getFileName() + ModelStore.META_SUFFIX);
    }

    /** The decoded last path segment of a URL, or null if it has none. */
    public static String fileNameOf(URI url) {
        String path = url.getRawPath();
        if (path == null || path.isEmpty() || path.endsWith("/")) return null;
        String last = path.substring(path.lastIndexOf('/') + 1);
        String name = URLDecoder.decode(last, StandardCharsets.UTF_8);
        return name.isEmpty() ? null : name;
    }

    /**
     * Downloads {@code req.url} to {@code req.target}.
     *
     * @return the number of bytes of the file
     * @throws DownloadException with a one-line message saying what happened and what to do
     */
    public long download(Request req, Validator validator, Listener listener) {
        Path target = req.target();
        Path part = partOf(target);
        Path meta = metaOf(target);
        MessageDigest digest = sha256();
        long hashed = 0; // bytes of the .part file already fed to the digest
        int attempt = 0;
        long total;
        while (true) {
            long have = size(part);
            Properties m = readMeta(meta);
            if (have > 0 && !req.url().toString().equals(m.getProperty("url"))) {
                listener.note("discarding a partial download that came from another URL");
                deletePartial(part, meta);
                have = 0;
            }
            if (have > 0 && req.expectedSize() != null && have > req.expectedSize()) {
                deletePartial(part, meta);
                have = 0;
            }
            if (have == 0) m = new Properties();
            String validatorTag = m.getProperty("etag", m.getProperty("last-modified"));
            Response r = open(req.url(), have > 0 ? have : -1, validatorTag);
            HttpURLConnection c = r.connection;
            try {
                int status = r.status;
                long offset;
                if (status == 416 && have > 0) {
                    // Nothing left to send: either the partial file is already complete, or it is stale.
                    long remoteTotal = totalFromContentRange(c.getHeaderField("Content-Range"));
                    if (remoteTotal == have) {
                        total = have;
                        break;
                    }
                    listener.note("the server refused to resume; starting over");
                    deletePartial(part, meta);
                    continue;
                }
                if (status == 404 || status == 410) {
                    deletePartial(part, meta);
                    throw new DownloadException(Failure.NOT_FOUND, "not found (HTTP " + status + "): " + req.url());
                }
                if (status == 401 || status == 403) {
                    throw new DownloadException(Failure.HTTP, "access denied (HTTP " + status + ") for " + req.url()
                            + " — the model may need its licence accepted on the website; for Hugging Face set HF_TOKEN");
                }
                if (status >= 500 && attempt < retries) {
                    attempt++;
                    listener.note("server error (HTTP " + status + "); retrying (" + attempt + " of " + retries + ")");
                    pause(attempt);
                    continue;
                }
                if (status == 200) {
                    if (have > 0) listener.note("the server does not resume downloads (no HTTP range support); starting over from zero");
                    offset = 0;
                    total = c.getContentLengthLong();
                } else if (status == 206) {
                    Matcher mr = CONTENT_RANGE.matcher(String.valueOf(c.getHeaderField("Content-Range")));
                    if (!mr.matches() || Long.parseLong(mr.group(1)) != have) {
                        listener.note("the server sent an unexpected range; starting over");
                        deletePartial(part, meta);
                        continue;
                    }
                    offset = have;
                    total = mr.group(3).equals("*") ? -1 : Long.parseLong(mr.group(3));
                    listener.note("resuming at " + ModelStore.humanSize(have) + (total > 0 ? " of " + ModelStore.humanSize(total) : ""));
                } else {
                    throw new DownloadException(Failure.HTTP, "HTTP " + status + (r.message != null ? " " + r.message : "") + " for " + req.url());
                }
                if (req.expectedSize() != null && total >= 0 && total != req.expectedSize()) {
                    deletePartial(part, meta);
                    throw new DownloadException(Failure.SIZE, "the server offers " + total + " bytes but " + req.expectedSize()
                            + " were expected for " + req.url() + " — the file changed upstream or the registry entry is wrong");
                }
                long expectedTotal = total >= 0 ? total : req.expectedSize() != null ? req.expectedSize() : -1;
                if (expectedTotal >= 0) {
                    long free = usableSpace.applyAsLong(target.toAbsolutePath().getParent());
                    long need = expectedTotal - offset;
                    if (free >= 0 && need > free) {
                        throw new DownloadException(Failure.DISK_FULL, "not enough disk space in " + target.getParent() + ": "
                                + ModelStore.humanSize(need) + " needed, " + ModelStore.humanSize(free) + " free — free some space or set "
                                + ModelStore.ENV + " to a folder on another disk");
                    }
                }
                Properties nm = new Properties();
                nm.setProperty("url", req.url().toString());
                String etag = c.getHeaderField("ETag");
                String lastModified = c.getHeaderField("Last-Modified");
                if (etag != null && !etag.startsWith("W/")) nm.setProperty("etag", etag);
                else if (lastModified != null) nm.setProperty("last-modified", lastModified);
                if (total >= 0) nm.setProperty("total", Long.toString(total));
                writeMeta(meta, nm);
                if (offset != hashed) { // restarted, or resuming a part written by an earlier run: re-hash what is on disk
                    digest.reset();
                    hashed = 0;
                    if (offset > 0) hashed = hashPrefix(part, offset, digest);
                }
                listener.started(offset, expectedTotal);
                long done = offset;
                boolean dropped = false;
                try (InputStream in = c.getInputStream();
                     OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                             offset == 0 ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND)) {
                    byte[] buf = new byte[1 << 16];
                    while (true) {
                        int n;
                        try {
                            n = in.read(buf);
                        } catch (IOException e) {
                            dropped = true; // handled below like a short body
                            break;
                        }
                        if (n < 0) break;
                        if (expectedTotal >= 0 && done + n > expectedTotal) {
                            throw new DownloadException(Failure.SIZE, "the server sent more than the announced " + expectedTotal + " bytes");
                        }
                        try {
                            out.write(buf, 0, n);
                        } catch (IOException e) {
                            throw diskError(target, e);
                        }
                        digest.update(buf, 0, n);
                        done += n;
                        hashed = done;
                        listener.progress(done, expectedTotal);
                    }
                } catch (DownloadException e) {
                    if (e.failure() == Failure.SIZE) deletePartial(part, meta);
                    throw e;
                }
                if (!dropped && (total < 0 || done == total)) {
                    total = done;
                    break;
                }
                // The connection ended early: resume from what we have.
                if (attempt >= retries) {
                    throw new DownloadException(Failure.INTERRUPTED, "download interrupted at " + ModelStore.humanSize(done) + " of "
                            + ModelStore.humanSize(total) + "; the partial file is kept — run the same command again to resume");
                }
                attempt++;
                listener.note("connection lost at " + ModelStore.humanSize(done) + " of " + ModelStore.humanSize(total)
                        + "; resuming (retry " + attempt + " of " + retries + ")");
                pause(attempt);
            } catch (IOException e) {
                throw new DownloadException(Failure.IO, "download of " + req.url() + " failed: " + e.getMessage(), e);
            } finally {
                c.disconnect();
            }
        }

        if (req.expectedSize() != null && total != req.expectedSize()) {
            deletePartial(part, meta);
            throw new DownloadException(Failure.SIZE, "downloaded " + total + " bytes but " + req.expectedSize() + " were expected; the download was removed");
        }
        if (req.sha256() != null) {
            if (hashed != total) {
                digest.reset();
                hashPrefix(part, total, digest);
            }
            String got = HexFormat.of().formatHex(digest.digest());
            if (!got.equalsIgnoreCase(req.sha256())) {
                deletePartial(part, meta);
                throw new DownloadException(Failure.CHECKSUM, "checksum mismatch for " + target.getFileName() + ": expected sha256 "
                        + req.sha256().toLowerCase(Locale.ROOT) + ", got " + got + "; the corrupt download was removed — run the command again to fetch it afresh");
            }
        }
        if (validator != null) {
            try {
                validator.check(part);
            } catch (Exception e) {
                deletePartial(part, meta);
                throw new DownloadException(Failure.INVALID, "the downloaded file is not usable (" + e.getMessage() + "); it was removed");
            }
        }
        try {
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.deleteIfExists(meta);
        } catch (IOException e) {
            throw new DownloadException(Failure.IO, "cannot move " + part + " to " + target + ": " + e.getMessage(), e);
        }
        return total;
    }

    private record Response(HttpURLConnection connection, int status, String message) {}

    /** Opens a GET, following redirects by hand (never from https to http). */
    private Response open(URI url, long rangeStart, String ifRange) {
        URI current = url;
        String token = System.getenv("HF_TOKEN");
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpURLConnection c;
            try {
                java.net.Proxy proxy = proxyFor(current, Downloader::env);
                c = (HttpURLConnection) (proxy == null ? current.toURL().openConnection() : current.toURL().openConnection(proxy));
                c.setInstanceFollowRedirects(false);
                c.setConnectTimeout((int) connectTimeout.toMillis());
                c.setReadTimeout((int) readTimeout.toMillis());
                c.setRequestProperty("User-Agent", userAgent);
                c.setRequestProperty("Accept-Encoding", "identity");
                if (rangeStart > 0) {
                    c.setRequestProperty("Range", "bytes=" + rangeStart + "-");
                    if (ifRange != null) c.setRequestProperty("If-Range", ifRange);
                }
                if (token != null && !token.isBlank() && current.getHost() != null && current.getHost().toLowerCase(Locale.ROOT).endsWith("huggingface.co")) {
                    c.setRequestProperty("Authorization", "Bearer " + token.strip());
                }
                int status = c.getResponseCode();
                if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                    String loc = c.getHeaderField("Location");
                    c.disconnect();
                    if (loc == null) throw new DownloadException(Failure.HTTP, "HTTP " + status + " without a Location from " + current);
                    URI next = current.resolve(new URI(loc.replace(" ", "%20")));
                    if ("https".equals(current.getScheme()) && !"https".equals(next.getScheme())) {
                        throw new DownloadException(Failure.HTTP, "refusing a redirect from https to " + next.getScheme() + ": " + next);
                    }
                    current = next;
                    continue;
                }
                return new Response(c, status, c.getResponseMessage());
            } catch (UnknownHostException e) {
                throw new DownloadException(Failure.NETWORK, "cannot reach " + current.getHost() + " (unknown host — no network or no DNS?)", e);
            } catch (ConnectException | NoRouteToHostException e) {
                throw new DownloadException(Failure.NETWORK, "cannot reach " + hostPort(current) + " (" + e.getMessage() + ")", e);
            } catch (SocketTimeoutException e) {
                throw new DownloadException(Failure.NETWORK, "cannot reach " + hostPort(current) + " (timed out)", e);
            } catch (javax.net.ssl.SSLException e) {
                throw new DownloadException(Failure.NETWORK, "secure connection to " + current.getHost() + " failed: " + e.getMessage(), e);
            } catch (URISyntaxException e) {
                throw new DownloadException(Failure.HTTP, "bad redirect location from " + current + ": " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new DownloadException(Failure.HTTP, "bad URL " + current + ": " + e.getMessage(), e);
            } catch (IOException e) {
                throw new DownloadException(Failure.NETWORK, "cannot download " + current + ": " + e.getMessage(), e);
            }
        }
        throw new DownloadException(Failure.HTTP, "too many redirects from " + url);
    }

    /**
     * The proxy named by {@code https_proxy} / {@code http_proxy} (either case) for this URL,
     * unless {@code no_proxy} lists its host or it is a loopback address; null for a direct
     * connection. (The JDK itself only reads the {@code http(s).proxyHost} system properties.)
     */
    static java.net.Proxy proxyFor(URI url, java.util.function.UnaryOperator<String> env) {
        String host = url.getHost();
        if (host == null || host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1")) return null;
        String scheme = url.getScheme();
        String spec = env.apply(scheme + "_proxy");
        if (spec == null || spec.isBlank()) return null;
        String noProxy = env.apply("no_proxy");
        if (noProxy != null) {
            for (String n : noProxy.split(",")) {
                String d = n.trim().toLowerCase(Locale.ROOT);
                if (d.isEmpty()) continue;
                if (d.equals("*")) return null;
                if (d.startsWith(".")) d = d.substring(1);
                String h = host.toLowerCase(Locale.ROOT);
                if (h.equals(d) || h.endsWith("." + d)) return null;
            }
        }
        try {
            URI p = URI.create(spec.contains("://") ? spec : "http://" + spec);
            if (p.getHost() == null) return null;
            int port = p.getPort() > 0 ? p.getPort() : 80;
            return new java.net.Proxy(java.net.Proxy.Type.HTTP, java.net.InetSocketAddress.createUnresolved(p.getHost(), port));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String env(String name) {
        String v = System.getenv(name.toLowerCase(Locale.ROOT));
        return v != null ? v : System.getenv(name.toUpperCase(Locale.ROOT));
    }

    private static String hostPort(URI u) {
        return u.getPort() > 0 ? u.getHost() + ":" + u.getPort() : u.getHost();
    }

    private static long totalFromContentRange(String header) {
        if (header == null) return -1;
        Matcher m = Pattern.compile("bytes\\s+\\*/(\\d+)").matcher(header);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private DownloadException diskError(Path target, IOException e) {
        String msg = String.valueOf(e.getMessage());
        if (msg.contains("No space left") || msg.contains("not enough space") || msg.contains("Disk quota")) {
            return new DownloadException(Failure.DISK_FULL, "disk full while writing " + partOf(target) + "; the partial file is kept — free some space (or set "
                    + ModelStore.ENV + " to another disk) and run the same command again to resume", e);
        }
        return new DownloadException(Failure.IO, "cannot write " + partOf(target) + ": " + msg, e);
    }

    private void pause(int attempt) {
        long ms = retryDelay.toMillis() << Math.min(attempt - 1, 6);
        if (ms <= 0) return;
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DownloadException(Failure.INTERRUPTED, "download interrupted; run the same command again to resume");
        }
    }

    private static long hashPrefix(Path file, long length, MessageDigest digest) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) break;
                digest.update(buf, 0, n);
                left -= n;
            }
            return length - left;
        } catch (IOException e) {
            throw new DownloadException(Failure.IO, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.isRegularFile(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static Properties readMeta(Path meta) {
        Properties p = new Properties();
        if (Files.isRegularFile(meta)) {
            try (Reader r = Files.newBufferedReader(meta, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException | IllegalArgumentException e) {
                p.clear();
            }
        }
        return p;
    }

    private static void writeMeta(Path meta, Properties p) {
        try (Writer w = Files.newBufferedWriter(meta, StandardCharsets.UTF_8)) {
            p.store(w, "jllm partial download");
        } catch (IOException e) {
            throw new DownloadException(Failure.IO, "cannot write " + meta + ": " + e.getMessage(), e);
        }
    }

    private static void deletePartial(Path part, Path meta) {
        try {
            Files.deleteIfExists(part);
            Files.deleteIfExists(meta);
        } catch (IOException e) {
            throw new DownloadException(Failure.IO, "cannot delete " + part + ": " + e.getMessage(), e);
        }
    }

    private static long usableSpaceOf(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }
}
