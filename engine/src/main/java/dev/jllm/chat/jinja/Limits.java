package dev.jllm.chat.jinja;

/**
 * Resource caps for one render.
 *
 * @param maxCallDepth   nested macro calls / recursive loop calls (Jinja2 hits Python's recursion
 *                       limit at a few hundred)
 * @param maxOutputChars characters a render may produce, counting text built inside macros, and the
 *                       largest string or list an operator may build
 * @param maxSteps       loop iterations plus macro calls in one render
 * @param maxNesting     nesting of blocks and expressions accepted by the parser, and of data
 *                       structures printed or serialised
 */
public record Limits(int maxCallDepth, long maxOutputChars, long maxSteps, int maxNesting) {
    public static final Limits DEFAULT = new Limits(200, 32L << 20, 20_000_000L, 200);

    public Limits {
        if (maxCallDepth < 1 || maxOutputChars < 1 || maxSteps < 1 || maxNesting < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }
}
