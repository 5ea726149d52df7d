package dev.jllm.convert;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.function.LongConsumer;

import dev.jllm.gguf.GGUFWriter;
import dev.jllm.tensor.TensorFormat;
import dev.jllm.tensor.WorkerPool;

/**
 * Encodes a matrix into a tensor type while it is written: rows are produced and quantized in
 * chunks, split across the worker pool, and each chunk is written before the next is made, so a
 * multi-gigabyte model is written without holding it in memory.
 */
public final class TensorEncoder implements GGUFWriter.TensorBytes {
    private static final int CHUNK_BYTES = 8 << 20;

    private final TensorFormat format;
    private final int rows, cols;
    private final RowSource source;
    private final WorkerPool pool;
    private final LongConsumer progress;

    public TensorEncoder(TensorFormat format, int rows, int cols, RowSource source, WorkerPool pool, LongConsumer progress) {
        this.format = format;
        this.rows = rows;
        this.cols = cols;
        this.source = source;
        this.pool = pool;
        this.progress = progress;
    }

    @Override
    public void writeTo(WritableByteChannel out) throws IOException {
        long rowBytes = format.rowBytes(cols);
        int chunkRows = (int) Math.max(1, Math.min(rows, CHUNK_BYTES / rowBytes));
        byte[] buffer = new byte[Math.toIntExact(chunkRows * rowBytes)];
        MemorySegment seg = MemorySegment.ofArray(buffer);
        for (int first = 0; first < rows; first += chunkRows) {
            int n = Math.min(chunkRows, rows - first);
            int base = first;
            pool.parallelFor(n, 1, (r0, r1) -> {
                float[] values = new float[cols];
                for (int r = r0; r < r1; r++) {
                    source.row(base + r, values);
                    format.quantize(values, 0, cols, seg, r * rowBytes);
                }
            });
            ByteBuffer b = ByteBuffer.wrap(buffer, 0, (int) (n * rowBytes));
            while (b.hasRemaining()) out.write(b);
            progress.accept(n * rowBytes);
        }
    }
}
