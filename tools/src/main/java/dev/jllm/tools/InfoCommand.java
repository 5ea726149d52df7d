package dev.jllm.tools;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

import dev.jllm.JllmException;
import dev.jllm.gguf.GGUFArray;
import dev.jllm.gguf.GGUFFile;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.TensorInfo;
import dev.jllm.model.LayerSpec;
import dev.jllm.model.ModelConfig;
import dev.jllm.tensor.TensorFormats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jllm info}: what a GGUF file holds — the architecture as jllm reads it, the metadata
 * (long arrays summarised) and the tensor table. Works on files jllm cannot run, to show why.
 */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show a GGUF file's architecture, metadata and tensors.")
final class InfoCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "NAME|FILE", description = "GGUF file or model name.")
    String model;

    @Option(names = "--no-tensors", description = "Leave out the tensor table.")
    boolean noTensors;

    @Override
    public Integer call() {
        Path model = ModelArgs.resolve(this.model, true);
        var out = Console.OUT;
        try (GGUFFile f = GGUFFile.open(model)) {
            GGUFMetadata md = f.metadata();
            out.printf("file:         %s (%s)%n", model, human(f.fileSize()));
            out.printf("format:       GGUF v%d, %d metadata keys, %d tensors, alignment %d%n", f.version(), md.size(), f.tensors().size(), f.alignment());
            long params = f.tensors().values().stream().mapToLong(TensorInfo::elementCount).sum();
            out.printf("name:         %s%n", md.getString("general.name", "-"));
            out.printf("parameters:   %,d%n", params);
            out.println();
            describeArchitecture(md);
            describeChat(md);
            out.println();
            out.println("metadata:");
            for (String key : md.keys()) {
                out.printf("  %-48s %s%n", key, render(md.get(key)));
            }
            if (!noTensors) {
                out.println();
                out.printf("tensors:%n  %-36s %-8s %-20s %12s%n", "name", "type", "shape", "bytes");
                for (TensorInfo t : f.tensors().values()) {
                    String type = t.type() + (TensorFormats.isSupported(t.type()) ? "" : "*");
                    out.printf("  %-36s %-8s %-20s %12d%n", t.name(), type, Arrays.toString(t.shape()), t.byteSize());
                }
                if (f.tensors().values().stream().anyMatch(t -> !TensorFormats.isSupported(t.type()))) {
                    out.println("  (* = tensor type jllm cannot compute with yet)");
                }
            }
        }
        return 0;
    }

    private void describeArchitecture(GGUFMetadata md) {
        var out = Console.OUT;
        String arch = md.getString("general.architecture", "(missing)");
        try {
            ModelConfig c = ModelConfig.from(md);
            out.printf("architecture: %s%n", arch);
            out.printf("  embedding %d, layers %d, heads %d, KV heads %d, head size %d, feed-forward %d%n",
                    c.dim(), c.layerCount(), c.heads(), c.kvHeads(), c.headDim(), c.ffnDim());
            out.printf("  context %d, RMS eps %g, RoPE %s over %d dims, activation %s%n",
                    c.contextLength(), c.rmsEps(), c.ropeLayout(), c.ropeDim(), c.activation());
            if (c.experts() != null) {
                out.printf("  mixture of experts: %d experts, %d used per token, expert feed-forward %d%n",
                        c.experts().count(), c.experts().used(), c.experts().ffnDim());
            }
            if (c.embeddingScale() != 1f) out.printf("  embedding scale %.4f%n", c.embeddingScale());
            if (c.attnSoftcap() > 0) out.printf("  attention soft-cap %.1f%n", c.attnSoftcap());
            if (c.finalSoftcap() > 0) out.printf("  final logit soft-cap %.1f%n", c.finalSoftcap());
            StringBuilder layers = new StringBuilder();
            for (int i = 0; i < c.layerCount(); i++) {
                LayerSpec l = c.layer(i);
                layers.append(i == 0 ? "" : " ").append(l.isGlobal() ? "G" : "L" + l.slidingWindow());
            }
            out.printf("  layers (G = global, Lw = sliding window w): %s%n", layers);
            out.printf("  RoPE base %s%n", c.layers().stream().map(l -> l.ropeBase() + (l.ropeScale() != 1f ? "×" + l.ropeScale() : "")).distinct().toList());
            out.println("  " + kvCacheLine(c));
            c.layers().stream().map(LayerSpec::yarn).filter(java.util.Objects::nonNull).findFirst().ifPresent(y ->
                    out.printf("  RoPE scaling YaRN: factor %s, original context %d, beta fast %s, slow %s%n",
                            1 / c.layers().getFirst().ropeScale(), y.originalContext(), y.betaFast(), y.betaSlow()));
            if (c.ropeAttnFactor() != 1f || c.ropeOriginalContext() != c.contextLength()) {
                out.printf("  RoPE attention factor %.4f, original context %d (longer sessions use long RoPE factors where the file has them)%n",
                        c.ropeAttnFactor(), c.ropeOriginalContext());
            }
        } catch (JllmException e) {
            out.printf("architecture: %s — jllm cannot run this file: %s%n", arch, e.getMessage());
        }
    }

    /** What the chat template does besides rendering: its tool-call syntax and thinking, as chat and serve will use them. */
    private static void describeChat(GGUFMetadata md) {
        String template = md.getString("tokenizer.chat_template", null);
        if (template == null) {
            Console.OUT.println("chat template: none in the file (a built-in one is chosen by the vocabulary's special tokens; no tools)");
            return;
        }
        var tools = dev.jllm.chat.ToolCallFormat.detect(template);
        Console.OUT.printf("chat template: %,d characters; tool calls: %s; thinking: %s%n", template.length(),
                tools == null ? "none jllm reads" : tools.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '),
                template.contains("<think>") ? "<think> blocks" : "no");
    }

    static String render(Object v) {
        if (v instanceof GGUFArray a) {
            Object values = a.values();
            int n = a.length();
            String head = switch (values) {
                case String[] s -> Arrays.toString(Arrays.copyOf(s, Math.min(n, 5)));
                case int[] s -> Arrays.toString(Arrays.copyOf(s, Math.min(n, 8)));
                case float[] s -> Arrays.toString(Arrays.copyOf(s, Math.min(n, 8)));
                default -> "";
            };
            return a.elementType().name().toLowerCase() + "[" + n + "] " + head + (n > 8 ? "…" : "");
        }
        String s = String.valueOf(v);
        s = s.replace("\n", "\\n");
        return s.length() > 100 ? s.substring(0, 100) + "… (" + s.length() + " chars)" : s;
    }

    static String human(long bytes) {
        if (bytes >= 1L << 30) return String.format("%.2f GiB", bytes / (double) (1L << 30));
        if (bytes >= 1L << 20) return String.format("%.1f MiB", bytes / (double) (1L << 20));
        if (bytes >= 1L << 10) return String.format("%.1f KiB", bytes / 1024.0);
        return bytes + " B";
    }

    /** What a session's KV cache takes per position and at the default context cap, F16 and (where the head size allows) Q8_0. */
    static String kvCacheLine(ModelConfig c) {
        long f16 = dev.jllm.model.KVCache.bytesPerPosition(c, dev.jllm.KvCacheType.F16);
        int n = Math.min(c.contextLength(), dev.jllm.ModelOptions.DEFAULT_MAX_CONTEXT);
        String line = "KV cache per position %s F16 (%s for %,d positions)".formatted(human(f16), human(f16 * n), n);
        if (c.headDim() % dev.jllm.tensor.Q8AttentionKernel.BLOCK != 0) return line + "; Q8_0 needs a head size that is a multiple of 32";
        long q8 = dev.jllm.model.KVCache.bytesPerPosition(c, dev.jllm.KvCacheType.Q8_0);
        return line + ", %s Q8_0 (%s)".formatted(human(q8), human(q8 * n));
    }
}
