package dev.jllm.tensor;

import static dev.jllm.tensor.Simd.F;
import static dev.jllm.tensor.Simd.FLEN;

import jdk.incubator.vector.FloatVector;

/**
 * The element-wise and row-wise kernels of the forward pass besides matrix products: RMSNorm,
 * residual add, SwiGLU, softmax. Each SIMD kernel has a scalar twin ({@code …Scalar}) that tests
 * hold it to. All operate on float arrays with explicit offsets; nothing allocates.
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

    /** gate[i] = silu(gate[i]) · up[i], silu(g) = g / (1 + e^−g). */
    public static void swiglu(float[] gate, int gOff, float[] up, int uOff, int n) {
        int i = 0;
        for (; i + FLEN <= n; i += FLEN) {
            FloatVector g = FloatVector.fromArray(F, gate, gOff + i);
            FloatVector silu = g.div(VectorMath.exp(g.neg()).add(1f));
            silu.mul(FloatVector.fromArray(F, up, uOff + i)).intoArray(gate, gOff + i);
        }
        for (; i < n; i++) gate[gOff + i] = silu(gate[gOff + i]) * up[uOff + i];
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
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        FloatVector vmax = FloatVector.broadcast(F, max);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + FLEN <= n; i += FLEN) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, x, off + i).sub(vmax));
            e.intoArray(x, off + i);
            acc = acc.add(e);
        }
        float sum = Simd.sumLanes(acc); // fixed order: the same probabilities interpreted and compiled
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
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
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + FLEN <= n; i += FLEN) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float s = Simd.sumLanes(acc);
        for (; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    public static float dotScalar(float[] a, int aOff, float[] b, int bOff, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }
}
