package dev.jllm.chat.jinja;

import java.util.List;

/** Expression nodes of the template syntax tree; immutable, so a compiled template can be shared. */
sealed interface Expr {
    record Const(Object value) implements Expr {}

    record Name(String name) implements Expr {}

    record ListLit(List<Expr> items) implements Expr {}

    record TupleLit(List<Expr> items) implements Expr {}

    /** {@code {k: v, ...}}; keys.get(i) maps to values.get(i). */
    record DictLit(List<Expr> keys, List<Expr> values) implements Expr {}

    /** {@code obj.name}. */
    record GetAttr(Expr obj, String name) implements Expr {}

    /** {@code obj[key]}; key may be a {@link SliceLit}. */
    record GetItem(Expr obj, Expr key) implements Expr {}

    /** {@code start:stop:step} inside brackets; absent parts are null. */
    record SliceLit(Expr start, Expr stop, Expr step) implements Expr {}

    record Call(Expr callee, CallArgs args) implements Expr {}

    /**
     * {@code value | name(args)}. In a filter block ({@code {% filter %}}, {@code {% set x | f %}})
     * the innermost value is null and stands for the block's rendered text.
     */
    record Filter(Expr value, String name, CallArgs args, int line) implements Expr {}

    /** {@code value is name(args)}; {@code is not} wraps this in {@link Not}. */
    record Test(Expr value, String name, CallArgs args, int line) implements Expr {}

    record Not(Expr operand) implements Expr {}

    /** Unary {@code -} ({@code negate}) or {@code +}. */
    record Unary(boolean negate, Expr operand) implements Expr {}

    /** Arithmetic and concatenation: {@code + - * / // % ** ~}. */
    record BinOp(String op, Expr left, Expr right) implements Expr {}

    record And(Expr left, Expr right) implements Expr {}

    record Or(Expr left, Expr right) implements Expr {}

    /** A comparison chain {@code a < b <= c}: ops are {@code == != < <= > >= in notin}. */
    record Compare(Expr first, List<String> ops, List<Expr> operands) implements Expr {}

    /** {@code then if test else otherwise}; otherwise is null when there is no else. */
    record CondExpr(Expr test, Expr then, Expr otherwise) implements Expr {}

    /** Arguments of a call, filter or test: positional, keyword, {@code *args}, {@code **kwargs}. */
    record CallArgs(List<Expr> positional, List<String> keywordNames, List<Expr> keywordValues,
                    Expr starArgs, Expr starKwargs) {
        static final CallArgs NONE = new CallArgs(List.of(), List.of(), List.of(), null, null);
    }
}
