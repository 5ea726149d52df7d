package dev.jllm.tools;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.jllm.tools.models.ArchiveImporter;
import dev.jllm.tools.models.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jllm import ARCHIVE}: unpack the models of an archive into the models folder. */
@Command(name = "import", mixinStandardHelpOptions = true,
        header = "Unpack the models in an archive (.tar[.gz|.xz|.bz2], .zip, .7z) into the models folder.",
        description = {"Unpack the GGUF files of an archive (.tar, .tar.gz, .tar.xz, .tar.bz2, .zip, .7z) into the models folder;",
                "llama2.c checkpoint + tokenizer pairs are converted to GGUF. Unsafe archives (../ paths, absolute paths,",
                "links, oversized entries) are refused and nothing is left behind."})
final class ImportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ARCHIVE", description = "The archive file.")
    Path archive;

    @Option(names = "--max-entry-size", paramLabel = "SIZE", defaultValue = "256G",
            description = "Largest file accepted from the archive, e.g. 500M, 20G (default: ${DEFAULT-VALUE}).")
    String maxEntrySize;

    @Option(names = "--no-convert", description = "Copy llama2.c checkpoint + tokenizer pairs as they are instead of converting them to GGUF.")
    boolean noConvert;

    @Option(names = {"-f", "--force"}, description = "Replace files of the same name in the models folder.")
    boolean force;

    @Override
    public Integer call() {
        long limit = parseSize(maxEntrySize);
        ModelStore store = ModelStore.fromEnvironment();
        Console.ERR.println("importing " + archive + " into " + store.folder());
        var importer = new ArchiveImporter(store, new ArchiveImporter.Options(limit, !noConvert, force), Console.ERR::println);
        ArchiveImporter.Result r = importer.importArchive(archive);
        for (String s : r.skipped()) Console.ERR.println("  left out " + s);
        for (Path p : r.imported()) Console.OUT.println("imported " + p.getFileName() + " -> " + p);
        return 0;
    }

    /** "123", "500K", "20M", "4G", "1T" (binary units). */
    static long parseSize(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT).replaceFirst("I?B$", "");
        long mult = 1;
        if (!t.isEmpty()) {
            char u = t.charAt(t.length() - 1);
            int shift = switch (u) { case 'K' -> 10; case 'M' -> 20; case 'G' -> 30; case 'T' -> 40; default -> 0; };
            if (shift > 0) {
                mult = 1L << shift;
                t = t.substring(0, t.length() - 1);
            }
        }
        try {
            double v = Double.parseDouble(t);
            if (v <= 0 || Double.isNaN(v)) throw new NumberFormatException();
            return (long) Math.min(Long.MAX_VALUE, v * mult);
        } catch (NumberFormatException e) {
            throw new CliException("--max-entry-size: not a size: " + s + " (e.g. 500M, 20G)");
        }
    }
}
