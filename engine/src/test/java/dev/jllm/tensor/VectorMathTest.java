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
            System.arraycopy(x, 0, y, 0, N);
            VectorMath.expInPlace(y, 0, N);
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
        System.arraycopy(x, 0, y, 0, N);
        VectorMath.expInPlace(y, 0, N);
        assertTrue(y[0] >= 0 && y[0] < 1e-37);
        assertTrue(y[1] > 1e38 && Float.isFinite(y[1]));
        assertTrue(y[2] >= 0 && y[2] < 1e-37);
    }

    /**
     * Every F16-range float, random and near the edges, rounds exactly as Float.floatToFloat16,
     * through both rounding helpers: scaled by 1 and added to 0 with a factor of 1 (both exact).
     */
    @Test
    void roundToF16MatchesTheJdkConversion() {
        Random rnd = new Random(5);
        float[] x = new float[N], y = new float[N], z = new float[N];
        int mismatches = 0, checked = 0;
        for (int it = 0; it < 1_600_000 / N; it++) { // the same number of values at any vector width
            for (int i = 0; i < N; i++) {
                float v = switch (it % 6) {
                    case 0 -> (float) (rnd.nextGaussian() * 10);
                    case 1 -> Float.intBitsToFloat(rnd.nextInt() & 0x477fffff); // any magnitude up to ~65504
                    case 2 -> (float) (rnd.nextGaussian() * 1e-5); // F16 subnormal range
                    case 3 -> (float) (rnd.nextGaussian() * 0x1p-24); // around the smallest subnormal, and below it
                    case 4 -> tie(rnd); // exactly halfway between two F16 values
                    default -> Float.float16ToFloat((short) rnd.nextInt(0x7c00)) + (rnd.nextBoolean() ? 1 : -1) * 0x1p-26f; // near ties
                };
                x[i] = rnd.nextBoolean() ? v : -v;
            }
            System.arraycopy(x, 0, y, 0, N);
            VectorMath.scaleRoundedF16(y, 0, 1f, N);
            java.util.Arrays.fill(z, 0f);
            VectorMath.madRoundedF16(z, 0, x, 0, 1f, N);
            for (int i = 0; i < N; i++) {
                if (Math.abs(x[i]) > 65504) continue; // documented limit
                checked++;
                int expected = Float.floatToIntBits(Float.float16ToFloat(Float.floatToFloat16(x[i])));
                if (expected != Float.floatToIntBits(y[i])) mismatches++;
                // v·1 + 0: the sum's sign for a zero follows IEEE (−0 + 0 = +0), which the JDK's conversion keeps
                float viaMad = x[i] + 0f;
                if (Float.floatToIntBits(Float.float16ToFloat(Float.floatToFloat16(viaMad))) != Float.floatToIntBits(z[i])) mismatches++;
            }
        }
        assertTrue(checked > 1_000_000);
        assertEquals(0, mismatches);
    }

    /**
     * Simd.sumLanes adds the lanes in its documented fold order, bit for bit, on the first calls
     * (interpreted) as on the last (compiled): results that do not depend on the JIT.
     */
    @Test
    void sumLanesAddsInTheFoldOrderWhateverRuns() {
        Random rnd = new Random(11);
        float[] x = new float[N];
        for (int it = 0; it < 50_000; it++) {
            for (int i = 0; i < N; i++) x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3));
            float[] fold = x.clone();
            for (int d = N / 2; d >= 1; d /= 2) {
                float[] next = new float[N];
                for (int i = 0; i < N; i++) next[i] = fold[i] + fold[i ^ d];
                fold = next;
            }
            float got = Simd.sumLanes(FloatVector.fromArray(Simd.F, x, 0));
            if (Float.floatToIntBits(fold[0]) != Float.floatToIntBits(got)) {
                throw new AssertionError("call " + it + ": " + got + " instead of " + fold[0]);
            }
        }
    }

    /** Two multiply-adds in one pass give bit for bit what two passes give, in the vectors and in the tail. */
    @Test
    void twoMultiplyAddsInOnePassEqualTwoPasses() {
        Random rnd = new Random(17);
        int n = 3 * Simd.FLEN + 5;
        for (int it = 0; it < 2000; it++) {
            float[] v = new float[2 * n], acc = new float[n];
            for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(5) - 3));
            for (int i = 0; i < n; i++) acc[i] = Half.roundToF16((float) rnd.nextGaussian());
            float s1 = (float) rnd.nextDouble(), s2 = (float) rnd.nextDouble();
            float[] twoPasses = acc.clone();
            VectorMath.madRoundedF16(twoPasses, 0, v, 0, s1, n);
            VectorMath.madRoundedF16(twoPasses, 0, v, n, s2, n);
            VectorMath.mad2RoundedF16(acc, 0, v, 0, s1, n, s2, n);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToIntBits(twoPasses[i]), Float.floatToIntBits(acc[i]), "call " + it + ", element " + i);
            }
        }
    }

    /** A value exactly halfway between two neighbouring finite F16 values (normal or subnormal). */
    private static float tie(Random rnd) {
        short h = (short) rnd.nextInt(0x7bff);
        float lo = Float.float16ToFloat(h), hi = Float.float16ToFloat((short) (h + 1));
        return (lo + hi) / 2; // exact: the two differ in the last of F16's 11 significant bits
    }

    /** Signed zeros, the extremes of the F16 range and the subnormal boundary, one by one. */
    @Test
    void roundToF16MatchesTheJdkConversionAtTheEdges() {
        float[] edges = {0f, -0f, 0x1p-25f, -0x1p-25f, 0x1.0002p-25f, 0x1p-24f, 0x1.8p-24f, 0x1p-14f, 0x1.ffcp-15f,
                0x1.ffep-15f, 65504f, -65504f, 65519f, 1f, 1.0004883f, 2047.5f, 2048.5f, 0x1.004p0f, 0x1.006p0f};
        float[] y = new float[N];
        for (float e : edges) {
            java.util.Arrays.fill(y, e);
            VectorMath.scaleRoundedF16(y, 0, 1f, N);
            float expected = Float.float16ToFloat(Float.floatToFloat16(e));
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(y[0]), "roundToF16(" + e + ")");
        }
    }
}
