package dev.jllm.tools.convert;

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

import com.fasterxml.jackson.databind.JsonNode;

import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.GGUFWriter;
import dev.jllm.tensor.GGMLType;
import dev.jllm.tensor.TensorFormats;
import dev.jllm.tensor.WorkerPool;
import dev.jllm.tools.quantize.TensorEncoder;

/**
 * Converts a Hugging Face checkpoint folder (LLaMA, Mistral, Qwen2, Qwen3: safetensors weights,
 * config.json, tokenizer) into a GGUF file as llama.cpp's {@code convert_hf_to_gguf.py} does:
 * the same architecture, metadata keys, tensor names, Q/K row order ({@link QkPermutation}),
 * Llama 3 {@code rope_freqs} and vocabulary ({@link HfVocabulary}, {@link HfSpecialTokens}).
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
    public record Summary(String architecture, int layers, int hiddenSize, int vocabSize, OutputType type, int tensors, long bytes) {}

    /** One tensor to write: where its values come from and how. */
    private record Planned(String name, Safetensors.Tensor source, GGMLType type, long[] ggufShape, int rows, int cols, int permuteHeadDim, float[] values) {
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
            GGUFMetadata md = metadata(c, type, name != null ? name : dir.toAbsolutePath().normalize().getFileName().toString());
            List<String> tokens = HfVocabulary.addTo(md, dir, c, preOverride);
            HfSpecialTokens.addTo(md, dir, c, tokens);
            List<Planned> plan = plan(ckpt, c, type.type);
            GGUFWriter w = new GGUFWriter(md);
            long total = 0;
            for (Planned p : plan) {
                add(w, p, pool, progress);
                total += p.bytes();
            }
            w.write(out);
            return new Summary(c.architecture().ggufName, c.layers(), c.hiddenSize(), c.vocabSize(), type, plan.size(), total);
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

    private static GGUFMetadata metadata(HfModelConfig c, OutputType type, String name) {
        String a = c.architecture().ggufName;
        GGUFMetadata md = new GGUFMetadata();
        md.putString("general.architecture", a);
        md.putString("general.name", name);
        md.putUInt32("general.file_type", type.fileType);
        md.putUInt32("general.quantization_version", 2);
        if (a.equals("llama")) md.putUInt32(a + ".vocab_size", c.vocabSize());
        md.putUInt32(a + ".context_length", c.contextLength());
        md.putUInt32(a + ".embedding_length", c.hiddenSize());
        md.putUInt32(a + ".block_count", c.layers());
        md.putUInt32(a + ".feed_forward_length", c.intermediateSize());
        md.putUInt32(a + ".attention.head_count", c.heads());
        md.putUInt32(a + ".attention.head_count_kv", c.kvHeads());
        md.putFloat32(a + ".attention.layer_norm_rms_epsilon", c.rmsNormEps());
        md.putFloat32(a + ".rope.freq_base", c.ropeTheta());
        if (a.equals("llama")) md.putUInt32(a + ".rope.dimension_count", c.headDim());
        if (c.explicitHeadDim()) {
            md.putUInt32(a + ".attention.key_length", c.headDim());
            md.putUInt32(a + ".attention.value_length", c.headDim());
        }
        RopeScaling.addTo(md, a, c);
        return md;
    }

    /** Every tensor of the GGUF file in order, checked against the configuration. */
    private static List<Planned> plan(HfCheckpoint ckpt, HfModelConfig c, GGMLType matrixType) {
        Map<String, Safetensors.Tensor> byGguf = new LinkedHashMap<>();
        for (Safetensors.Tensor t : ckpt.tensors.values()) {
            String g = HfTensorNames.ggufName(t.name());
            if (g == null) continue;
            if (byGguf.put(g, t) != null) throw new ConversionException("two checkpoint tensors map to " + g + " (one is " + t.name() + ")");
        }
        List<Planned> plan = new ArrayList<>();
        Set<String> used = new HashSet<>();
        int hd = c.headDim(), q = c.heads() * hd, kv = c.kvDim(), h = c.hiddenSize(), f = c.intermediateSize(), v = c.vocabSize();
        float[] ropeFactors = RopeScaling.llama3Factors(c);
        if (ropeFactors != null) plan.add(new Planned("rope_freqs.weight", null, GGMLType.F32, new long[]{ropeFactors.length}, 1, ropeFactors.length, 0, ropeFactors));
        plan.add(matrix(byGguf, used, "token_embd.weight", matrixType, 0, v, h));
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            boolean permute = c.architecture().permuteQK;
            plan.add(vector(byGguf, used, p + "attn_norm.weight", 0, h));
            plan.add(matrix(byGguf, used, p + "attn_q.weight", matrixType, permute ? hd : 0, q, h));
            plan.add(matrix(byGguf, used, p + "attn_k.weight", matrixType, permute ? hd : 0, kv, h));
            plan.add(matrix(byGguf, used, p + "attn_v.weight", matrixType, 0, kv, h));
            if (byGguf.containsKey(p + "attn_q.bias") || c.architecture().extraLayerTensors.contains("attn_q.bias")) {
                plan.add(vector(byGguf, used, p + "attn_q.bias", permute ? hd : 0, q));
                plan.add(vector(byGguf, used, p + "attn_k.bias", permute ? hd : 0, kv));
                plan.add(vector(byGguf, used, p + "attn_v.bias", 0, kv));
            }
            if (c.architecture().extraLayerTensors.contains("attn_q_norm.weight")) {
                plan.add(vector(byGguf, used, p + "attn_q_norm.weight", 0, hd));
                plan.add(vector(byGguf, used, p + "attn_k_norm.weight", 0, hd));
            }
            plan.add(matrix(byGguf, used, p + "attn_output.weight", matrixType, 0, h, q));
            plan.add(vector(byGguf, used, p + "ffn_norm.weight", 0, h));
            plan.add(matrix(byGguf, used, p + "ffn_gate.weight", matrixType, 0, f, h));
            plan.add(matrix(byGguf, used, p + "ffn_up.weight", matrixType, 0, f, h));
            plan.add(matrix(byGguf, used, p + "ffn_down.weight", matrixType, 0, h, f));
        }
        plan.add(vector(byGguf, used, "output_norm.weight", 0, h));
        if (byGguf.containsKey("output.weight")) plan.add(matrix(byGguf, used, "output.weight", matrixType, 0, v, h));
        else if (!c.tieWordEmbeddings()) throw new ConversionException("the checkpoint has no lm_head.weight and config.json does not tie it to the embeddings (tie_word_embeddings)");
        for (String g : byGguf.keySet()) {
            if (!used.contains(g)) throw new ConversionException("checkpoint tensor " + byGguf.get(g).name() + " (" + g + ") does not belong to a "
                    + c.architecture().hfName + " with " + c.layers() + " layers");
        }
        return plan;
    }

    /** A 1-D tensor of {@code n} values (F32). */
    private static Planned vector(Map<String, Safetensors.Tensor> byGguf, Set<String> used, String name, int permuteHeadDim, int n) {
        Safetensors.Tensor t = source(byGguf, used, name, new long[]{n});
        return new Planned(name, t, GGMLType.F32, new long[]{n}, 1, n, permuteHeadDim, null);
    }

    /** A matrix of {@code rows} × {@code cols} (PyTorch's [rows, cols], GGUF's {cols, rows}). */
    private static Planned matrix(Map<String, Safetensors.Tensor> byGguf, Set<String> used, String name, GGMLType type, int permuteHeadDim, int rows, int cols) {
        Safetensors.Tensor t = source(byGguf, used, name, new long[]{rows, cols});
        // Q8_0 blocks hold 32 values of a row: rows of other lengths stay F16, as llama.cpp keeps them
        GGMLType chosen = type == GGMLType.Q8_0 && cols % 32 != 0 ? GGMLType.F16 : type;
        return new Planned(name, t, chosen, new long[]{cols, rows}, rows, cols, permuteHeadDim, null);
    }

    private static Safetensors.Tensor source(Map<String, Safetensors.Tensor> byGguf, Set<String> used, String name, long[] shape) {
        Safetensors.Tensor t = byGguf.get(name);
        if (t == null) throw new ConversionException("the checkpoint has no tensor for " + name + " (expected shape " + Arrays.toString(shape) + ")");
        if (!Arrays.equals(t.shape(), shape)) {
            throw new ConversionException("checkpoint tensor " + t.name() + " has shape " + Arrays.toString(t.shape()) + ", config.json implies " + Arrays.toString(shape));
        }
        used.add(name);
        return t;
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
        if (sameType && p.permuteHeadDim == 0) {
            MemorySegment data = t.data();
            w.addTensor(p.name, p.type, p.ggufShape, ch -> {
                var buf = data.asByteBuffer();
                while (buf.hasRemaining()) ch.write(buf);
                progress.accept(data.byteSize());
            });
            return;
        }
        int cols = p.cols, permute = p.permuteHeadDim;
        boolean vector = p.rows == 1;
        // a permuted bias is one row whose elements are reordered like a matrix's rows
        w.addTensor(p.name, p.type, p.ggufShape, new TensorEncoder(TensorFormats.of(p.type, p.name), p.rows, cols, (row, values) -> {
            if (vector) {
                for (int i = 0; i < cols; i++) values[i] = t.get(permute > 0 ? QkPermutation.sourceRow(i, permute) : i);
            } else {
                long base = (long) (permute > 0 ? QkPermutation.sourceRow(row, permute) : row) * cols;
                for (int i = 0; i < cols; i++) values[i] = t.get(base + i);
            }
        }, pool, progress));
    }
}
