package dev.jllm.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SIMD kernels of {@link Ops} against their scalar twins, at lengths below, at and around
 * multiples of the vector width and of SwiGLU's 64-value chunks, at offsets inside larger arrays.
 */
class OpsTest {
    private static final int OFF = 3;

    private static float[] random(Random rnd, int n, double scale) {
        float[] a = new float[n + 2 * OFF];
        for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextGaussian() * scale);
        return a;
    }

    private static void assertClose(float[] expected, float[] actual, float relTol, String what) {
        for (int i = 0; i < expected.length; i++) {
            float tol = relTol * Math.max(1e-3f, Math.abs(expected[i]));
            assertEquals(expected[i], actual[i], tol, what + " [" + i + "]");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 33, 64, 65, 200, 2048})
    void rmsnormAndAddMatchTheirTwinsExactly(int n) {
        Random rnd = new Random(n);
        float[] x = random(rnd, n, 2), y = random(rnd, n, 2), w = random(rnd, n, 1);
        float[] a = new float[n + 2 * OFF], b = new float[n + 2 * OFF];
        Ops.rmsnorm(a, OFF, x, OFF, w, n, 1e-5f);
        Ops.rmsnormScalar(b, OFF, x, OFF, w, n, 1e-5f);
        assertClose(b, a, 0, "rmsnorm");
        float[] s = x.clone(), t = x.clone();
        Ops.addInPlace(s, OFF, y, OFF, n);
        Ops.addInPlaceScalar(t, OFF, y, OFF, n);
        assertClose(t, s, 0, "add");
    }

    /** SwiGLU through the vector exp (within 3·10⁻⁷) against Math.exp in double. */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 33, 63, 64, 65, 130, 8192})
    void swigluMatchesItsTwin(int n) {
        Random rnd = new Random(10 + n);
        float[] g = random(rnd, n, 4), u = random(rnd, n, 2);
        g[OFF] = -90; // e^90 clamps in the vector exp: silu(−90) must still come out as ~0, not NaN
        float[] a = g.clone(), b = g.clone();
        Ops.swiglu(a, OFF, u, OFF, n);
        Ops.swigluScalar(b, OFF, u, OFF, n);
        assertClose(b, a, 2e-6f, "swiglu");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 33, 100, 32000})
    void softmaxMatchesItsTwinAndSumsToOne(int n) {
        Random rnd = new Random(20 + n);
        float[] x = random(rnd, n, 5);
        float[] a = x.clone(), b = x.clone();
        Ops.softmax(a, OFF, n);
        Ops.softmaxScalar(b, OFF, n);
        assertClose(b, a, 1e-5f, "softmax"); // the kernel sums in float lanes, the twin in double
        double sum = 0;
        for (int i = 0; i < n; i++) sum += a[OFF + i];
        assertEquals(1.0, sum, 1e-4);
        assertEquals(x[0], a[0], 0f, "values before the row are left alone");
        assertEquals(x[n + OFF], a[n + OFF], 0f, "values after the row are left alone");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 33, 64, 2048})
    void dotMatchesItsTwin(int n) {
        Random rnd = new Random(30 + n);
        float[] x = random(rnd, n, 1), y = random(rnd, n, 1);
        double magnitude = 0;
        for (int i = 0; i < n; i++) magnitude += Math.abs(x[OFF + i] * y[OFF + i]);
        assertEquals(Ops.dotScalar(x, OFF, y, OFF, n), Ops.dot(x, OFF, y, OFF, n), 1e-6 * magnitude + 1e-7);
    }
}
