package dev.jllm.tools;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.jllm.tools.convert.Llama2cConverter;
import dev.jllm.tools.models.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jllm convert --llama2c MODEL.bin --tokenizer TOK.bin -o OUT.gguf}: llama2.c checkpoints to GGUF. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a llama2.c checkpoint and its tokenizer into a GGUF file.",
                "The tensors are those llama.cpp's convert-llama2c-to-ggml writes, byte for byte."})
final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--llama2c", required = true, paramLabel = "MODEL.bin", description = "llama2.c checkpoint (legacy export: 7 int32 header + float32 weights).")
    Path checkpoint;

    @Option(names = "--tokenizer", required = true, paramLabel = "TOK.bin", description = "llama2.c tokenizer file (e.g. tokenizer.bin, tok512.bin).")
    Path tokenizer;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT.gguf", description = "Output file (default: MODEL.gguf in the models folder).")
    Path output;

    @Option(names = "--name", paramLabel = "NAME", description = "general.name of the model (default: the checkpoint's file name).")
    String name;

    @Option(names = "--ctx", paramLabel = "N", description = "Context length to record (default: the checkpoint's seq_len).")
    Integer ctx;

    @Option(names = {"-f", "--force"}, description = "Overwrite the output file if it exists.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(checkpoint)) throw new CliException("checkpoint not found: " + checkpoint);
        if (!Files.isRegularFile(tokenizer)) throw new CliException("tokenizer not found: " + tokenizer);
        if (ctx != null && ctx < 1) throw new CliException("--ctx must be at least 1, got " + ctx);
        Path out = output;
        if (out == null) {
            String stem = checkpoint.getFileName().toString().replaceFirst("\\.bin$", "");
            ModelStore store = ModelStore.fromEnvironment();
            Files.createDirectories(store.folder());
            out = store.folder().resolve(stem + ".gguf");
        }
        if (Files.exists(out) && !force) throw new CliException(out + " already exists (use --force to overwrite)");
        if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
        Llama2cConverter.Config c = Llama2cConverter.convert(checkpoint, tokenizer, out, new Llama2cConverter.Options(name, ctx));
        Console.ERR.printf("converted %s (dim %d, %d layers, %d heads, %d KV heads, vocabulary %d%s) -> %s%n",
                checkpoint.getFileName(), c.dim(), c.layers(), c.heads(), c.kvHeads(), c.vocabSize(),
                c.sharedClassifier() ? ", shared classifier" : "", out);
        return 0;
    }
}
