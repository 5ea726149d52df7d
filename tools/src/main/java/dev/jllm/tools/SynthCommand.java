package dev.jllm.tools;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.jllm.gguf.GGUFFile;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.tensor.WorkerPool;
import dev.jllm.tools.quantize.ModelShape;
import dev.jllm.tools.quantize.QuantRecipe;
import dev.jllm.tools.quantize.SyntheticModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jllm synth}: a GGUF with random weights in a named or explicit shape, for benchmarks. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a model with random weights in a given shape and type (for benchmarks; its text is gibberish).")
final class SynthCommand implements Callable<Integer> {
    @Option(names = "--shape", paramLabel = "NAME", description = "llama3.2-1b, llama3.2-3b, tinyllama-1.1b or qwen2.5-0.5b.")
    String shape;

    @Option(names = "--dim", paramLabel = "N") Integer dim;
    @Option(names = "--layers", paramLabel = "N") Integer layers;
    @Option(names = "--heads", paramLabel = "N") Integer heads;
    @Option(names = "--kv-heads", paramLabel = "N") Integer kvHeads;
    @Option(names = "--ffn", paramLabel = "N") Integer ffn;
    @Option(names = "--experts", paramLabel = "N", description = "Mixture-of-experts: experts per layer (each of size --ffn).") Integer experts;
    @Option(names = "--experts-used", paramLabel = "N", description = "Mixture-of-experts: experts each token uses.") Integer expertsUsed;
    @Option(names = "--vocab", paramLabel = "N", description = "Vocabulary size (ignored with --vocab-from).") Integer vocab;

    @Option(names = "--type", required = true, paramLabel = "TYPE", description = "Q4_0, Q8_0, Q4_K_M, F16, … (one type for every matrix, or a llama.cpp mix like Q4_K_M).")
    String type;

    @Option(names = "--vocab-from", paramLabel = "FILE", description = "Copy the tokenizer of this GGUF (e.g. ../shared/models/llama3-vocab-tiny.gguf).")
    Path vocabFrom;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Output GGUF file.")
    Path output;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Threads for quantizing (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        ModelShape s = shape();
        QuantRecipe recipe;
        try {
            recipe = QuantRecipe.parse(type);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        GGUFMetadata vocabulary = null;
        if (vocabFrom != null) {
            if (!Files.exists(vocabFrom)) throw new CliException("vocabulary file not found: " + vocabFrom);
            try (GGUFFile f = GGUFFile.open(vocabFrom)) {
                vocabulary = f.metadata().copy();
            }
            if (!vocabulary.contains("tokenizer.ggml.tokens")) throw new CliException(vocabFrom + " has no tokenizer");
            s = s.withVocab(vocabulary.getStringArray("tokenizer.ggml.tokens").length);
        }
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (n < 1) throw new CliException("--threads must be at least 1");
        ProgressBar bar = new ProgressBar("writing " + output.getFileName(), SyntheticModel.tensorBytes(s, recipe, s.vocab()));
        try (WorkerPool pool = new WorkerPool(n)) {
            SyntheticModel.write(s, recipe, vocabulary, output, pool, bar::advance);
        }
        bar.finish();
        Console.ERR.printf("wrote %s: %s, %s, %s%n", output, s.name(), recipe.name(), InfoCommand.human(Files.size(output)));
        return 0;
    }

    private ModelShape shape() {
        ModelShape base;
        if (shape != null) {
            try {
                base = ModelShape.named(shape);
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
        } else {
            if (dim == null || layers == null || heads == null || ffn == null) {
                throw new CliException("give --shape NAME, or --dim, --layers, --heads, --ffn (and optionally --kv-heads, --vocab)");
            }
            base = new ModelShape("custom", "llama", dim, layers, heads, kvHeads != null ? kvHeads : heads, ffn,
                    vocab != null ? vocab : 32000, 4096, 10000f, false, false, 0, 0);
        }
        ModelShape s = new ModelShape(base.name(), base.architecture(),
                dim != null ? dim : base.dim(), layers != null ? layers : base.layers(), heads != null ? heads : base.heads(),
                kvHeads != null ? kvHeads : base.kvHeads(), ffn != null ? ffn : base.ffn(), vocab != null ? vocab : base.vocab(),
                base.contextLength(), base.ropeBase(), base.tied(), base.qkvBias(),
                experts != null ? experts : base.experts(), expertsUsed != null ? expertsUsed : base.expertsUsed());
        if (s.experts() < 0 || s.expertsUsed() < 0 || (s.experts() > 0) != (s.expertsUsed() > 0) || s.expertsUsed() > s.experts()) {
            throw new CliException("give --experts N and --experts-used K together, with 1 ≤ K ≤ N");
        }
        if (s.dim() <= 0 || s.layers() <= 0 || s.heads() <= 0 || s.kvHeads() <= 0 || s.ffn() <= 0 || s.vocab() <= 0) {
            throw new CliException("dimensions must be positive");
        }
        if (s.dim() % s.heads() != 0 || s.heads() % s.kvHeads() != 0) {
            throw new CliException("--dim must be a multiple of --heads, and --heads a multiple of --kv-heads");
        }
        return s;
    }
}
