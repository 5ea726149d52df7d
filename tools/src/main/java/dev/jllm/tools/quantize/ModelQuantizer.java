package dev.jllm.tools.quantize;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.function.LongConsumer;

import dev.jllm.convert.RowSource;
import dev.jllm.convert.TensorEncoder;
import dev.jllm.gguf.GGUFFile;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.GGUFWriter;
import dev.jllm.gguf.TensorInfo;
import dev.jllm.tensor.GGMLType;
import dev.jllm.tensor.TensorFormat;
import dev.jllm.tensor.TensorFormats;
import dev.jllm.tensor.WorkerPool;

/**
 * Re-encodes a model file into another tensor type (llama.cpp's {@code llama-quantize} without an
 * importance matrix): every matrix is decoded row by row and encoded with the recipe's type for
 * it; 1-D tensors are kept as F32; metadata is copied with {@code general.file_type} updated.
 * Sources must be F32, F16 or BF16 — quantizing already-quantized weights again loses precision
 * twice, so it is refused unless explicitly allowed.
 */
public final class ModelQuantizer {
    private ModelQuantizer() {}

    public static long outputBytes(GGUFFile in, QuantRecipe recipe) {
        int layers = layerCount(in);
        boolean hasOutput = in.tensorInfo("output.weight") != null;
        long total = 0;
        for (TensorInfo t : in.tensors().values()) {
            total += recipe.typeFor(t.name(), t.dim(0), t.dims(), layers, hasOutput).bytesFor(t.elementCount());
        }
        return total;
    }

    public static void quantize(GGUFFile in, QuantRecipe recipe, boolean allowRequantize, Path out, WorkerPool pool, LongConsumer progress) throws IOException {
        GGUFMetadata md = in.metadata().copy();
        md.putUInt32("general.file_type", recipe.fileType());
        md.putUInt32("general.quantization_version", 2);
        int layers = layerCount(in);
        boolean hasOutput = in.tensorInfo("output.weight") != null;
        GGUFWriter w = new GGUFWriter(md);
        for (TensorInfo t : in.tensors().values()) {
            GGMLType src = t.type();
            TensorFormat from = TensorFormats.of(src, t.name());
            GGMLType dst = recipe.typeFor(t.name(), t.dim(0), t.dims(), layers, hasOutput);
            boolean floatSource = src == GGMLType.F32 || src == GGMLType.F16 || src == GGMLType.BF16;
            if (!floatSource && src != dst && !allowRequantize) {
                throw new IllegalArgumentException("tensor " + t.name() + " is already " + src + "; quantize from an F32/F16/BF16 file (or allow re-quantizing)");
            }
            int cols = (int) t.dim(0);
            int rows = Math.toIntExact(t.elementCount() / cols);
            MemorySegment data = in.data(t);
            RowSource rowsFrom = (r, values) -> from.dequantize(data, (long) r * cols, values, 0, cols);
            w.addTensor(t.name(), dst, t.shape(), new TensorEncoder(TensorFormats.of(dst, t.name()), rows, cols, rowsFrom, pool, progress));
        }
        w.write(out);
    }

    private static int layerCount(GGUFFile in) {
        String arch = in.metadata().getString("general.architecture", "llama");
        return in.metadata().getInt(arch + ".block_count", 0);
    }
}
