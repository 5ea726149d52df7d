package dev.jllm.tools;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.jllm.gguf.GGUFFile;
import dev.jllm.tensor.WorkerPool;
import dev.jllm.tools.quantize.ModelQuantizer;
import dev.jllm.tools.quantize.QuantRecipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jllm quantize IN OUT TYPE}: re-encode an F32/F16/BF16 model, like llama-quantize. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Quantize a model: F32/F16/BF16 GGUF in, GGUF of the given type out (Q8_0, Q4_0, Q4_K_M, …).")
final class QuantizeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN") Path in;
    @Parameters(index = "1", paramLabel = "OUT") Path out;
    @Parameters(index = "2", paramLabel = "TYPE", description = "Target: a tensor type for every matrix (Q8_0, Q4_0, Q6_K, …) or a llama.cpp mix (Q4_K_M, Q5_K_M).") String type;

    @Option(names = "--allow-requantize", description = "Accept already-quantized input tensors (decoded, then encoded again).")
    boolean allowRequantize;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(in)) throw new CliException("input file not found: " + in);
        if (Files.exists(out) && Files.isSameFile(in, out)) throw new CliException("output must differ from input");
        QuantRecipe recipe;
        try {
            recipe = QuantRecipe.parse(type);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (n < 1) throw new CliException("--threads must be at least 1");
        try (GGUFFile f = GGUFFile.open(in); WorkerPool pool = new WorkerPool(n)) {
            ProgressBar bar = new ProgressBar("quantizing to " + recipe.name(), ModelQuantizer.outputBytes(f, recipe));
            ModelQuantizer.quantize(f, recipe, allowRequantize, out, pool, bar::advance);
            bar.finish();
        }
        Console.ERR.printf("wrote %s (%s, %s)%n", out, recipe.name(), InfoCommand.human(Files.size(out)));
        return 0;
    }
}
