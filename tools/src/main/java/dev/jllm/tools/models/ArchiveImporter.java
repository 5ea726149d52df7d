package dev.jllm.tools.models;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

import org.apache.commons.compress.archivers.sevenz.SevenZArchiveEntry;
import org.apache.commons.compress.archivers.sevenz.SevenZFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

import dev.jllm.JllmException;
import dev.jllm.tools.convert.Llama2cConverter;

/**
 * Unpacks models from an archive ({@code .tar}, {@code .tar.gz}, {@code .tar.xz},
 * {@code .tar.bz2}, {@code .zip}, {@code .7z}; recognised by content, not by name) into the
 * models folder: its GGUF files, and llama2.c checkpoint + tokenizer pairs converted to GGUF.
 *
 * <p>Archives are read as streams, entry by entry (zip and 7z through their own random-access
 * readers, since their directories sit at the end), never whole in memory. The import is all or
 * nothing: files are extracted into a hidden temporary folder inside the models folder, each
 * GGUF file is opened and checked, and only then are they moved into place; any refusal — a
 * path that climbs out ({@code ../}) or is absolute, a symbolic or hard link, a device, an entry
 * larger than the limit, a truncated or corrupt archive, a file that already exists — leaves
 * nothing behind.
 */
public final class ArchiveImporter {

    /** Why an archive was refused; the message names the entry. */
    public static final class ImportException extends JllmException {
        public ImportException(String message) { super(message); }
        public ImportException(String message, Throwable cause) { super(message, cause); }
    }

    /**
     * @param maxEntrySize largest file accepted from the archive, in bytes
     * @param convertLlama2c convert llama2.c pairs to GGUF (else copy the two .bin files as they are)
     * @param replace replace files of the same name already in the models folder
     */
    public record Options(long maxEntrySize, boolean convertLlama2c, boolean replace) {
        public static final long DEFAULT_MAX_ENTRY_SIZE = 256L << 30; // 256 GiB: larger than any model we can run
        public static Options defaults() { return new Options(DEFAULT_MAX_ENTRY_SIZE, true, false); }
    }

    /** What was imported (final paths) and what was left out, with reasons. */
    public record Result(List<Path> imported, List<String> skipped) {}

    enum Format { TAR, TAR_GZ, TAR_XZ, TAR_BZ2, ZIP, SEVEN_Z }

    private enum Kind { FILE, DIRECTORY, SYMLINK, HARDLINK, SPECIAL, SKIP }

    private record Item(String name, Kind kind, long size, String linkTarget) {}

    private final ModelStore store;
    private final Options options;
    private final Consumer<String> log;
    private ToLongFunction<Path> usableSpace = p -> {
        try {
            return Files.getFileStore(p).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    };

    public ArchiveImporter(ModelStore store, Options options, Consumer<String> log) {
        this.store = store;
        this.options = options;
        this.log = log;
    }

    /** Free space probe (tests use a fake). */
    public ArchiveImporter usableSpace(ToLongFunction<Path> f) {
        this.usableSpace = f;
        return this;
    }

    public Result importArchive(Path archive) {
        if (!Files.isRegularFile(archive)) throw new ImportException("archive not found: " + archive);
        String archiveName = archive.getFileName().toString();
        Format format = detect(archive);
        Path folder;
        try {
            folder = store.ensureFolder();
        } catch (IOException e) {
            throw new ImportException("cannot create the models folder " + store.folder() + ": " + e.getMessage(), e);
        }
        Path tmp;
        try {
            tmp = Files.createTempDirectory(folder, ".import-");
        } catch (IOException e) {
            throw new ImportException("cannot create a temporary folder in " + folder + ": " + e.getMessage(), e);
        }
        try {
            Extraction x = new Extraction(tmp, archiveName);
            try {
                switch (format) {
                    case TAR, TAR_GZ, TAR_XZ, TAR_BZ2 -> readTar(archive, format, x);
                    case ZIP -> readZip(archive, x);
                    case SEVEN_Z -> readSevenZ(archive, x);
                }
            } catch (ImportException e) {
                throw e;
            } catch (EOFException e) {
                throw new ImportException(archiveName + " is truncated (unexpected end of data" + (x.current != null ? " in " + x.current : "") + ")", e);
            } catch (IOException e) {
                throw new ImportException(archiveName + " is truncated or corrupt" + (x.current != null ? " (in " + x.current + ")" : "") + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                // Commons Compress reports some corruptions as unchecked exceptions.
                throw new ImportException(archiveName + " is corrupt" + (x.current != null ? " (in " + x.current + ")" : "") + ": " + e, e);
            }
            return finish(x, folder);
        } finally {
            ModelStore.deleteTree(tmp);
        }
    }

    /** State of one extraction: the files written to the temporary folder so far. */
    private final class Extraction {
        final Path tmp;
        final String archiveName;
        final Map<String, Path> ggufs = new LinkedHashMap<>();
        final Map<String, Path> bins = new LinkedHashMap<>();
        final List<String> skipped = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        String current;
        long written;

        Extraction(Path tmp, String archiveName) {
            this.tmp = tmp;
            this.archiveName = archiveName;
        }

        /** Checks an entry; returns the file name to extract it as, or null to skip it. */
        String accept(Item item) {
            current = item.name();
            String name = item.name().replace('\\', '/');
            if (name.indexOf('\0') >= 0) throw refuse(item, "its name contains a NUL character");
            if (name.startsWith("/") || name.matches("^[A-Za-z]:.*")) throw refuse(item, "it has an absolute path");
            for (String seg : name.split("/")) {
                if (seg.equals("..")) throw refuse(item, "its path leaves the extraction folder (../)");
            }
            switch (item.kind()) {
                case SYMLINK -> throw refuse(item, "it is a symbolic link" + (item.linkTarget() != null ? " to " + item.linkTarget() : "") + "; links are not extracted");
                case HARDLINK -> throw refuse(item, "it is a hard link" + (item.linkTarget() != null ? " to " + item.linkTarget() : "") + "; links are not extracted");
                case SPECIAL -> throw refuse(item, "it is a device, pipe or other special file");
                case DIRECTORY, SKIP -> { return null; }
                case FILE -> { }
            }
            if (item.size() > options.maxEntrySize()) {
                throw refuse(item, "it is " + ModelStore.humanSize(item.size()) + ", more than the limit of " + ModelStore.humanSize(options.maxEntrySize()) + " (--max-entry-size)");
            }
            String base = name.substring(name.lastIndexOf('/') + 1);
            String lower = base.toLowerCase(Locale.ROOT);
            if (base.isEmpty() || name.startsWith("__MACOSX/") || base.startsWith("._")) return null;
            if (!lower.endsWith(".gguf") && !lower.endsWith(".bin")) {
                skipped.add(name + " (not a model file)");
                return null;
            }
            if (!ModelStore.isSafeFileName(base)) throw refuse(item, "its file name cannot be used in the models folder");
            if (!names.add(base.toLowerCase(Locale.ROOT))) throw refuse(item, "another entry has the same file name " + base);
            return base;
        }

        /** Copies an entry's bytes to the temporary folder, enforcing the size limit as it goes. */
        void extract(Item item, String base, InputStream in) throws IOException {
            if (item.size() >= 0) {
                long free = usableSpace.applyAsLong(tmp);
                if (free >= 0 && item.size() > free) {
                    throw new ImportException("not enough disk space to extract " + item.name() + " from " + archiveName + ": "
                            + ModelStore.humanSize(item.size()) + " needed, " + ModelStore.humanSize(free) + " free in " + store.folder());
                }
            }
            Path out = tmp.resolve(base);
            long n = 0;
            try (OutputStream os = Files.newOutputStream(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] buf = new byte[1 << 16];
                for (int r; (r = in.read(buf)) >= 0; ) {
                    n += r;
                    if (n > options.maxEntrySize()) {
                        throw refuse(item, "it holds more than the limit of " + ModelStore.humanSize(options.maxEntrySize()) + " (--max-entry-size)");
                    }
                    try {
                        os.write(buf, 0, r);
                    } catch (IOException e) {
                        String m = String.valueOf(e.getMessage());
                        if (m.contains("No space left") || m.contains("not enough space")) {
                            throw new ImportException("disk full while extracting " + item.name() + " into " + store.folder(), e);
                        }
                        throw e;
                    }
                }
            }
            if (item.size() >= 0 && n != item.size()) {
                throw new ImportException(archiveName + " is truncated or corrupt: " + item.name() + " has " + n + " bytes, its header says " + item.size());
            }
            written += n;
            (base.toLowerCase(Locale.ROOT).endsWith(".gguf") ? ggufs : bins).put(base, out);
            log.accept("  extracted " + item.name() + " (" + ModelStore.humanSize(n) + ")");
            current = null;
        }

        ImportException refuse(Item item, String why) {
            return new ImportException("refusing " + archiveName + ": entry '" + item.name() + "' — " + why + "; nothing was imported");
        }
    }

    private void readTar(Path archive, Format format, Extraction x) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
             InputStream decompressed = switch (format) {
                 case TAR_GZ -> new GzipCompressorInputStream(raw, true);
                 case TAR_XZ -> new XZCompressorInputStream(raw, true);
                 case TAR_BZ2 -> new BZip2CompressorInputStream(raw, true);
                 default -> raw;
             };
             TarArchiveInputStream tar = new TarArchiveInputStream(decompressed)) {
            int count = 0;
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                count++;
                Kind kind = e.isSymbolicLink() ? Kind.SYMLINK : e.isLink() ? Kind.HARDLINK : e.isDirectory() ? Kind.DIRECTORY
                        : e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO() ? Kind.SPECIAL
                        : e.isGlobalPaxHeader() || e.isPaxHeader() || e.isGNULongNameEntry() || e.isGNULongLinkEntry() ? Kind.SKIP
                        : e.isFile() ? Kind.FILE : Kind.SPECIAL;
                Item item = new Item(e.getName(), kind, kind == Kind.FILE ? e.getSize() : -1, e.getLinkName());
                String base = x.accept(item);
                if (base != null) x.extract(item, base, tar);
            }
            if (count == 0) throw new ImportException(x.archiveName + " is an empty or unreadable tar archive");
        }
    }

    private void readZip(Path archive, Extraction x) throws IOException {
        try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
            for (Enumeration<ZipArchiveEntry> en = zip.getEntriesInPhysicalOrder(); en.hasMoreElements(); ) {
                ZipArchiveEntry e = en.nextElement();
                int unixType = e.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX ? (e.getUnixMode() & 0xF000) : 0;
                Kind kind = e.isUnixSymlink() ? Kind.SYMLINK : e.isDirectory() ? Kind.DIRECTORY
                        : unixType != 0 && unixType != 0x8000 && unixType != 0x4000 ? Kind.SPECIAL : Kind.FILE;
                Item item = new Item(e.getName(), kind, e.getSize(), null);
                String base = x.accept(item);
                if (base == null) continue;
                if (!zip.canReadEntryData(e)) {
                    throw new ImportException("cannot read " + e.getName() + " in " + x.archiveName + " (encrypted or an unsupported compression method)");
                }
                try (InputStream in = zip.getInputStream(e)) {
                    x.extract(item, base, in);
                }
            }
        }
    }

    private void readSevenZ(Path archive, Extraction x) throws IOException {
        try (SevenZFile z = SevenZFile.builder().setPath(archive).get()) {
            for (SevenZArchiveEntry e; (e = z.getNextEntry()) != null; ) {
                Kind kind;
                if (e.isAntiItem()) kind = Kind.SKIP;
                else if (isSevenZLink(e)) kind = Kind.SYMLINK;
                else if (e.isDirectory()) kind = Kind.DIRECTORY;
                else kind = Kind.FILE;
                Item item = new Item(e.getName(), kind, e.hasStream() ? e.getSize() : 0, null);
                String base = x.accept(item);
                if (base == null) continue;
                try (InputStream in = z.getInputStream(e)) {
                    x.extract(item, base, in);
                }
            }
        }
    }

    /** 7-Zip marks links as a reparse point (Windows) or with a Unix mode of type S_IFLNK. */
    private static boolean isSevenZLink(SevenZArchiveEntry e) {
        if (!e.getHasWindowsAttributes()) return false;
        int attrs = e.getWindowsAttributes();
        boolean reparse = (attrs & 0x400) != 0;
        boolean unixLink = (attrs & 0x8000) != 0 && ((attrs >>> 16) & 0xF000) == 0xA000;
        return reparse || unixLink;
    }

    /** Validates what was extracted, converts llama2.c pairs, and moves the results into the folder. */
    private Result finish(Extraction x, Path folder) {
        Map<String, Path> outputs = new LinkedHashMap<>();
        for (var g : x.ggufs.entrySet()) {
            try {
                ModelPuller.checkGguf(g.getValue());
            } catch (RuntimeException e) {
                throw new ImportException("refusing " + x.archiveName + ": " + g.getKey() + " is not a valid GGUF file (" + e.getMessage() + "); nothing was imported");
            }
            outputs.put(g.getKey(), g.getValue());
        }
        // llama2.c: checkpoints are recognised by a header that matches their size, tokenizers by their structure.
        Map<String, Llama2cConverter.Config> checkpoints = new LinkedHashMap<>();
        Map<String, Integer> tokenizers = new LinkedHashMap<>();
        for (var b : x.bins.entrySet()) {
            try {
                checkpoints.put(b.getKey(), Llama2cConverter.readConfig(b.getValue()));
                continue;
            } catch (RuntimeException | IOException e) {
                // not a checkpoint
            }
            try {
                if (Files.size(b.getValue()) < 64L << 20) {
                    tokenizers.put(b.getKey(), Llama2cConverter.readTokenizer(b.getValue(), -1).size());
                    continue;
                }
            } catch (RuntimeException | IOException e) {
                // not a tokenizer
            }
            x.skipped.add(b.getKey() + " (not a llama2.c checkpoint or tokenizer)");
        }
        Set<String> usedTokenizers = new HashSet<>();
        for (var c : checkpoints.entrySet()) {
            int vocab = c.getValue().vocabSize();
            List<String> matching = tokenizers.entrySet().stream().filter(t -> t.getValue() == vocab).map(Map.Entry::getKey).toList();
            if (matching.isEmpty()) {
                x.skipped.add(c.getKey() + " (llama2.c checkpoint, but no tokenizer with " + vocab + " tokens in the archive; convert it with jllm convert --llama2c … --tokenizer …)");
                continue;
            }
            String tok = matching.size() == 1 ? matching.get(0)
                    : matching.stream().filter(t -> t.equals("tok" + vocab + ".bin") || t.equals("tokenizer.bin")).findFirst().orElse(matching.get(0));
            usedTokenizers.add(tok);
            Path ckpt = x.bins.get(c.getKey());
            String stem = c.getKey().replaceFirst("(?i)\\.bin$", "");
            if (options.convertLlama2c()) {
                String name = stem + ".gguf";
                if (outputs.containsKey(name) || x.ggufs.containsKey(name)) {
                    throw new ImportException("refusing " + x.archiveName + ": converting " + c.getKey() + " would produce " + name + ", which the archive also holds");
                }
                Path out = x.tmp.resolve(name);
                try {
                    Llama2cConverter.convert(ckpt, x.bins.get(tok), out, new Llama2cConverter.Options(stem, null));
                    ModelPuller.checkGguf(out);
                } catch (IOException | RuntimeException e) {
                    throw new ImportException("cannot convert llama2.c checkpoint " + c.getKey() + " with " + tok + ": " + e.getMessage(), e);
                }
                log.accept("  converted " + c.getKey() + " + " + tok + " -> " + name);
                outputs.put(name, out);
            } else {
                outputs.put(c.getKey(), ckpt);
                outputs.put(tok, x.bins.get(tok));
            }
        }
        for (String t : tokenizers.keySet()) {
            if (!usedTokenizers.contains(t)) x.skipped.add(t + " (llama2.c tokenizer without a matching checkpoint)");
        }
        if (outputs.isEmpty()) {
            throw new ImportException("no GGUF file or llama2.c checkpoint + tokenizer pair found in " + x.archiveName
                    + (x.skipped.isEmpty() ? "" : " (left out: " + String.join(", ", x.skipped) + ")"));
        }
        for (String name : outputs.keySet()) {
            if (Files.exists(folder.resolve(name)) && !options.replace()) {
                throw new ImportException(name + " already exists in " + folder + " (use --force to replace it); nothing was imported");
            }
        }
        List<Path> imported = new ArrayList<>();
        for (var o : outputs.entrySet()) {
            Path dest = folder.resolve(o.getKey());
            try {
                try {
                    if (options.replace()) Files.move(o.getValue(), dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    else Files.move(o.getValue(), dest, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    if (options.replace()) Files.move(o.getValue(), dest, StandardCopyOption.REPLACE_EXISTING);
                    else Files.move(o.getValue(), dest);
                }
            } catch (FileAlreadyExistsException e) {
                throw new ImportException(o.getKey() + " appeared in " + folder + " during the import; " + imported.size() + " file(s) were already imported: " + imported);
            } catch (IOException e) {
                throw new ImportException("cannot move " + o.getKey() + " into " + folder + ": " + e.getMessage()
                        + (imported.isEmpty() ? "" : " (already imported: " + imported + ")"), e);
            }
            imported.add(dest);
        }
        return new Result(List.copyOf(imported), List.copyOf(x.skipped));
    }

    /** Recognises the archive by its first bytes (the name can lie, or be missing). */
    static Format detect(Path archive) {
        byte[] head = new byte[512];
        int n;
        try (InputStream in = Files.newInputStream(archive)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new ImportException("cannot read " + archive + ": " + e.getMessage(), e);
        }
        String name = archive.getFileName().toString();
        if (n >= 6 && startsWith(head, 0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C)) return Format.SEVEN_Z;
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5 || head[2] == 7)) return Format.ZIP;
        if (n >= 2 && startsWith(head, 0x1F, 0x8B)) return Format.TAR_GZ;
        if (n >= 6 && startsWith(head, 0xFD, '7', 'z', 'X', 'Z', 0x00)) return Format.TAR_XZ;
        if (n >= 3 && startsWith(head, 'B', 'Z', 'h')) return Format.TAR_BZ2;
        if (n >= 262 && new String(head, 257, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar")) return Format.TAR;
        if (n >= 4 && startsWith(head, 'G', 'G', 'U', 'F')) {
            throw new ImportException(name + " is a GGUF file, not an archive: use it directly with -m " + archive + " (or copy it into the models folder)");
        }
        if (name.toLowerCase(Locale.ROOT).endsWith(".tar") && n >= 512) return Format.TAR; // pre-POSIX tar without the magic
        throw new ImportException(name + " is not a supported archive (.tar, .tar.gz, .tar.xz, .tar.bz2, .zip, .7z)"
                + (n < 6 ? ": it is " + n + " bytes long" : ""));
    }

    private static boolean startsWith(byte[] b, int... magic) {
        for (int i = 0; i < magic.length; i++) if ((b[i] & 0xFF) != (magic[i] & 0xFF)) return false;
        return true;
    }
}
