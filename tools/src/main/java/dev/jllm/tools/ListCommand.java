package dev.jllm.tools;

import java.nio.file.Files;
import java.util.concurrent.Callable;

import dev.jllm.tools.models.ModelRegistry;
import dev.jllm.tools.models.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jllm list}: the models in the models folder, or with {@code --registry} the ones jllm can download. */
@Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true,
        description = "List downloaded models (or, with --registry, the models jllm knows how to download).")
final class ListCommand implements Callable<Integer> {
    @Option(names = {"-r", "--registry"}, description = "List the registry: names to use with pull and -m.")
    boolean registry;

    @Override
    public Integer call() {
        ModelStore store = ModelStore.fromEnvironment();
        var out = Console.OUT;
        if (registry) {
            ModelRegistry reg = ModelRegistry.load();
            out.printf("%-28s %-7s %-8s %-10s %-10s %-14s %s%n", "NAME", "PARAMS", "QUANT", "SIZE", "ARCH", "LICENCE", "");
            for (ModelRegistry.Entry e : reg.entries()) {
                String size = e.displaySize() < 0 ? "?" : (e.size() == null ? "~" : "") + ModelStore.humanSize(e.displaySize());
                boolean here = Files.isRegularFile(store.pathOf(e.file()));
                String flags = (e.isDefault() ? "default" : "") + (here ? (e.isDefault() ? ", " : "") + "downloaded" : "");
                out.printf("%-28s %-7s %-8s %-10s %-10s %-14s %s%n", e.name(), nz(e.parameters()), nz(e.quantization()), size,
                        nz(e.architecture()), nz(e.license()), flags);
            }
            out.println("(~ = approximate size; jllm pull NAME downloads into " + store.folder() + ")");
            return 0;
        }
        var models = store.list();
        var partials = store.partials();
        var checkpoints = store.fromCheckpoints();
        if (models.isEmpty() && partials.isEmpty() && checkpoints.isEmpty()) {
            out.println("no models in " + store.folder() + " — jllm pull downloads the default one; jllm list --registry shows the others");
            return 0;
        }
        ModelRegistry reg = ModelRegistry.load();
        out.printf("%-44s %-28s %10s%n", "FILE", "NAME", "SIZE");
        long total = 0;
        for (ModelStore.LocalModel m : models) {
            String name = reg.byFile(m.file()).map(ModelRegistry.Entry::name).orElse("-");
            out.printf("%-44s %-28s %10s%n", m.file(), name, ModelStore.humanSize(m.size()));
            total += Math.max(0, m.size());
        }
        for (ModelStore.Partial p : partials) {
            String name = reg.byFile(p.file()).map(ModelRegistry.Entry::name).orElse(p.file());
            out.printf("%-44s %-28s %10s  partial download: jllm pull %s resumes it%n", p.file(), "-", ModelStore.humanSize(p.size()), name);
        }
        for (ModelStore.LocalModel c : checkpoints) {
            boolean converted = c.file().startsWith("converted/");
            out.printf("%-44s %-28s %10s  %s%n", c.file(), "-", ModelStore.humanSize(c.size()),
                    converted ? "converted from a checkpoint folder (made again when needed)" : "Hugging Face checkpoint (hf:" + c.path().getFileName().toString().replaceFirst("--", "/") + ")");
            total += Math.max(0, c.size());
        }
        out.println(models.size() + " model" + (models.size() == 1 ? "" : "s") + ", " + ModelStore.humanSize(total) + " in " + store.folder()
                + (checkpoints.isEmpty() ? "" : " (jllm rm hf:OWNER/REPO deletes a pulled checkpoint and its converted file)"));
        return 0;
    }

    private static String nz(String s) {
        return s == null ? "-" : s;
    }
}
