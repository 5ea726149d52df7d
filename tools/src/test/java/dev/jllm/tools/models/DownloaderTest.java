package dev.jllm.tools.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jllm.tools.models.Downloader.DownloadException;
import dev.jllm.tools.models.Downloader.Failure;

/** The downloader against a misbehaving server on a loopback port. */
class DownloaderTest {
    @TempDir Path dir;
    LoopbackHttpServer server;
    byte[] data;
    final List<String> notes = new ArrayList<>();
    final Downloader.Listener listener = new Downloader.Listener() {
        @Override public void note(String message) { notes.add(message); }
    };

    @BeforeEach
    void start() throws IOException {
        server = new LoopbackHttpServer();
        data = new byte[300_000];
        new Random(42).nextBytes(data);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    Downloader downloader(int retries) {
        return new Downloader().retries(retries).retryDelay(Duration.ZERO).readTimeout(Duration.ofSeconds(20));
    }

    Downloader.Request request(String path, Long size, String sha) {
        return new Downloader.Request(URI.create(server.url(path)), dir.resolve("model.gguf"), size, sha);
    }

    Path part() {
        return Downloader.partOf(dir.resolve("model.gguf"));
    }

    @Test
    void fullDownloadIsVerifiedAndMovedIntoPlace() throws Exception {
        server.serve("/m.gguf", data);
        long n = downloader(0).download(request("/m.gguf", (long) data.length, sha256(data)), null, listener);
        assertEquals(data.length, n);
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("model.gguf")));
        assertFalse(Files.exists(part()), "no .part left");
        try (var s = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("model.gguf")), s.toList(), "only the model is left in the folder");
        }
        assertNull(server.received().get(0).header("Range"), "a fresh download asks for the whole file");
    }

    @Test
    void droppedConnectionKeepsThePartialFileAndTheNextRunResumesWithRange() throws Exception {
        server.serve("/m.gguf", data).dropAfter(100_000, 1);
        DownloadException e = assertThrows(DownloadException.class,
                () -> downloader(0).download(request("/m.gguf", null, sha256(data)), null, listener));
        assertEquals(Failure.INTERRUPTED, e.failure());
        assertTrue(e.getMessage().contains("run the same command again to resume"), e.getMessage());
        assertEquals(100_000, Files.size(part()), "the bytes received so far are kept");
        assertFalse(Files.exists(dir.resolve("model.gguf")));

        downloader(0).download(request("/m.gguf", null, sha256(data)), null, listener);
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("model.gguf")));
        var second = server.received().get(1);
        assertEquals("bytes=100000-", second.header("Range"));
        assertEquals("\"v1\"", second.header("If-Range"), "resumes only if the file did not change");
        assertTrue(notes.stream().anyMatch(s -> s.startsWith("resuming at")), notes.toString());
        assertFalse(Files.exists(part()));
    }

    @Test
    void droppedConnectionsAreResumedAutomatically() throws Exception {
        server.serve("/m.gguf", data).dropAfter(70_000, 2);
        downloader(3).download(request("/m.gguf", (long) data.length, sha256(data)), null, listener);
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("model.gguf")));
        var rx = server.received();
        assertEquals(3, rx.size());
        assertEquals("bytes=70000-", rx.get(1).header("Range"));
        assertEquals("bytes=140000-", rx.get(2).header("Range"));
        assertEquals(2, notes.stream().filter(s -> s.startsWith("connection lost")).count(), notes.toString());
    }

    @Test
    void droppedChunkedTransferIsNotMistakenForTheEnd() throws Exception {
        // Without a Content-Length only the broken chunk encoding tells that the body is incomplete.
        server.serve("/m.gguf", data).chunked().dropAfter(100_000, 1);
        downloader(1).download(request("/m.gguf", null, null), null, listener);
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("model.gguf")));
        assertEquals("bytes=100000-", server.received().get(1).header("Range"));
    }

    @Test
    void checksumMismatchRemovesTheDownload() throws Exception {
        server.serve("/m.gguf", data);
        String wrong = sha256("something else".getBytes());
        DownloadException e = assertThrows(DownloadException.class,
                () -> downloader(0).download(request("/m.gguf", null, wrong), null, listener));
        assertEquals(Failure.CHECKSUM, e.failure());
        assertTrue(e.getMessage().contains("checksum mismatch") && e.getMessage().contains(wrong) && e.getMessage().contains(sha256(data)), e.getMessage());
        assertFalse(Files.exists(part()), "a corrupt download is not kept for resuming");
        assertFalse(Files.exists(dir.resolve("model.gguf")));
    }

    @Test
    void checksumOfAResumedDownloadCoversTheWholeFile() throws Exception {
        server.serve("/m.gguf", data).dropAfter(50_000, 1);
        assertThrows(DownloadException.class, () -> downloader(0).download(request("/m.gguf", null, sha256(data)), null, listener));
        // Corrupt the kept prefix: the resumed download must then fail its checksum.
        byte[] prefix = Files.readAllBytes(part());
        prefix[10] ^= 1;
        Files.write(part(), prefix);
        DownloadException e = assertThrows(DownloadException.class,
                () -> downloader(0).download(request("/m.gguf", null, sha256(data)), null, listener));
        assertEquals(Failure.CHECKSUM, e.failure());
        assertFalse(Files.exists(part()));
    }

    @Test
    void notFoundIsReportedAndLeavesNothing() {
        DownloadException e = assertThrows(DownloadException.class,
                () -> downloader(3).download(request("/missing.gguf", null, null), null, listener));
        assertEquals(Failure.NOT_FOUND, e.failure());
        assertTrue(e.getMessage().contains("404") && e.getMessage().contains("/missing.gguf"), e.getMessage());
        assertFalse(Files.exists(part()));
        assertFalse(Files.exists(dir.resolve("model.gguf")));
        assertEquals(1, server.received().size(), "a 404 is not retried");
    }

    @Test
    void serverThatIgnoresRangeRestartsFromZero() throws Exception {
        server.serve("/m.gguf", data).ignoreRange().dropAfter(120_000, 1);
        assertThrows(DownloadException.class, () -> downloader(0).download(request("/m.gguf", null, sha256(data)), null, listener));
        assertEquals(120_000, Files.size(part()));
        downloader(0).download(request("/m.gguf", null, sha256(data)), null, listener);
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("model.gguf")), "the old prefix is not glued to a full body");
        assertEquals("bytes=120000-", server.received().get(1).header("Range"));
        assertTrue(notes.stream().anyMatch(s -> s.contains("starting over from zero")), notes.toString());
    }

    @Test
    void fileChangedOnTheServerIsFetchedAfresh() throws Exception {
        server.serve("/m.gguf", data).dropAfter(100_000, 1);
        assertThrows(DownloadException.class, () -> downloader(0).download(request("/m.gguf", null, null), null, listener));
        byte[] v2 = data.clone();
        v2[0] ^= 0x55;
        v2[200_000] ^= 0x55;
        server.serve("/m.gguf", v2).etag("\"v2\"");
        downloader(0).download(request("/m.gguf", null, sha256(v2)), null, listener);
        assertArrayEquals(v2, Files.readAllBytes(dir.resolve("model.gguf")));
    }

    @Test
    void sizeDifferentFromTheRegistryIsRefusedBeforeDownloading() {
        server.serve("/m.gguf", data);
        DownloadException e = assertThrows(DownloadException.class,
                () -> downloader(0).download(request("/m.gguf", 12345L, null), null, listener));
        assertEquals(Failure.SIZE, e.failure());
        assertTrue(e.getMessage().contains("12345"), e.getMessage());
        assertFalse(Files.exists(part()));
    }

    @Test
    void noNetworkSaysTheHostCannotBeReached() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        var req = new Downloader.Request(URI.create("http://127.0.0.1:" + port + "/m.gguf"), dir.resolve("model.gguf"), null, null);
        DownloadException e = assertThrows(DownloadException.class, () -> downloader(0).download(req, null, listener));
        assertEquals(Failure.NETWORK, e.failure());
        assertTrue(e.getMessage().startsWith("cannot reach 127.0.0.1:" + port), e.getMessage());
        assertFalse(Files.exists(part()));
    }

    @Test
    void fullDiskIsDetectedBeforeWriting() {
        server.serve("/m.gguf", data);
        DownloadException e = assertThrows(DownloadException.class,
                () -> downloader(0).usableSpace(p -> 1000).download(request("/m.gguf", null, null), null, listener));
        assertEquals(Failure.DISK_FULL, e.failure());
        assertTrue(e.getMessage().contains("not enough disk space") && e.getMessage().contains(ModelStore.ENV), e.getMessage());
    }

    @Test
    void validatorRejectionRemovesTheFile() {
        server.serve("/m.gguf", "<html>please log in</html>".getBytes());
        DownloadException e = assertThrows(DownloadException.class,
                () -> downloader(0).download(request("/m.gguf", null, null), ModelPuller::checkGguf, listener));
        assertEquals(Failure.INVALID, e.failure());
        assertFalse(Files.exists(part()));
        assertFalse(Files.exists(dir.resolve("model.gguf")));
    }

    @Test
    void redirectsAreFollowed() throws Exception {
        server.serve("/cdn/m.gguf", data);
        server.redirect("/resolve/m.gguf", server.url("/cdn/m.gguf"));
        downloader(0).download(request("/resolve/m.gguf", null, sha256(data)), null, listener);
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("model.gguf")));
    }

    @Test
    void proxyFromTheEnvironment() {
        var env = java.util.Map.of("https_proxy", "http://proxy.corp:3128", "no_proxy", "internal.corp,.mirror.org");
        var p = Downloader.proxyFor(URI.create("https://huggingface.co/x.gguf"), env::get);
        assertEquals("proxy.corp:3128", ((java.net.InetSocketAddress) p.address()).getHostString() + ":" + ((java.net.InetSocketAddress) p.address()).getPort());
        assertNull(Downloader.proxyFor(URI.create("https://files.internal.corp/x.gguf"), env::get), "no_proxy suffix");
        assertNull(Downloader.proxyFor(URI.create("https://a.mirror.org/x.gguf"), env::get), "no_proxy with a leading dot");
        assertNull(Downloader.proxyFor(URI.create("http://huggingface.co/x.gguf"), env::get), "no http_proxy set");
        assertNull(Downloader.proxyFor(URI.create("https://127.0.0.1:8080/x.gguf"), env::get), "loopback is always direct");
    }

    @Test
    void fileNameOfUrl() {
        assertEquals("a b.gguf", Downloader.fileNameOf(URI.create("https://h/x/a%20b.gguf?download=true")));
        assertNull(Downloader.fileNameOf(URI.create("https://h/x/")));
    }
}
