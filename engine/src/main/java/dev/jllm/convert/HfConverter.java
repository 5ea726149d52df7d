package dev.jllm.convert;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.GGUFWriter;
import dev.jllm.tensor.GGMLType;
import dev.jllm.tensor.TensorFormats;
import dev.jllm.tensor.WorkerPool;

/**
 * Converts a Hugging Face checkpoint folder (the families of {@link HfArchitecture}: safetensors
 * weights, config.json, tokenizer) into a GGUF file as llama.cpp's {@code convert_hf_to_gguf.py}
 * does: the same architecture, metadata keys ({@link HfMetadata}), tensor names, Q/K row order
 * ({@link QkPermutation}), Gemma's shifted norms, RoPE factors ({@link RopeScaling}) and
 * vocabulary ({@link HfVocabulary}, {@link HfSpecialTokens}).
 * Matrices are written as F32, F16, BF16 or Q8_0; 1-D tensors (norms, biases) always as F32.
 * Weights stream from the mapped shards to the output in chunks: a checkpoint is never held on
 * the heap.
 */
public final class HfConverter {
    private HfConverter() {}

    /** The types a converted matrix may have; {@code AUTO} keeps a BF16 checkpoint BF16 and makes others F16, as llama.cpp's "auto". */
    public enum OutputType {
        AUTO(null, -1), F32(GGMLType.F32, 0), F16(GGMLType.F16, 1), BF16(GGMLType.BF16, 32), Q8_0(GGMLType.Q8_0, 7);

        final GGMLType type;
        /** llama.cpp's {@code general.file_type} for it. */
        final int fileType;

        OutputType(GGMLType type, int fileType) {
            this.type = type;
            this.fileType = fileType;
        }
    }

    /** What was converted, for the command's report. */
    public record Summary(String architecture, int layers, int hiddenSize, int vocabSize, OutputType type, int tensors) {}

    /** One tensor to write: where its values come from and how. */
    private record Planned(String name, Safetensors.Tensor source, GGMLType type, long[] ggufShape, int rows, int cols, int permuteHeadDim, float shift,
                           float[] values) {
        long bytes() {
            return type.bytesFor((long) rows * cols);
        }
    }

    /**
     * Reads {@code dir} and writes {@code out} (atomically).
     *
     * @param name        general.name, or null for the folder's name
     * @param preOverride tokenizer.ggml.pre to record instead of the detected one, or null
     * @param progress    receives the number of bytes written as they are written
     */
    public static Summary convert(Path dir, Path out, OutputType requested, String name, String preOverride, WorkerPool pool,
                                  LongConsumer progress) throws IOException {
        try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
            HfModelConfig c = HfModelConfig.of(ckpt.config);
            OutputType type = requested != OutputType.AUTO ? requested : autoType(ckpt);
            GGUFMetadata md = HfMetadata.of(c, ckpt.config, type.fileType, name != null ? name : dir.toAbsolutePath().normalize().getFileName().toString());
            List<String> tokens = HfVocabulary.addTo(md, dir, c, preOverride);
            HfSpecialTokens.addTo(md, dir, c, tokens);
            List<Planned> plan = plan(ckpt, c, type.type);
            GGUFWriter w = new GGUFWriter(md);
            for (Planned p : plan) add(w, p, pool, progress);
            w.write(out);
            return new Summary(c.architecture().ggufName, c.layers(), c.hiddenSize(), c.vocabSize(), type, plan.size());
        }
    }

    /** The bytes the tensors of {@code dir} will take as {@code type} (for a progress bar). */
    public static long outputBytes(Path dir, OutputType requested) throws IOException {
        try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
            HfModelConfig c = HfModelConfig.of(ckpt.config);
            OutputType type = requested != OutputType.AUTO ? requested : autoType(ckpt);
            return plan(ckpt, c, type.type).stream().mapToLong(Planned::bytes).sum();
        }
    }

    private static OutputType autoType(HfCheckpoint ckpt) {
        return ckpt.tensors.values().stream().anyMatch(t -> t.dtype() == Safetensors.DType.BF16) ? OutputType.BF16 : OutputType.F16;
    }

    /** Every tensor of the GGUF file in order, checked against the configuration. */
    private static List<Planned> plan(HfCheckpoint ckpt, HfModelConfig c, GGMLType matrixType) {
        HfArchitecture arch = c.architecture();
        Map<String, Safetensors.Tensor> byGguf = new LinkedHashMap<>();
        for (Safetensors.Tensor t : ckpt.tensors.values()) {
            String g = HfTensorNames.ggufName(t.name(), arch);
            if (g == null) continue;
            if (byGguf.put(g, t) != null) throw new ConversionException("two checkpoint tensors map to " + g + " (one is " + t.name() + ")");
        }
        List<Planned> plan = new ArrayList<>();
        Set<String> used = new HashSet<>();
        long[] embedding = {c.vocabSize(), c.hiddenSize()};
        float[] ropeFactors = arch.ggufName.equals("llama") ? RopeScaling.llama3Factors(c) : null;
        if (ropeFactors != null) plan.add(generated("rope_freqs.weight", ropeFactors));
        if (arch == HfArchitecture.PHI3) {
            float[][] longShort = RopeScaling.longRopeFactors(c, (int) (ckpt.config.path("partial_rotary_factor").asDouble(1.0) * c.hiddenSize()) / c.heads());
            if (longShort != null) {
                plan.add(generated("rope_factors_long.weight", longShort[0]));
                plan.add(generated("rope_factors_short.weight", longShort[1]));
            }
        }
        plan.add(planned(byGguf, used, "token_embd.weight", embedding, matrixType, 0, arch));
        for (int l = 0; l < c.layers(); l++) {
            for (HfArchitecture.LayerTensor t : arch.layerTensors) {
                long[] shape = t.dims().shape(c);
                int permute = t.rope() && arch.permuteQK ? c.headDim() : 0;
                plan.add(planned(byGguf, used, "blk." + l + "." + t.name(), shape, matrixType, permute, arch));
            }
        }
        plan.add(planned(byGguf, used, "output_norm.weight", new long[]{c.hiddenSize()}, matrixType, 0, arch));
        if (byGguf.containsKey("output.weight")) plan.add(planned(byGguf, used, "output.weight", embedding, matrixType, 0, arch));
        else if (!c.tieWordEmbeddings() && arch != HfArchitecture.GEMMA2) {
            throw new ConversionException("the checkpoint has no lm_head.weight and config.json does not tie it to the embeddings (tie_word_embeddings)");
        }
        for (String g : byGguf.keySet()) {
            if (!used.contains(g)) throw new ConversionException("checkpoint tensor " + byGguf.get(g).name() + " (" + g + ") does not belong to a "
                    + arch.hfName + " with " + c.layers() + " layers");
        }
        return plan;
    }

    /** A tensor the converter computes (1-D, F32). */
    private static Planned generated(String name, float[] values) {
        return new Planned(name, null, GGMLType.F32, new long[]{values.length}, 1, values.length, 0, 0f, values);
    }

    /**
     * The checkpoint tensor for GGUF tensor {@code name}, of PyTorch shape {@code shape} ([n] or
     * [rows, cols]; GGUF's {cols, rows}). Vectors are F32; matrices {@code type}, but Q8_0 only
     * for rows of whole 32-value blocks (others stay F16, as llama.cpp keeps them). Gemma's norms
     * are shifted by one.
     */
    private static Planned planned(Map<String, Safetensors.Tensor> byGguf, Set<String> used, String name, long[] shape, GGMLType type, int permuteHeadDim,
                                   HfArchitecture arch) {
        Safetensors.Tensor t = byGguf.get(name);
        if (t == null) throw new ConversionException("the checkpoint has no tensor for " + name + " (expected shape " + Arrays.toString(shape) + ")");
        if (!Arrays.equals(t.shape(), shape)) {
            throw new ConversionException("checkpoint tensor " + t.name() + " has shape " + Arrays.toString(t.shape()) + ", config.json implies " + Arrays.toString(shape));
        }
        used.add(name);
        float shift = arch.normPlusOne && name.endsWith("norm.weight") ? 1f : 0f;
        if (shape.length == 1) return new Planned(name, t, GGMLType.F32, new long[]{shape[0]}, 1, (int) shape[0], permuteHeadDim, shift, null);
        int rows = (int) shape[0], cols = (int) shape[1];
        GGMLType chosen = type == GGMLType.Q8_0 && cols % 32 != 0 ? GGMLType.F16 : type;
        return new Planned(name, t, chosen, new long[]{cols, rows}, rows, cols, permuteHeadDim, shift, null);
    }

    private static void add(GGUFWriter w, Planned p, WorkerPool pool, LongConsumer progress) {
        if (p.values != null) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(p.values.length * Float.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (float x : p.values) b.putFloat(x);
            w.addTensor(p.name, GGMLType.F32, p.ggufShape, MemorySegment.ofArray(b.array()));
            progress.accept(p.bytes());
            return;
        }
        Safetensors.Tensor t = p.source;
        boolean sameType = (t.dtype() == Safetensors.DType.F32 && p.type == GGMLType.F32) || (t.dtype() == Safetensors.DType.F16 && p.type == GGMLType.F16)
                || (t.dtype() == Safetensors.DType.BF16 && p.type == GGMLType.BF16);
        if (sameType && p.permuteHeadDim == 0 && p.shift == 0) {
            MemorySegment data = t.data();
            w.addTensor(p.name, p.type, p.ggufShape, ch -> {
                var buf = data.asByteBuffer();
                while (buf.hasRemaining()) ch.write(buf);
                progress.accept(data.byteSize());
            });
            return;
        }
        int cols = p.cols, permute = p.permuteHeadDim;
        float shift = p.shift;
        boolean vector = p.rows == 1;
        // a permuted bias is one row whose elements are reordered like a matrix's rows
        w.addTensor(p.name, p.type, p.ggufShape, new TensorEncoder(TensorFormats.of(p.type, p.name), p.rows, cols, (row, values) -> {
            if (vector) {
                for (int i = 0; i < cols; i++) values[i] = t.get(permute > 0 ? QkPermutation.sourceRow(i, permute) : i);
            } else {
                long base = (long) (permute > 0 ? QkPermutation.sourceRow(row, permute) : row) * cols;
                for (int i = 0; i < cols; i++) values[i] = t.get(base + i);
            }
            if (shift != 0) for (int i = 0; i < cols; i++) values[i] += shift; // (adding 0 would turn −0 into +0)
        }, pool, progress));
    }
}
