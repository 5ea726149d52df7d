package dev.jllm.tools;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.jllm.gguf.GGUFFile;
import dev.jllm.tensor.WorkerPool;
import dev.jllm.convert.HfConverter;
import dev.jllm.tools.convert.Llama2cConverter;
import dev.jllm.tools.models.ModelStore;
import dev.jllm.tools.quantize.ModelQuantizer;
import dev.jllm.tools.quantize.QuantRecipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jllm convert --hf DIR -o OUT.gguf} (Hugging Face checkpoints) and
 * {@code jllm convert --llama2c MODEL.bin --tokenizer TOK.bin -o OUT.gguf} (llama2.c) to GGUF.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        header = "Convert a Hugging Face checkpoint folder or a llama2.c checkpoint into a GGUF file.",
        description = {"Convert a Hugging Face checkpoint folder (LLaMA, Mistral, Qwen2, Qwen3, Gemma 2, Gemma 3, Phi-3; safetensors) or a llama2.c checkpoint into a GGUF file.",
                "Hugging Face: as llama.cpp's convert_hf_to_gguf.py converts it (architecture, metadata, tensor names, Q/K order, vocabulary).",
                "llama2.c: the tensors llama.cpp's convert-llama2c-to-ggml writes, byte for byte."})
final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--hf", paramLabel = "DIR", description = "Hugging Face checkpoint folder: config.json, *.safetensors, tokenizer.json or tokenizer.model, tokenizer_config.json.")
    Path hf;

    @Option(names = "--type", paramLabel = "TYPE", description = {"With --hf: type of the matrices, f32, f16, bf16, q8_0 or auto (default: auto = bf16 for a bf16 checkpoint, else f16). Norms and biases stay f32.",
            "Any jllm quantize target (q4_k_m, q4_0, q6_k, ...) converts to auto first, then quantizes, in one step."})
    String type = "auto";

    @Option(names = "--pre", paramLabel = "NAME", description = "With --hf: the llama.cpp pre-tokenizer name to record when tokenizer.json's is not recognised (e.g. llama-bpe, qwen2, gpt-2, smollm).")
    String pre;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "With --hf: threads that encode the tensors (default: all cores).")
    Integer threads;

    @Option(names = "--llama2c", paramLabel = "MODEL.bin", description = "llama2.c checkpoint (legacy export: 7 int32 header + float32 weights).")
    Path checkpoint;

    @Option(names = "--tokenizer", paramLabel = "TOK.bin", description = "With --llama2c: llama2.c tokenizer file (e.g. tokenizer.bin, tok512.bin).")
    Path tokenizer;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT.gguf", description = "Output file (default: MODEL.gguf in the models folder).")
    Path output;

    @Option(names = "--name", paramLabel = "NAME", description = "general.name of the model (default: the checkpoint's file or folder name).")
    String name;

    @Option(names = "--ctx", paramLabel = "N", description = "With --llama2c: context length to record (default: the checkpoint's seq_len).")
    Integer ctx;

    @Option(names = {"-f", "--force"}, description = "Overwrite the output file if it exists.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if ((hf == null) == (checkpoint == null)) throw new CliException("give either --hf DIR (Hugging Face checkpoint) or --llama2c MODEL.bin --tokenizer TOK.bin");
        if (hf != null) return convertHf();
        if (tokenizer == null) throw new CliException("--llama2c needs --tokenizer TOK.bin (the llama2.c tokenizer file)");
        if (!Files.isRegularFile(checkpoint)) throw new CliException("checkpoint not found: " + checkpoint);
        if (!Files.isRegularFile(tokenizer)) throw new CliException("tokenizer not found: " + tokenizer);
        if (ctx != null && ctx < 1) throw new CliException("--ctx must be at least 1, got " + ctx);
        Path out = outputFor(checkpoint.getFileName().toString().replaceFirst("\\.bin$", ""));
        Llama2cConverter.Config c = Llama2cConverter.convert(checkpoint, tokenizer, out, new Llama2cConverter.Options(name, ctx));
        Console.ERR.printf("converted %s (dim %d, %d layers, %d heads, %d KV heads, vocabulary %d%s) -> %s%n",
                checkpoint.getFileName(), c.dim(), c.layers(), c.heads(), c.kvHeads(), c.vocabSize(),
                c.sharedClassifier() ? ", shared classifier" : "", out);
        return 0;
    }

    private Integer convertHf() throws Exception {
        if (!Files.isDirectory(hf)) throw new CliException(hf + " is not a folder: --hf takes the folder of a Hugging Face checkpoint");
        HfConverter.OutputType t = null;
        QuantRecipe recipe = null;
        try {
            t = HfConverter.OutputType.valueOf(type.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            try {
                recipe = QuantRecipe.parse(type);
            } catch (IllegalArgumentException notAQuant) {
                throw new CliException("--type " + type + " is neither f32, f16, bf16, q8_0, auto nor a quantization target: " + notAQuant.getMessage());
            }
        }
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (n < 1) throw new CliException("--threads must be at least 1");
        Path out = outputFor(hf.toAbsolutePath().normalize().getFileName().toString());
        HfConverter.Summary s;
        try (WorkerPool pool = new WorkerPool(n)) {
            // a quantization target: convert to the checkpoint's own precision beside the output, then quantize that
            Path converted = recipe == null ? out : out.resolveSibling(out.getFileName() + ".converting.gguf");
            HfConverter.OutputType first = recipe == null ? t : HfConverter.OutputType.AUTO;
            try {
                ProgressBar bar = new ProgressBar("converting " + hf.getFileName(), HfConverter.outputBytes(hf, first));
                s = HfConverter.convert(hf, converted, first, name, pre, pool, bar::advance);
                bar.finish();
                if (recipe != null) {
                    try (GGUFFile f = GGUFFile.open(converted)) {
                        ProgressBar q = new ProgressBar("quantizing to " + recipe.name(), ModelQuantizer.outputBytes(f, recipe));
                        ModelQuantizer.quantize(f, recipe, false, out, pool, q::advance);
                        q.finish();
                    }
                }
            } finally {
                if (recipe != null) Files.deleteIfExists(converted);
            }
        }
        String typeName = recipe != null ? recipe.name().toLowerCase(java.util.Locale.ROOT) : s.type().name().toLowerCase(java.util.Locale.ROOT);
        Console.ERR.printf("converted %s (%s, %d layers, hidden size %d, vocabulary %d, %s, %d tensors) -> %s (%s)%n", hf.getFileName(), s.architecture(), s.layers(),
                s.hiddenSize(), s.vocabSize(), typeName, s.tensors(), out, InfoCommand.human(Files.size(out)));
        return 0;
    }

    /** {@code -o}, else STEM.gguf in the models folder; refuses to overwrite without --force. */
    private Path outputFor(String stem) throws java.io.IOException {
        Path out = output;
        if (out == null) {
            ModelStore store = ModelStore.fromEnvironment();
            Files.createDirectories(store.folder());
            out = store.folder().resolve(stem + ".gguf");
        }
        if (Files.exists(out) && !force) throw new CliException(out + " already exists (use --force to overwrite)");
        if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
        return out;
    }
}
