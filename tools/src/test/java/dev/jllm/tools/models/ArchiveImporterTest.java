package dev.jllm.tools.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.sevenz.SevenZArchiveEntry;
import org.apache.commons.compress.archivers.sevenz.SevenZOutputFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.jllm.Completion;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.testing.TestData;
import dev.jllm.tools.models.ArchiveImporter.ImportException;

/** Archives built by the test, in every supported format, good and malicious. */
class ArchiveImporterTest {
    @TempDir Path work;
    Path models;
    Path archives;
    ModelStore store;
    final List<String> log = new ArrayList<>();
    static final byte[] README = "a model\n".getBytes(StandardCharsets.UTF_8);

    @BeforeEach
    void setUp() throws IOException {
        models = work.resolve("home/models");
        archives = Files.createDirectories(work.resolve("archives"));
        store = new ModelStore(models);
    }

    static byte[] stories() throws IOException {
        return Files.readAllBytes(TestData.require("models/stories260K-q4_0.gguf")); // the smallest real model: 370 kB
    }

    ArchiveImporter importer() {
        return new ArchiveImporter(store, ArchiveImporter.Options.defaults(), log::add);
    }

    /** A file entry, or a link when {@code linkType} is set. */
    record E(String name, byte[] data, byte linkType, String linkTarget) {
        static E file(String name, byte[] data) { return new E(name, data, (byte) 0, null); }
        static E link(String name, byte type, String target) { return new E(name, new byte[0], type, target); }
    }

    Path tar(String name, E... entries) throws IOException {
        Path p = archives.resolve(name);
        try (OutputStream raw = Files.newOutputStream(p);
             OutputStream c = name.endsWith(".gz") ? new GzipCompressorOutputStream(raw)
                     : name.endsWith(".xz") ? new XZCompressorOutputStream(raw, 0) // fastest presets: test time
                     : name.endsWith(".bz2") ? new BZip2CompressorOutputStream(raw, 1) : raw;
             TarArchiveOutputStream tar = new TarArchiveOutputStream(c)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (E e : entries) {
                TarArchiveEntry te;
                if (e.linkType() != 0) {
                    te = new TarArchiveEntry(e.name(), e.linkType());
                    te.setLinkName(e.linkTarget());
                } else {
                    te = new TarArchiveEntry(e.name(), true); // keep absolute names as given
                    te.setSize(e.data().length);
                }
                tar.putArchiveEntry(te);
                tar.write(e.data());
                tar.closeArchiveEntry();
            }
        }
        return p;
    }

    Path zip(String name, Map<String, byte[]> files, String symlinkName, String symlinkTarget) throws IOException {
        Path p = archives.resolve(name);
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(p)) {
            for (var f : files.entrySet()) {
                ZipArchiveEntry ze = new ZipArchiveEntry(f.getKey());
                zip.putArchiveEntry(ze);
                zip.write(f.getValue());
                zip.closeArchiveEntry();
            }
            if (symlinkName != null) {
                ZipArchiveEntry link = new ZipArchiveEntry(symlinkName);
                link.setUnixMode(0120777);
                zip.putArchiveEntry(link);
                zip.write(symlinkTarget.getBytes(StandardCharsets.UTF_8));
                zip.closeArchiveEntry();
            }
        }
        return p;
    }

    Path sevenZ(String name, Map<String, byte[]> files) throws IOException {
        Path p = archives.resolve(name);
        try (SevenZOutputFile z = new SevenZOutputFile(p.toFile())) {
            for (var f : files.entrySet()) {
                SevenZArchiveEntry e = new SevenZArchiveEntry();
                e.setName(f.getKey());
                z.putArchiveEntry(e);
                z.write(f.getValue());
                z.closeArchiveEntry();
            }
        }
        return p;
    }

    /** Everything under the work folder except the archives: a refused import must leave nothing. */
    List<String> leftovers() throws IOException {
        try (Stream<Path> s = Files.walk(work)) {
            return s.filter(p -> !p.startsWith(archives) && !p.equals(work) && !Files.isDirectory(p) || p.getFileName().toString().startsWith(".import"))
                    .map(p -> work.relativize(p).toString()).toList();
        }
    }

    void assertLoads(Path gguf) {
        try (Model m = Model.load(gguf)) {
            Completion c = m.newSession().generate("Once upon a time", GenerationParams.greedy(12));
            assertTrue(c.text().startsWith(", there was a little girl"), c.text());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bundle.tar", "bundle.tar.gz", "bundle.tar.xz", "bundle.tar.bz2"})
    void tarArchivesImportAndLoad(String name) throws Exception {
        Path a = tar(name, E.file("stories/README.md", README), E.file("stories/stories260K-q4_0.gguf", stories()));
        ArchiveImporter.Result r = importer().importArchive(a);
        assertEquals(List.of(models.resolve("stories260K-q4_0.gguf")), r.imported());
        assertArrayEquals(stories(), Files.readAllBytes(r.imported().get(0)));
        assertTrue(r.skipped().get(0).startsWith("stories/README.md"), r.skipped().toString());
        assertLoads(r.imported().get(0));
        assertEquals(List.of("home/models/stories260K-q4_0.gguf"), leftovers(), "no temporary folder left");
    }

    @Test
    void zipImportsAndLoads() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("README.md", README);
        files.put("gguf/stories260K-q4_0.gguf", stories());
        Path a = zip("bundle.zip", files, null, null);
        ArchiveImporter.Result r = importer().importArchive(a);
        assertEquals(List.of(models.resolve("stories260K-q4_0.gguf")), r.imported());
        assertLoads(r.imported().get(0));
    }

    @Test
    void sevenZipImportsAndLoads() throws Exception {
        Path a = sevenZ("bundle.7z", Map.of("m/stories260K-q4_0.gguf", stories()));
        ArchiveImporter.Result r = importer().importArchive(a);
        assertEquals(List.of(models.resolve("stories260K-q4_0.gguf")), r.imported());
        assertArrayEquals(stories(), Files.readAllBytes(r.imported().get(0)));
        assertLoads(r.imported().get(0));
    }

    @Test
    void formatIsRecognisedByContentNotByName() throws Exception {
        Path a = tar("bundle.tar.gz", E.file("stories260K-q4_0.gguf", stories()));
        Path renamed = Files.move(a, archives.resolve("download"));
        assertEquals(1, importer().importArchive(renamed).imported().size());
    }

    @Test
    void llama2cBundleIsConvertedToGguf() throws Exception {
        Path a = tar("stories260K.tar.gz",
                E.file("stories260K/stories260K.bin", Files.readAllBytes(TestData.require("models/stories260K.bin"))),
                E.file("stories260K/tok512.bin", Files.readAllBytes(TestData.require("models/tok512.bin"))));
        ArchiveImporter.Result r = importer().importArchive(a);
        assertEquals(List.of(models.resolve("stories260K.gguf")), r.imported());
        assertLoads(r.imported().get(0));
        assertEquals(List.of("home/models/stories260K.gguf"), leftovers(), "the .bin files are not kept after conversion");
    }

    @Test
    void llama2cBundleCanBeKeptAsIs() throws Exception {
        Path a = tar("stories260K.tar", E.file("stories260K.bin", Files.readAllBytes(TestData.require("models/stories260K.bin"))),
                E.file("tok512.bin", Files.readAllBytes(TestData.require("models/tok512.bin"))));
        var r = new ArchiveImporter(store, new ArchiveImporter.Options(1L << 30, false, false), log::add).importArchive(a);
        assertEquals(List.of(models.resolve("stories260K.bin"), models.resolve("tok512.bin")), r.imported());
    }

    void assertRefused(Path archive, ArchiveImporter importer, String... expected) throws IOException {
        ImportException e = assertThrows(ImportException.class, () -> importer.importArchive(archive));
        for (String s : expected) assertTrue(e.getMessage().contains(s), "'" + s + "' in: " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        assertEquals(List.of(), leftovers(), "a refused import leaves nothing behind");
    }

    @Test
    void pathTraversalInTarIsRefused() throws Exception {
        Path a = tar("evil.tar.gz", E.file("stories260K-q4_0.gguf", stories()), E.file("../evil.gguf", stories()));
        assertRefused(a, importer(), "'../evil.gguf'", "leaves the extraction folder");
        assertFalse(Files.exists(work.resolve("home/evil.gguf")));
    }

    @Test
    void pathTraversalInZipIsRefused() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("ok/stories260K-q4_0.gguf", stories());
        files.put("ok/../../evil.gguf", stories());
        assertRefused(zip("evil.zip", files, null, null), importer(), "evil.gguf", "../");
    }

    @Test
    void absolutePathIsRefused() throws Exception {
        Path a = tar("abs.tar", E.file("/tmp/stories260K-q4_0.gguf", stories()));
        assertRefused(a, importer(), "absolute path");
    }

    @Test
    void symlinkInTarIsRefused() throws Exception {
        Path a = tar("link.tar.xz", E.file("stories260K-q4_0.gguf", stories()), E.link("model.gguf", TarConstants.LF_SYMLINK, "/etc/passwd"));
        assertRefused(a, importer(), "'model.gguf'", "symbolic link to /etc/passwd");
    }

    @Test
    void hardLinkInTarIsRefused() throws Exception {
        Path a = tar("hard.tar", E.file("stories260K-q4_0.gguf", stories()), E.link("copy.gguf", TarConstants.LF_LINK, "stories260K-q4_0.gguf"));
        assertRefused(a, importer(), "hard link");
    }

    @Test
    void symlinkInZipIsRefused() throws Exception {
        assertRefused(zip("link.zip", Map.of("stories260K-q4_0.gguf", stories()), "other.gguf", "../../../etc/passwd"), importer(), "symbolic link");
    }

    @Test
    void truncatedArchivesAreRefused() throws Exception {
        for (Path full : List.of(tar("t.tar.gz", E.file("stories260K-q4_0.gguf", stories())),
                tar("t.tar", E.file("stories260K-q4_0.gguf", stories())),
                zip("t.zip", Map.of("stories260K-q4_0.gguf", stories()), null, null),
                sevenZ("t.7z", Map.of("stories260K-q4_0.gguf", stories())))) {
            byte[] b = Files.readAllBytes(full);
            Path cut = archives.resolve("cut-" + full.getFileName());
            Files.write(cut, Arrays.copyOf(b, b.length / 2));
            assertRefused(cut, importer(), "cut-" + full.getFileName());
            assertTrue(log.stream().noneMatch(l -> l.contains("extracted") && l.contains("cut-")), log.toString());
        }
    }

    @Test
    void oversizedEntryIsRefused() throws Exception {
        Path a = tar("big.tar.gz", E.file("stories260K-q4_0.gguf", stories()));
        assertRefused(a, new ArchiveImporter(store, new ArchiveImporter.Options(100_000, true, false), log::add), "more than the limit", "--max-entry-size");
        Path z = zip("big.zip", Map.of("stories260K-q4_0.gguf", stories()), null, null);
        assertRefused(z, new ArchiveImporter(store, new ArchiveImporter.Options(100_000, true, false), log::add), "more than the limit");
    }

    @Test
    void invalidGgufIsRefused() throws Exception {
        byte[] bad = Arrays.copyOf(stories(), 5000);
        Path a = tar("bad.tar.gz", E.file("good.gguf", stories()), E.file("bad.gguf", bad));
        assertRefused(a, importer(), "bad.gguf is not a valid GGUF file");
    }

    @Test
    void archiveWithoutModelsIsRefused() throws Exception {
        assertRefused(tar("docs.tar", E.file("README.md", README)), importer(), "no GGUF file");
    }

    @Test
    void existingFileIsNotReplacedWithoutForce() throws Exception {
        Files.createDirectories(models);
        Files.writeString(models.resolve("stories260K-q4_0.gguf"), "mine");
        Path a = tar("x.tar", E.file("stories260K-q4_0.gguf", stories()));
        ImportException e = assertThrows(ImportException.class, () -> importer().importArchive(a));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals("mine", Files.readString(models.resolve("stories260K-q4_0.gguf")));
        var r = new ArchiveImporter(store, new ArchiveImporter.Options(1L << 30, true, true), log::add).importArchive(a);
        assertArrayEquals(stories(), Files.readAllBytes(r.imported().get(0)));
    }

    @Test
    void plainGgufIsNotTakenForAnArchive() {
        ImportException e = assertThrows(ImportException.class, () -> importer().importArchive(TestData.require("models/stories260K-q4_0.gguf")));
        assertTrue(e.getMessage().contains("is a GGUF file, not an archive"), e.getMessage());
    }
}
