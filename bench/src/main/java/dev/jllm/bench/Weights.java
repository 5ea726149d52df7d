package dev.jllm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import dev.jllm.tensor.ActivationQuantizer;
import dev.jllm.tensor.Activations;
import dev.jllm.tensor.GGMLType;
import dev.jllm.tensor.TensorFormat;
import dev.jllm.tensor.TensorFormats;

/** Random weight matrices and activations for the benchmarks. */
final class Weights {
    private Weights() {}

    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * rows × cols weights of {@code type}: random bytes (every quant pattern) with small valid
     * F16 scales in each block's scale fields, so products stay finite and realistic in speed.
     * Float types are filled with Gaussian values.
     */
    static MemorySegment random(Arena arena, GGMLType type, int rows, int cols, long seed) {
        TensorFormat f = TensorFormats.ofOrNull(type);
        long rowBytes = f.rowBytes(cols), size = rowBytes * rows;
        MemorySegment seg = arena.allocate(size, 64);
        Random rnd = new Random(seed);
        if (!type.isQuantized()) {
            float[] row = new float[cols];
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < cols; i++) row[i] = (float) rnd.nextGaussian();
                f.quantize(row, 0, cols, seg, r * rowBytes);
            }
            return seg;
        }
        byte[] chunk = new byte[1 << 20];
        rnd.nextBytes(chunk);
        for (long o = 0; o < size; o += chunk.length) {
            MemorySegment.copy(chunk, 0, seg, ValueLayout.JAVA_BYTE, o, (int) Math.min(chunk.length, size - o));
        }
        int[] fields = switch (type) {
            case Q4_0, Q5_0, Q8_0, IQ4_NL, IQ4_XS -> new int[]{0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[]{0, 2};
            case Q2_K -> new int[]{80, 82};
            case Q3_K -> new int[]{108};
            case Q6_K -> new int[]{208};
            default -> new int[0];
        };
        long blocks = size / type.bytesPerBlock;
        for (long b = 0; b < blocks; b++) {
            for (int field : fields) seg.set(SHORT_LE, b * type.bytesPerBlock + field, Float.floatToFloat16((float) (rnd.nextGaussian() * 0.01)));
        }
        return seg;
    }

    /** {@code tokens} random activation rows, converted for {@code format}. */
    static Activations activations(TensorFormat format, int cols, int tokens, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[cols * tokens];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        Activations a = new Activations();
        ActivationQuantizer.prepare(format.activationType(), x, 0, cols, tokens, a);
        return a;
    }

    /** "ROWSxCOLS" → {rows, cols}. */
    static int[] shape(String s) {
        String[] p = s.split("x");
        return new int[]{Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }
}
