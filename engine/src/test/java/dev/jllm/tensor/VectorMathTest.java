package dev.jllm.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import jdk.incubator.vector.FloatVector;

/** The hand-written vector element functions against the JDK's scalar ones. */
class VectorMathTest {
    static final int N = Simd.FLEN;

    @Test
    void expIsWithinThreeTenMillionthsOfMathExp() {
        Random rnd = new Random(3);
        float[] x = new float[N], y = new float[N];
        double worst = 0;
        for (int it = 0; it < 20000; it++) {
            for (int i = 0; i < N; i++) x[i] = (float) (rnd.nextDouble() * 175 - 87);
            if (it == 0) { x[0] = 0; x[1] = -87.3f; x[2] = 88.3f; x[3] = 1e-8f; }
            VectorMath.exp(FloatVector.fromArray(Simd.F, x, 0)).intoArray(y, 0);
            for (int i = 0; i < N; i++) {
                double e = Math.exp(x[i]);
                worst = Math.max(worst, Math.abs(y[i] - e) / e);
            }
        }
        assertTrue(worst < 3e-7, "worst relative error " + worst);
    }

    @Test
    void expClampsOutOfRangeInputs() {
        float[] x = new float[N], y = new float[N];
        x[0] = -1000; x[1] = 1000; x[2] = Float.NEGATIVE_INFINITY;
        VectorMath.exp(FloatVector.fromArray(Simd.F, x, 0)).intoArray(y, 0);
        assertTrue(y[0] >= 0 && y[0] < 1e-37);
        assertTrue(y[1] > 1e38 && Float.isFinite(y[1]));
        assertTrue(y[2] >= 0 && y[2] < 1e-37);
    }

    /** Every F16-range float, random and near the edges, rounds exactly as Float.floatToFloat16. */
    @Test
    void roundToF16MatchesTheJdkConversion() {
        Random rnd = new Random(5);
        float[] x = new float[N], y = new float[N];
        int mismatches = 0, checked = 0;
        for (int it = 0; it < 1_600_000 / N; it++) { // the same number of values at any vector width
            for (int i = 0; i < N; i++) {
                float v = switch (it % 4) {
                    case 0 -> (float) (rnd.nextGaussian() * 10);
                    case 1 -> Float.intBitsToFloat(rnd.nextInt() & 0x477fffff); // any magnitude up to ~65504
                    case 2 -> (float) (rnd.nextGaussian() * 1e-5); // F16 subnormal range
                    default -> Float.float16ToFloat((short) rnd.nextInt(0x7c00)) + (rnd.nextBoolean() ? 1 : -1) * 0x1p-26f; // near ties
                };
                x[i] = rnd.nextBoolean() ? v : -v;
            }
            VectorMath.roundToF16(FloatVector.fromArray(Simd.F, x, 0)).intoArray(y, 0);
            for (int i = 0; i < N; i++) {
                if (Math.abs(x[i]) > 65504 || Math.abs(x[i]) < 0x1p-24f) continue; // documented limits
                checked++;
                float expected = Float.float16ToFloat(Float.floatToFloat16(x[i]));
                if (Float.floatToIntBits(expected) != Float.floatToIntBits(y[i])) mismatches++;
            }
        }
        assertTrue(checked > 1_000_000);
        assertEquals(0, mismatches);
    }
}
