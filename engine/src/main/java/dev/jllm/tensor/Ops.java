package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;

import jdk.incubator.vector.FloatVector;

/**
 * The element-wise and row-wise kernels of the forward pass besides matrix products: RMSNorm,
 * residual add, SwiGLU, softmax. Each SIMD kernel has a scalar twin ({@code …Scalar}) that tests
 * hold it to, and that runs in its place where vectors are too narrow for it ({@link Simd#FLOAT_KERNELS}).
 * All operate on float arrays with explicit offsets; nothing allocates.
 */
public final class Ops {
    private Ops() {}

    // ---- RMSNorm ----------------------------------------------------------------------------

    /**
     * out = x / sqrt(mean(x²) + eps) · weight, for one row of n values, with ggml's rounding:
     * squares rounded to float and summed in double, the mean and the scale computed in float,
     * then x·scale and ·weight each rounded. The O(n) sum is scalar (double lanes would not
     * pay off next to the matrix products); the scaling is vectorised.
     */
    public static void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        if (!Simd.FLOAT_KERNELS) {
            rmsnormScalar(out, outOff, x, xOff, weight, n, eps);
            return;
        }
        float scale = rmsScale(x, xOff, n, eps);
        int i = 0;
        for (; i + FLEN <= n; i += FLEN) {
            FloatVector.fromArray(F, x, xOff + i).mul(scale).mul(FloatVector.fromArray(F, weight, i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) out[outOff + i] = x[xOff + i] * scale * weight[i];
    }

    public static void rmsnormScalar(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        float scale = rmsScale(x, xOff, n, eps);
        for (int i = 0; i < n; i++) out[outOff + i] = x[xOff + i] * scale * weight[i];
    }

    private static float rmsScale(float[] x, int xOff, int n, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float sq = x[xOff + i] * x[xOff + i];
            sum += sq;
        }
        float mean = (float) (sum / n);
        return 1.0f / (float) Math.sqrt(mean + eps);
    }

    // ---- residual add ------------------------------------------------------------------------

    /** x[xOff + i] += y[yOff + i]. */
    public static void addInPlace(float[] x, int xOff, float[] y, int yOff, int n) {
        if (!Simd.FLOAT_KERNELS) {
            addInPlaceScalar(x, xOff, y, yOff, n);
            return;
        }
        int i = 0;
        for (; i + FLEN <= n; i += FLEN) {
            FloatVector.fromArray(F, x, xOff + i).add(FloatVector.fromArray(F, y, yOff + i)).intoArray(x, xOff + i);
        }
        for (; i < n; i++) x[xOff + i] += y[yOff + i];
    }

    public static void addInPlaceScalar(float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) x[xOff + i] += y[yOff + i];
    }

    // ---- SwiGLU ----------------------------------------------------------------------------

    /**
     * gate[i] = silu(gate[i]) · up[i], silu(g) = g / (1 + e^−g): e^−g for 64 values at a time
     * into scratch ({@link VectorMath#expInPlace}), then the rest.
     */
    public static void swiglu(float[] gate, int gOff, float[] up, int uOff, int n) {
        if (!Simd.FLOAT_KERNELS) {
            swigluScalar(gate, gOff, up, uOff, n);
            return;
        }
        float[] t = KernelScratch.small();
        for (int c = 0; c < n; c += t.length) {
            int len = Math.min(t.length, n - c), g0 = gOff + c, u0 = uOff + c;
            int i = 0;
            for (; i + FLEN <= len; i += FLEN) FloatVector.fromArray(F, gate, g0 + i).neg().intoArray(t, i);
            for (; i < len; i++) t[i] = -gate[g0 + i];
            VectorMath.expInPlace(t, 0, len);
            i = 0;
            for (; i + FLEN <= len; i += FLEN) {
                FloatVector g = FloatVector.fromArray(F, gate, g0 + i);
                g.div(FloatVector.fromArray(F, t, i).add(1f)).mul(FloatVector.fromArray(F, up, u0 + i)).intoArray(gate, g0 + i);
            }
            for (; i < len; i++) gate[g0 + i] = gate[g0 + i] / (t[i] + 1f) * up[u0 + i];
        }
    }

    public static void swigluScalar(float[] gate, int gOff, float[] up, int uOff, int n) {
        for (int i = 0; i < n; i++) gate[gOff + i] = silu(gate[gOff + i]) * up[uOff + i];
    }

    static float silu(float g) {
        return (float) (g / (1.0 + Math.exp(-g)));
    }

    // ---- softmax ---------------------------------------------------------------------------

    /** In-place softmax of x[off … off+n). */
    public static void softmax(float[] x, int off, int n) {
        if (!Simd.FLOAT_KERNELS) {
            softmaxScalar(x, off, n);
            return;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        int i = 0;
        for (; i + FLEN <= n; i += FLEN) FloatVector.fromArray(F, x, off + i).sub(max).intoArray(x, off + i);
        for (; i < n; i++) x[off + i] -= max;
        VectorMath.expInPlace(x, off, n);
        FloatVector acc = FloatVector.zero(F);
        i = 0;
        for (; i + FLEN <= n; i += FLEN) acc = acc.add(FloatVector.fromArray(F, x, off + i));
        float[] lanes = KernelScratch.small();
        acc.intoArray(lanes, 0);
        float sum = Simd.hsum(lanes); // fixed order: the same probabilities interpreted and compiled
        for (; i < n; i++) sum += x[off + i];
        float inv = 1f / sum;
        i = 0;
        for (; i + FLEN <= n; i += FLEN) FloatVector.fromArray(F, x, off + i).mul(inv).intoArray(x, off + i);
        for (; i < n; i++) x[off + i] *= inv;
    }

    public static void softmaxScalar(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            x[off + i] = (float) Math.exp(x[off + i] - max);
            sum += x[off + i];
        }
        for (int i = 0; i < n; i++) x[off + i] = (float) (x[off + i] / sum);
    }

    // ---- float dot -------------------------------------------------------------------------

    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        if (!Simd.FLOAT_KERNELS) return dotScalar(a, aOff, b, bOff, n);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + FLEN <= n; i += FLEN) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float[] lanes = KernelScratch.small();
        acc.intoArray(lanes, 0);
        float s = Simd.hsum(lanes);
        for (; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    public static float dotScalar(float[] a, int aOff, float[] b, int bOff, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }
}
