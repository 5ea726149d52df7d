package dev.jllm.tools;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import dev.jllm.JllmException;
import dev.jllm.tools.models.Downloader;
import dev.jllm.tools.models.HfRepo;
import dev.jllm.tools.models.ModelPuller;
import dev.jllm.tools.models.ModelRegistry;
import dev.jllm.tools.models.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jllm pull NAME|URL}: download a model into the models folder, resuming a partial download. */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = {"Download a model into the models folder ($JLLM_MODELS, default ~/.cache/jllm/models).",
                "An interrupted download is resumed by running the same command again."})
final class PullCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "NAME|URL", description = {"A registry name (jllm list --registry), the URL of a .gguf file, or a Hugging Face repository",
            "hf:OWNER/REPO[:QUANT] (its GGUF file with QUANT in the name, or its transformers checkpoint, converted). Default: the registry's default model."})
    String what;

    @Option(names = "--file", paramLabel = "NAME.gguf", description = "Local file name for a URL download (default: the URL's last segment).")
    String file;

    @Option(names = {"-f", "--force"}, description = "Download again even if the file is already there.")
    boolean force;

    @Option(names = "--retries", paramLabel = "N", defaultValue = "3", description = "Automatic resumes after a dropped connection (default: ${DEFAULT-VALUE}).")
    int retries;

    @Option(names = "--retry-delay", paramLabel = "SECONDS", defaultValue = "2", hidden = true)
    double retryDelay;

    @Override
    public Integer call() {
        if (retries < 0) throw new CliException("--retries must be ≥ 0, got " + retries);
        ModelStore store = ModelStore.fromEnvironment();
        Downloader downloader = new Downloader().retries(retries).retryDelay(Duration.ofMillis((long) (retryDelay * 1000)));
        ModelPuller puller = new ModelPuller(store, downloader);
        ModelPuller.Result result;
        String label;
        DownloadProgress progress;
        HfRepo hf = what == null ? null : HfRepo.parse(what);
        if (hf != null) {
            if (file != null) throw new CliException("--file is only for URL downloads");
            if (force) throw new CliException("--force is not supported for hf: names; delete the files under " + store.folder() + " to fetch them again");
            HfRepo.Fetched f = ModelArgs.fetchHf(hf, store, downloader);
            Path ready = f.isCheckpoint() ? HfModelCache.converted(f.path(), store) : f.path();
            Console.OUT.println("ready: " + ready);
            return 0;
        }
        try {
            URI url = what == null ? null : ModelArgs.httpUrl(what);
            if (url != null) {
                String name = file != null ? file : Downloader.fileNameOf(url);
                label = name != null ? name : what;
                progress = new DownloadProgress(label);
                result = pull(() -> puller.pullUrl(url, file, force, progress), progress, store);
            } else {
                if (file != null) throw new CliException("--file is only for URL downloads");
                ModelRegistry registry = ModelRegistry.load();
                ModelRegistry.Entry e = what == null ? registry.defaultEntry() : registry.find(what).orElseThrow(() -> new CliException(
                        "unknown model '" + what + "' (known: " + registry.entries().stream().map(ModelRegistry.Entry::name).collect(Collectors.joining(", "))
                                + "; or give the URL of a .gguf file)"));
                label = e.file();
                progress = new DownloadProgress(label);
                if (e.size() == null && e.sha256() == null) {
                    Console.ERR.println("note: the registry knows no exact size or checksum for " + e.name() + "; only the server's length is checked");
                }
                result = pull(() -> puller.pull(e, force, progress), progress, store);
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        if (!result.downloaded()) {
            Console.OUT.println(label + " is already downloaded (" + ModelStore.humanSize(result.bytes()) + "): " + result.path());
        } else {
            Console.OUT.println("ready: " + result.path());
        }
        return 0;
    }

    private static ModelPuller.Result pull(java.util.function.Supplier<ModelPuller.Result> action, DownloadProgress progress, ModelStore store) {
        try {
            return action.get();
        } catch (Downloader.DownloadException e) {
            progress.close();
            throw new JllmException(e.getMessage() + ModelArgs.advice(e, store));
        }
    }
}
