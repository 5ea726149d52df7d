package dev.jllm.chat.jinja;

import java.util.List;
import java.util.function.Predicate;

import dev.jllm.chat.jinja.Expr.CallArgs;

/**
 * Checks Jinja2 performs when compiling, on the finished syntax tree.
 *
 * <p>Unknown filters and tests: Jinja2 rejects them at compile time ({@code TemplateAssertionError})
 * unless they sit inside an {@code if} statement or a conditional expression ("soft" frames, where
 * the error is deferred to the moment the filter actually runs). Loop, macro and block bodies start
 * a new, non-soft frame.
 */
final class CompileChecks {
    private CompileChecks() {}

    static void check(List<Stmt> body) {
        stmts(body, false);
    }

    /** Whether any expression in {@code body} (nested macros included) loads the variable {@code name}. */
    static boolean mentions(List<Stmt> body, String name) {
        boolean[] found = {false};
        Walker w = new Walker(e -> {
            if (e instanceof Expr.Name n && n.name().equals(name)) found[0] = true;
            return true;
        });
        w.stmts(body);
        return found[0];
    }

    private static void stmts(List<Stmt> body, boolean soft) {
        for (Stmt s : body) stmt(s, soft);
    }

    private static void stmt(Stmt s, boolean soft) {
        switch (s) {
            case Stmt.Text t -> { }
            case Stmt.Print pr -> expr(pr.expr(), soft);
            case Stmt.If i -> {
                i.tests().forEach(e -> expr(e, true));
                i.bodies().forEach(b -> stmts(b, true));
                stmts(i.orElse(), true);
            }
            case Stmt.For f -> {
                expr(f.iter(), soft);
                if (f.filter() != null) expr(f.filter(), false);
                stmts(f.body(), false);
                stmts(f.orElse(), soft);
            }
            case Stmt.Assign a -> expr(a.value(), soft);
            case Stmt.AssignBlock a -> {
                if (a.filter() != null) expr(a.filter(), false);
                stmts(a.body(), false);
            }
            case Stmt.MacroDef m -> {
                m.defaults().forEach(e -> expr(e, false));
                stmts(m.body(), false);
            }
            case Stmt.Scoped sc -> {
                sc.values().forEach(e -> expr(e, soft));
                stmts(sc.body(), false);
            }
            case Stmt.FilterBlock fb -> {
                expr(fb.filter(), false);
                stmts(fb.body(), false);
            }
            case Stmt.Break b -> { }
            case Stmt.Continue c -> { }
        }
    }

    private static void expr(Expr e, boolean soft) {
        if (e == null) return;
        new Walker(node -> {
            if (node instanceof Expr.CondExpr c) {
                expr(c.test(), true);
                expr(c.then(), true);
                expr(c.otherwise(), true);
                return false; // children handled with the soft flag
            }
            if (!soft && node instanceof Expr.Filter f && !Filters.exists(f.name())) {
                throw new TemplateSyntaxException("TemplateAssertionError", "No filter named " + PyRepr.repr(f.name()) + ".", f.line());
            }
            if (!soft && node instanceof Expr.Test t && !Tests.exists(t.name())) {
                throw new TemplateSyntaxException("TemplateAssertionError", "No test named " + PyRepr.repr(t.name()) + ".", t.line());
            }
            return true;
        }).expr(e);
    }

    /** Visits expressions depth-first; the visitor returns false to skip a node's children. */
    private record Walker(Predicate<Expr> visitor) {
        void stmts(List<Stmt> body) {
            for (Stmt s : body) {
                switch (s) {
                    case Stmt.Text t -> { }
                    case Stmt.Print pr -> expr(pr.expr());
                    case Stmt.If i -> {
                        i.tests().forEach(this::expr);
                        i.bodies().forEach(this::stmts);
                        stmts(i.orElse());
                    }
                    case Stmt.For f -> {
                        expr(f.iter());
                        expr(f.filter());
                        stmts(f.body());
                        stmts(f.orElse());
                    }
                    case Stmt.Assign a -> expr(a.value());
                    case Stmt.AssignBlock a -> {
                        expr(a.filter());
                        stmts(a.body());
                    }
                    case Stmt.MacroDef m -> {
                        m.defaults().forEach(this::expr);
                        stmts(m.body());
                    }
                    case Stmt.Scoped sc -> {
                        sc.values().forEach(this::expr);
                        stmts(sc.body());
                    }
                    case Stmt.FilterBlock fb -> {
                        expr(fb.filter());
                        stmts(fb.body());
                    }
                    case Stmt.Break b -> { }
                    case Stmt.Continue c -> { }
                }
            }
        }

        void expr(Expr e) {
            if (e == null || !visitor.test(e)) return;
            switch (e) {
                case Expr.Const c -> { }
                case Expr.Name n -> { }
                case Expr.ListLit l -> l.items().forEach(this::expr);
                case Expr.TupleLit t -> t.items().forEach(this::expr);
                case Expr.DictLit d -> {
                    d.keys().forEach(this::expr);
                    d.values().forEach(this::expr);
                }
                case Expr.GetAttr g -> expr(g.obj());
                case Expr.GetItem g -> {
                    expr(g.obj());
                    expr(g.key());
                }
                case Expr.SliceLit s -> {
                    expr(s.start());
                    expr(s.stop());
                    expr(s.step());
                }
                case Expr.Call c -> {
                    expr(c.callee());
                    args(c.args());
                }
                case Expr.Filter f -> {
                    expr(f.value());
                    args(f.args());
                }
                case Expr.Test t -> {
                    expr(t.value());
                    args(t.args());
                }
                case Expr.Not n -> expr(n.operand());
                case Expr.Unary u -> expr(u.operand());
                case Expr.BinOp b -> {
                    expr(b.left());
                    expr(b.right());
                }
                case Expr.And a -> {
                    expr(a.left());
                    expr(a.right());
                }
                case Expr.Or o -> {
                    expr(o.left());
                    expr(o.right());
                }
                case Expr.Compare c -> {
                    expr(c.first());
                    c.operands().forEach(this::expr);
                }
                case Expr.CondExpr c -> {
                    expr(c.test());
                    expr(c.then());
                    expr(c.otherwise());
                }
            }
        }

        private void args(CallArgs a) {
            a.positional().forEach(this::expr);
            a.keywordValues().forEach(this::expr);
            expr(a.starArgs());
            expr(a.starKwargs());
        }
    }
}
