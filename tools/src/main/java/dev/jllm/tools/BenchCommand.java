package dev.jllm.tools;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.Completion;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.Session;
import dev.jllm.TokenListener;
import dev.jllm.gguf.GGUFFile;
import dev.jllm.gguf.TensorInfo;
import dev.jllm.tensor.GGMLType;
import dev.jllm.tensor.Kernels;
import dev.jllm.tools.bench.BandwidthProbe;
import dev.jllm.tools.bench.HeapAllocation;
import dev.jllm.tools.bench.ProcessMemory;
import dev.jllm.tools.bench.Stats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jllm bench}, like llama-bench: prompt processing (pp: {@code -p} random tokens in one
 * go) and decoding (tg: {@code -n} tokens one at a time), each repeated {@code -r} times after a
 * warm-up, reported as mean ± sd tokens per second. Both start from an empty context, or with
 * {@code -d} random tokens already in it (untimed), as in a long conversation, where attention
 * over the cache costs more per token.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure prompt-processing and decoding speed.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "NAME|FILE",
            description = "A GGUF file, or anything -m takes elsewhere: registry name, URL, hf:OWNER/REPO[:QUANT], checkpoint folder (fetched or converted first).")
    String modelSpec;
    private Path model;
    @Option(names = {"-p", "--prompt-tokens"}, defaultValue = "128", paramLabel = "N", description = "Prompt tokens (default: ${DEFAULT-VALUE}; 0 skips).") int promptTokens;
    @Option(names = {"-n", "--gen-tokens"}, defaultValue = "64", paramLabel = "N", description = "Generated tokens (default: ${DEFAULT-VALUE}; 0 skips).") int genTokens;
    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Threads (default: all cores).") Integer threads;
    @Option(names = {"-r", "--repetitions"}, defaultValue = "3", paramLabel = "N", description = "Repetitions (default: ${DEFAULT-VALUE}).") int reps;
    @Option(names = {"-d", "--depth"}, defaultValue = "0", paramLabel = "N", description = "Tokens already in the context when each pp and tg run starts (default: ${DEFAULT-VALUE}).") int depth;
    @Option(names = "--batch", defaultValue = "32", paramLabel = "N", description = "Prompt tokens per forward pass (default: ${DEFAULT-VALUE}).") int batch;
    @Option(names = "--cache-type", defaultValue = "f16", paramLabel = "TYPE", description = "KV cache encoding: f16 or q8_0 (default: ${DEFAULT-VALUE}).") String cacheType;
    @Option(names = "--roofline", description = "Also measure memory read bandwidth and report decoding as a fraction of it.") boolean roofline;
    @Option(names = "--json", description = "Print one JSON object.") boolean json;

    @Override
    public Integer call() throws Exception {
        model = ModelArgs.resolve(modelSpec, true);
        if (promptTokens < 0 || genTokens < 0 || depth < 0 || reps < 1 || batch < 1) throw new CliException("-p, -n and -d must be ≥ 0, -r and --batch ≥ 1");
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (t < 1) throw new CliException("--threads must be at least 1");

        String type;
        long decodeBytes;
        try (GGUFFile f = GGUFFile.open(model)) {
            type = dominantType(f);
            decodeBytes = bytesReadPerToken(f);
        }
        long t0 = System.nanoTime();
        int ctx = Math.max(16, depth + Math.max(promptTokens, genTokens + 1) + 8);
        try (Model m = Model.load(model, ModelOptions.builder().threads(t).contextLength(ctx).batchSize(batch)
                .kvCacheType(ModelArgs.cacheType(cacheType)).progress(new LoadProgress()).build())) {
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            int vocab = m.info().vocabularySize();
            Session s = m.newSession();
            SplittableRandom rnd = new SplittableRandom(1);

            progress("warming up");
            // the JIT warm-up every program pays once after loading (see Model.warmUp), reported
            // apart: the repetitions measure the steady state
            double warmUpSeconds = m.warmUp().toNanos() / 1e9;
            int[] context = randomTokens(depth, vocab, rnd);
            runGeneration(s, new int[0], Math.min(genTokens > 0 ? genTokens : 4, 8));
            if (depth > 0) {
                progress("filling the context with " + depth + " tokens");
                s.reset();
                PromptProgress filling = new PromptProgress("bench: filling the context");
                s.generate(context, GenerationParams.greedy(0), new TokenListener() {
                    @Override public Action onToken(String piece, int id) { return Action.CONTINUE; }
                    @Override public void onPromptProgress(int evaluated, int total) { filling.update(evaluated, total); }
                });
            }

            double[] pp = new double[promptTokens > 0 ? reps : 0], tg = new double[genTokens > 0 ? reps : 0];
            long tgHeapBytes = 0;
            for (int r = 0; r < reps; r++) {
                if (promptTokens > 0) {
                    progress(label("pp", promptTokens) + " run " + (r + 1) + "/" + reps);
                    pp[r] = runPrompt(s, context, randomTokens(promptTokens, vocab, rnd));
                }
                if (genTokens > 0) {
                    progress(label("tg", genTokens) + " run " + (r + 1) + "/" + reps);
                    Decoding d = runGeneration(s, context, genTokens);
                    tg[r] = d.tokensPerSecond();
                    tgHeapBytes += d.heapBytes();
                }
            }
            long peakRss = ProcessMemory.peakRssBytes(); // before the bandwidth probe allocates its buffer
            Double bandwidth = null;
            if (roofline) {
                progress("measuring memory bandwidth");
                bandwidth = BandwidthProbe.readBytesPerSecond(t);
            }
            Long tgHeapPerToken = genTokens > 0 && HeapAllocation.totalBytes() >= 0 ? tgHeapBytes / ((long) genTokens * reps) : null;
            report(m, type, t, loadSeconds, warmUpSeconds, pp, tg, tgHeapPerToken, decodeBytes, bandwidth, peakRss);
        }
        return 0;
    }

    private void progress(String what) {
        Console.ERR.println("bench: " + what);
    }

    /** "pp128", or "pp128 @ d1024" with a depth, as llama-bench labels its tests. */
    private String label(String kind, int tokens) {
        return kind + tokens + (depth > 0 ? " @ d" + depth : "");
    }

    private static int[] randomTokens(int n, int vocab, SplittableRandom rnd) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = rnd.nextInt(vocab);
        return ids;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] ab = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, ab, a.length, b.length);
        return ab;
    }

    /**
     * Evaluates {@code prompt} after {@code context}; returns the prompt's tokens per second.
     * The session keeps the context's keys and values from one run to the next (it reuses the
     * prefix a prompt shares with what it last processed) and evaluates the prompt alone.
     */
    private static double runPrompt(Session s, int[] context, int[] prompt) {
        Completion c = s.generate(concat(context, prompt), GenerationParams.greedy(0), TokenListener.NONE);
        return c.timings().promptTokensPerSecond();
    }

    /** A decoding run's speed and the heap all threads allocated meanwhile. */
    private record Decoding(double tokensPerSecond, long heapBytes) {}

    /** Generates {@code n} tokens one at a time after {@code context} and a one-token prompt. */
    private static Decoding runGeneration(Session s, int[] context, int n) {
        GenerationParams p = GenerationParams.builder().temperature(0).maxTokens(n).ignoreEndOfGeneration(true).build();
        int[] prompt = concat(context, new int[]{0});
        long heapBefore = HeapAllocation.totalBytes();
        long start = System.nanoTime();
        Completion c = s.generate(prompt, p, TokenListener.NONE);
        long elapsed = System.nanoTime() - start;
        long heap = HeapAllocation.totalBytes() - heapBefore;
        // n tokens are sampled and n decoding steps run (the one-token prompt's step, and one per
        // generated token but the last, which is sampled and not fed back): n steps in `elapsed`.
        return new Decoding(c.generatedTokens() * 1e9 / elapsed, heap);
    }

    private void report(Model m, String type, int t, double loadSeconds, double warmUpSeconds, double[] pp, double[] tg, Long tgHeapPerToken, long decodeBytes, Double bandwidth, long rss) throws Exception {
        Stats pps = pp.length > 0 ? Stats.of(pp) : null, tgs = tg.length > 0 ? Stats.of(tg) : null;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model.getFileName().toString());
        out.put("type", type);
        out.put("threads", t);
        out.put("prompt_tokens", promptTokens);
        out.put("gen_tokens", genTokens);
        out.put("depth", depth);
        out.put("kv_cache_type", ModelArgs.cacheType(cacheType).name());
        out.put("repetitions", reps);
        out.put("pp_tps_mean", pps == null ? null : pps.mean());
        out.put("pp_tps_sd", pps == null ? null : pps.sd());
        out.put("tg_tps_mean", tgs == null ? null : tgs.mean());
        out.put("tg_tps_sd", tgs == null ? null : tgs.sd());
        out.put("pp_tps", pp);
        out.put("tg_tps", tg);
        out.put("load_seconds", loadSeconds);
        out.put("warmup_seconds", warmUpSeconds);
        out.put("peak_rss_bytes", rss);
        out.put("tg_heap_bytes_per_token", tgHeapPerToken);
        out.put("model_bytes", m.info().fileSize());
        out.put("decode_bytes_per_token", decodeBytes);
        out.put("vector_bits", Kernels.vectorBits());
        out.put("simd_kernels", Kernels.simd());
        if (bandwidth != null) {
            out.put("read_bandwidth_bytes_per_second", bandwidth);
            out.put("tg_roofline_tps", bandwidth / decodeBytes);
            out.put("tg_roofline_fraction", tgs == null ? null : tgs.mean() * decodeBytes / bandwidth);
        }
        if (json) {
            Console.OUT.println(new ObjectMapper().writeValueAsString(out));
            return;
        }
        Console.OUT.printf("model %s (%s, %s), %d threads, %s KV cache, load %.2f s, JIT warm-up %.2f s, peak RSS %s%n", model.getFileName(), type,
                InfoCommand.human(m.info().fileSize()), t, ModelArgs.cacheType(cacheType), loadSeconds, warmUpSeconds, InfoCommand.human(rss));
        Console.OUT.printf("  %s%n", Kernels.describe());
        if (pps != null) Console.OUT.printf("  %-14s %8.2f ± %6.2f tok/s%n", label("pp", promptTokens), pps.mean(), pps.sd());
        if (tgs != null) {
            Console.OUT.printf("  %-14s %8.2f ± %6.2f tok/s%s%n", label("tg", genTokens), tgs.mean(), tgs.sd(),
                    tgHeapPerToken == null ? "" : ", heap allocation " + InfoCommand.human(tgHeapPerToken) + " per token");
        }
        if (bandwidth != null) {
            Console.OUT.printf("  read bandwidth %.1f GB/s with %d threads; decoding reads %s per token → roofline %.1f tok/s%s%n",
                    bandwidth / 1e9, t, InfoCommand.human(decodeBytes), bandwidth / decodeBytes,
                    tgs == null ? "" : String.format(", reached %.2f of it", tgs.mean() * decodeBytes / bandwidth));
        }
    }

    /** The tensor type holding most of the weight bytes (e.g. Q4_0), with the file type name if it is a mix. */
    static String dominantType(GGUFFile f) {
        Map<GGMLType, Long> bytes = new HashMap<>();
        for (TensorInfo ti : f.tensors().values()) bytes.merge(ti.type(), ti.byteSize(), Long::sum);
        GGMLType top = bytes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(GGMLType.F32);
        String name = f.metadata().getString("general.name", "");
        return bytes.size() > 2 && name.contains("_K_M") ? name.substring(name.lastIndexOf(' ') + 1) : top.name();
    }

    /**
     * Weight bytes one decoding step reads: every matrix once, except the token embedding, of
     * which only one row is read — unless it doubles as the output matrix.
     */
    static long bytesReadPerToken(GGUFFile f) {
        boolean tied = f.tensorInfo("output.weight") == null;
        long total = 0;
        for (TensorInfo ti : f.tensors().values()) {
            if (ti.name().equals("token_embd.weight") && !tied) total += ti.byteSize() / Math.max(1, ti.dim(1));
            else total += ti.byteSize();
        }
        return total;
    }
}
