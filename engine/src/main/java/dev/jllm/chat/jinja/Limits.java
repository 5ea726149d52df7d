package dev.jllm.chat.jinja;

/**
 * Resource caps for one render.
 *
 * @param maxCallDepth   nested macro calls / recursive loop calls (Jinja2 hits Python's recursion
 *                       limit at a few hundred)
 * @param maxOutputChars characters a render may produce, counting text built inside macros, and the
 *                       largest string or list an operator may build
 * @param maxSteps       loop iterations plus macro calls in one render
 * @param maxNesting     nesting of blocks and expressions accepted by the parser
 * @param maxEvalDepth   nesting of statement and expression evaluation across macro calls, which
 *                       bounds the Java stack a render uses (about 1 KB per level before the JIT
 *                       compiles the interpreter); rendering on a thread with a small stack can
 *                       still overflow it, which is then reported as a {@code RecursionError} too
 */
public record Limits(int maxCallDepth, long maxOutputChars, long maxSteps, int maxNesting, int maxEvalDepth) {
    public static final Limits DEFAULT = new Limits(200, 32L << 20, 5_000_000L, 200, 1000);

    public Limits {
        if (maxCallDepth < 1 || maxOutputChars < 1 || maxSteps < 1 || maxNesting < 1 || maxEvalDepth < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    public Limits withMaxCallDepth(int v) {
        return new Limits(v, maxOutputChars, maxSteps, maxNesting, maxEvalDepth);
    }

    public Limits withMaxOutputChars(long v) {
        return new Limits(maxCallDepth, v, maxSteps, maxNesting, maxEvalDepth);
    }

    public Limits withMaxSteps(long v) {
        return new Limits(maxCallDepth, maxOutputChars, v, maxNesting, maxEvalDepth);
    }

    public Limits withMaxNesting(int v) {
        return new Limits(maxCallDepth, maxOutputChars, maxSteps, v, maxEvalDepth);
    }

    public Limits withMaxEvalDepth(int v) {
        return new Limits(maxCallDepth, maxOutputChars, maxSteps, maxNesting, v);
    }
}
