package dev.jllm.chat.jinja;

import java.util.List;

/** Statement nodes of the template syntax tree; immutable, so a compiled template can be shared. */
sealed interface Stmt {
    /** Literal template text, whitespace control already applied. */
    record Text(String text) implements Stmt {}

    /** {@code {{ expr }}}. */
    record Print(Expr expr) implements Stmt {}

    /** if/elif chain: {@code tests.get(i)} guards {@code bodies.get(i)}. */
    record If(List<Expr> tests, List<List<Stmt>> bodies, List<Stmt> orElse) implements Stmt {}

    /** {@code {% for target in iter if filter recursive %}body{% else %}orElse{% endfor %}}. */
    record For(Target target, Expr iter, Expr filter, boolean recursive, List<Stmt> body,
               List<Stmt> orElse) implements Stmt {}

    /** {@code {% set target = value %}}. */
    record Assign(Target target, Expr value) implements Stmt {}

    /** {@code {% set target | filter %}body{% endset %}}; filter may be null. */
    record AssignBlock(Target target, Expr filter, List<Stmt> body) implements Stmt {}

    /**
     * {@code {% macro name(params) %}}. {@code defaults} belong to the last parameters.
     * {@code catchVarargs}/{@code catchKwargs}: the body mentions {@code varargs}/{@code kwargs},
     * which is how Jinja2 decides whether surplus arguments are accepted.
     */
    record MacroDef(String name, List<String> params, List<Expr> defaults, List<Stmt> body,
                    boolean catchVarargs, boolean catchKwargs) implements Stmt {}

    record Break() implements Stmt {}

    record Continue() implements Stmt {}

    /** {@code {% with a = 1 %}body{% endwith %}} and {@code {% generation %}}: a body in a new scope. */
    record Scoped(List<Target> targets, List<Expr> values, List<Stmt> body) implements Stmt {}

    /** {@code {% filter f %}body{% endfilter %}}: the body's output passed through a filter chain. */
    record FilterBlock(Expr filter, List<Stmt> body) implements Stmt {}

    /** Assignment targets. */
    sealed interface Target {}

    record NameTarget(String name) implements Target {}

    record TupleTarget(List<Target> items) implements Target {}

    /** {@code ns.attr}: assigns an attribute of a {@link Namespace}. */
    record NsTarget(String namespace, String attr) implements Target {}
}
