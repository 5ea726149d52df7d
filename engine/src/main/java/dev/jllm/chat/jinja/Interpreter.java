package dev.jllm.chat.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.jllm.chat.jinja.Expr.CallArgs;
import dev.jllm.chat.jinja.Stmt.Target;

/**
 * Walks the syntax tree of one render. Holds the per-render state (output budget, step and
 * recursion counters), so an instance is used by one thread for one render only; the tree itself
 * is shared.
 */
final class Interpreter {
    private final Limits limits;
    private long steps;
    private long outputChars;
    private int callDepth;
    /** Nesting of exec/eval calls: bounds the Java stack a render can use. */
    private int depth;

    Interpreter(Limits limits) {
        this.limits = limits;
    }

    /** How a statement list finished: normally, or by {@code break}/{@code continue}. */
    enum Flow { NORMAL, BREAK, CONTINUE }

    String render(List<Stmt> body, Scope scope) {
        StringBuilder out = new StringBuilder();
        exec(body, scope, out);
        return out.toString();
    }

    long maxSize() {
        return limits.maxOutputChars();
    }

    // ---- statements --------------------------------------------------------------------------

    Flow exec(List<Stmt> body, Scope scope, StringBuilder out) {
        for (Stmt s : body) {
            Flow flow = exec(s, scope, out);
            if (flow != Flow.NORMAL) return flow;
        }
        return Flow.NORMAL;
    }

    private Flow exec(Stmt stmt, Scope scope, StringBuilder out) {
        enterDepth();
        try {
            return execStmt(stmt, scope, out);
        } finally {
            depth--;
        }
    }

    private void enterDepth() {
        if (++depth > limits.maxEvalDepth()) {
            throw new TemplateLimitException("RecursionError", "maximum recursion depth exceeded (template evaluation nested "
                    + limits.maxEvalDepth() + " levels deep)");
        }
    }

    private Flow execStmt(Stmt stmt, Scope scope, StringBuilder out) {
        switch (stmt) {
            case Stmt.Text t -> write(out, t.text());
            case Stmt.Print p -> write(out, PyRepr.str(eval(p.expr(), scope)));
            case Stmt.If i -> {
                for (int k = 0; k < i.tests().size(); k++) {
                    if (Py.truthy(eval(i.tests().get(k), scope))) return exec(i.bodies().get(k), scope, out);
                }
                return exec(i.orElse(), scope, out);
            }
            case Stmt.For f -> {
                runLoop(f, loopItems(f, eval(f.iter(), scope), scope), scope, out, 0);
            }
            case Stmt.Assign a -> assign(a.target(), eval(a.value(), scope), scope);
            case Stmt.AssignBlock a -> {
                StringBuilder block = new StringBuilder();
                exec(a.body(), new Scope(scope), block);
                Object value = block.toString();
                if (a.filter() != null) value = evalFilter((Expr.Filter) a.filter(), scope, value);
                assign(a.target(), value, scope);
            }
            case Stmt.MacroDef m -> scope.set(m.name(), new Macro(m, scope));
            case Stmt.Break b -> {
                return Flow.BREAK;
            }
            case Stmt.Continue c -> {
                return Flow.CONTINUE;
            }
            case Stmt.Scoped sc -> {
                Scope inner = new Scope(scope);
                for (int k = 0; k < sc.targets().size(); k++) {
                    assign(sc.targets().get(k), eval(sc.values().get(k), scope), inner);
                }
                return exec(sc.body(), inner, out);
            }
            case Stmt.FilterBlock fb -> {
                StringBuilder block = new StringBuilder();
                Scope inner = new Scope(scope);
                exec(fb.body(), inner, block);
                write(out, PyRepr.str(evalFilter((Expr.Filter) fb.filter(), inner, block.toString())));
            }
        }
        return Flow.NORMAL;
    }

    private void write(StringBuilder out, String s) {
        outputChars += s.length();
        if (outputChars > limits.maxOutputChars()) {
            throw new TemplateLimitException("ResourceLimitError",
                    "template output exceeds " + limits.maxOutputChars() + " characters");
        }
        out.append(s);
    }

    private void step() {
        if (++steps > limits.maxSteps()) {
            throw new TemplateLimitException("ResourceLimitError",
                    "template exceeded " + limits.maxSteps() + " loop iterations and macro calls");
        }
    }

    private void enterCall() {
        if (++callDepth > limits.maxCallDepth()) {
            throw new TemplateLimitException("RecursionError", "maximum recursion depth exceeded ("
                    + limits.maxCallDepth() + " nested macro calls)");
        }
    }

    /** The items a loop visits: {@code list(iter)}, filtered by the loop's {@code if} clause. */
    private List<Object> loopItems(Stmt.For f, Object iterable, Scope scope) {
        List<Object> items = Py.iterate(iterable);
        if (f.filter() == null) return items;
        List<Object> kept = new ArrayList<>();
        for (Object item : items) {
            step();
            Scope s = new Scope(scope);
            assign(f.target(), item, s);
            if (Py.truthy(eval(f.filter(), s))) kept.add(item);
        }
        return kept;
    }

    private void runLoop(Stmt.For f, List<Object> items, Scope scope, StringBuilder out, int depth0) {
        if (items.isEmpty()) {
            exec(f.orElse(), new Scope(scope), out);
            return;
        }
        PyCallable recurse = !f.recursive() ? null : (in, args) -> {
            Object[] a = args.bind("loop", "iterable");
            if (a[0] == Args.MISSING) throw TemplateRuntimeException.typeError("loop() missing the iterable");
            enterCall();
            try {
                StringBuilder sb = new StringBuilder();
                runLoop(f, loopItems(f, a[0], scope), scope, sb, depth0 + 1);
                return sb.toString();
            } finally {
                callDepth--;
            }
        };
        LoopContext loop = new LoopContext(items, depth0, recurse);
        for (int i = 0; i < items.size(); i++) {
            step();
            loop.moveTo(i);
            // each iteration gets a fresh frame: a {% set %} in the body is gone next iteration
            Scope iteration = new Scope(scope);
            iteration.set("loop", loop);
            assign(f.target(), items.get(i), iteration);
            if (exec(f.body(), iteration, out) == Flow.BREAK) break;
        }
    }

    private void assign(Target target, Object value, Scope scope) {
        switch (target) {
            case Stmt.NameTarget n -> scope.set(n.name(), value);
            case Stmt.TupleTarget t -> {
                List<Object> items = Py.iterate(value);
                int want = t.items().size();
                if (items.size() < want) {
                    throw TemplateRuntimeException.valueError("not enough values to unpack (expected " + want
                            + ", got " + items.size() + ")");
                }
                if (items.size() > want) {
                    throw TemplateRuntimeException.valueError("too many values to unpack (expected " + want + ")");
                }
                for (int i = 0; i < want; i++) assign(t.items().get(i), items.get(i), scope);
            }
            case Stmt.NsTarget ns -> {
                Object obj = scope.lookup(ns.namespace());
                if (!(obj instanceof Namespace namespace)) {
                    throw TemplateRuntimeException.runtime("cannot assign attribute on non-namespace object");
                }
                namespace.set(ns.attr(), value);
            }
        }
    }

    // ---- macros and calls --------------------------------------------------------------------

    Object callMacro(Macro macro, Args args) {
        Stmt.MacroDef def = macro.def();
        step();
        enterCall();
        try {
            Scope s = new Scope(macro.closure());
            List<String> params = def.params();
            int n = params.size();
            List<Object> pos = args.positional();
            boolean[] bound = new boolean[n];
            for (int i = 0; i < Math.min(n, pos.size()); i++) {
                s.set(params.get(i), pos.get(i));
                bound[i] = true;
            }
            if (pos.size() > n && !def.catchVarargs()) {
                throw TemplateRuntimeException.typeError("macro " + PyRepr.repr(def.name()) + " takes not more than "
                        + n + " argument(s)");
            }
            Map<String, Object> extraKw = new LinkedHashMap<>();
            for (Map.Entry<String, Object> kw : args.keyword().entrySet()) {
                int idx = params.indexOf(kw.getKey());
                if (idx >= 0) {
                    if (bound[idx]) {
                        throw TemplateRuntimeException.typeError("macro " + PyRepr.repr(def.name())
                                + " got multiple values for argument " + PyRepr.repr(kw.getKey()));
                    }
                    s.set(kw.getKey(), kw.getValue());
                    bound[idx] = true;
                } else if (def.catchKwargs()) {
                    extraKw.put(kw.getKey(), kw.getValue());
                } else {
                    throw TemplateRuntimeException.typeError("macro " + PyRepr.repr(def.name())
                            + " takes no keyword argument " + PyRepr.repr(kw.getKey()));
                }
            }
            int firstDefault = n - def.defaults().size();
            for (int i = 0; i < n; i++) {
                if (bound[i]) continue;
                // defaults are evaluated at call time, in the macro's frame
                s.set(params.get(i), i >= firstDefault ? eval(def.defaults().get(i - firstDefault), s)
                        : Undefined.hint("parameter " + PyRepr.repr(params.get(i)) + " was not provided"));
            }
            if (def.catchVarargs()) s.set("varargs", new PyTuple(pos.size() > n ? pos.subList(n, pos.size()) : List.of()));
            if (def.catchKwargs()) s.set("kwargs", extraKw);
            StringBuilder out = new StringBuilder();
            exec(def.body(), s, out);
            return out.toString();
        } finally {
            callDepth--;
        }
    }

    Object call(Object callee, Args args) {
        if (callee instanceof Undefined u) throw u.error();
        if (callee instanceof PyCallable c) return c.call(this, args);
        throw TemplateRuntimeException.typeError(PyRepr.repr(Py.typeName(callee)) + " object is not callable");
    }

    /** Applies the filter {@code name}, as {@code |map('name')} does. */
    Object callFilter(String name, Object value, Args args) {
        return Filters.apply(this, name, value, args);
    }

    /** Applies the test {@code name}, as {@code |select('name')} does. */
    boolean callTest(String name, Object value, Args args) {
        return Tests.apply(this, name, value, args);
    }

    // ---- expressions -------------------------------------------------------------------------

    Object eval(Expr expr, Scope scope) {
        enterDepth();
        try {
            return evalExpr(expr, scope);
        } finally {
            depth--;
        }
    }

    private Object evalExpr(Expr expr, Scope scope) {
        switch (expr) {
            case Expr.Const c -> {
                return c.value();
            }
            case Expr.Name n -> {
                Object v = scope.lookup(n.name());
                return v == Scope.MISSING ? Undefined.name(n.name()) : v;
            }
            case Expr.ListLit l -> {
                List<Object> out = new ArrayList<>(l.items().size());
                for (Expr e : l.items()) out.add(eval(e, scope));
                return out;
            }
            case Expr.TupleLit t -> {
                List<Object> out = new ArrayList<>(t.items().size());
                for (Expr e : t.items()) out.add(eval(e, scope));
                return new PyTuple(out);
            }
            case Expr.DictLit d -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) {
                    Object key = eval(d.keys().get(i), scope);
                    Py.requireHashable(key);
                    if (key instanceof Markup m) key = m.text();
                    Object existing = Py.findKey(out, key);
                    out.put(existing == Py.NO_KEY ? key : existing, eval(d.values().get(i), scope));
                }
                return out;
            }
            case Expr.GetAttr g -> {
                return Access.getattr(eval(g.obj(), scope), g.name());
            }
            case Expr.GetItem g -> {
                Object obj = eval(g.obj(), scope);
                return Access.getitem(obj, eval(g.key(), scope));
            }
            case Expr.SliceLit s -> {
                return new Access.Slice(evalOrNull(s.start(), scope), evalOrNull(s.stop(), scope),
                        evalOrNull(s.step(), scope));
            }
            case Expr.Call c -> {
                Object callee = eval(c.callee(), scope);
                return call(callee, evalArgs(c.args(), scope));
            }
            case Expr.Filter f -> {
                return evalFilter(f, scope, null);
            }
            case Expr.Test t -> {
                return Tests.apply(this, t.name(), eval(t.value(), scope), evalArgs(t.args(), scope));
            }
            case Expr.Not n -> {
                return !Py.truthy(eval(n.operand(), scope));
            }
            case Expr.Unary u -> {
                Object v = eval(u.operand(), scope);
                return u.negate() ? PyOps.neg(v) : PyOps.pos(v);
            }
            case Expr.BinOp b -> {
                return binop(b.op(), eval(b.left(), scope), eval(b.right(), scope));
            }
            case Expr.And a -> {
                Object left = eval(a.left(), scope);
                return Py.truthy(left) ? eval(a.right(), scope) : left;
            }
            case Expr.Or o -> {
                Object left = eval(o.left(), scope);
                return Py.truthy(left) ? left : eval(o.right(), scope);
            }
            case Expr.Compare c -> {
                Object left = eval(c.first(), scope);
                for (int i = 0; i < c.ops().size(); i++) {
                    Object right = eval(c.operands().get(i), scope);
                    if (!compare(c.ops().get(i), left, right)) return false;
                    left = right;
                }
                return true;
            }
            case Expr.CondExpr c -> {
                if (Py.truthy(eval(c.test(), scope))) return eval(c.then(), scope);
                if (c.otherwise() != null) return eval(c.otherwise(), scope);
                return Undefined.hint("the inline if-expression evaluated to false and no else section was defined.");
            }
        }
    }

    private Object evalOrNull(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    /** A filter chain; the innermost null value of a filter block stands for {@code blockValue}. */
    private Object evalFilter(Expr.Filter f, Scope scope, Object blockValue) {
        Object value;
        if (f.value() == null) value = blockValue;
        else if (f.value() instanceof Expr.Filter inner) value = evalFilter(inner, scope, blockValue);
        else value = eval(f.value(), scope);
        return Filters.apply(this, f.name(), value, evalArgs(f.args(), scope));
    }

    private Args evalArgs(CallArgs a, Scope scope) {
        if (a.positional().isEmpty() && a.keywordNames().isEmpty() && a.starArgs() == null && a.starKwargs() == null) {
            return Args.EMPTY;
        }
        List<Object> pos = new ArrayList<>(a.positional().size());
        for (Expr e : a.positional()) pos.add(eval(e, scope));
        if (a.starArgs() != null) pos.addAll(Py.iterate(eval(a.starArgs(), scope)));
        Map<String, Object> kw = new LinkedHashMap<>();
        for (int i = 0; i < a.keywordNames().size(); i++) kw.put(a.keywordNames().get(i), eval(a.keywordValues().get(i), scope));
        if (a.starKwargs() != null) {
            Object m = eval(a.starKwargs(), scope);
            if (!(m instanceof Map<?, ?> map)) {
                throw TemplateRuntimeException.typeError("argument after ** must be a mapping, not " + Py.typeName(m));
            }
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!Py.isStr(e.getKey())) throw TemplateRuntimeException.typeError("keywords must be strings");
                kw.put(Py.asStr(e.getKey()), e.getValue());
            }
        }
        return new Args(pos, kw);
    }

    private Object binop(String op, Object left, Object right) {
        return switch (op) {
            case "+" -> PyOps.add(left, right, maxSize());
            case "-" -> PyOps.sub(left, right);
            case "*" -> PyOps.mul(left, right, maxSize());
            case "/" -> PyOps.truediv(left, right);
            case "//" -> PyOps.floordiv(left, right);
            case "%" -> PyOps.mod(left, right);
            case "**" -> PyOps.pow(left, right);
            case "~" -> {
                // Jinja2 compiles ~ to str(a) + str(b), so undefined is '' and None is 'None'
                String l = PyRepr.str(left), r = PyRepr.str(right);
                if ((long) l.length() + r.length() > maxSize()) {
                    throw new TemplateLimitException("ResourceLimitError", "string exceeds " + maxSize() + " characters");
                }
                yield l + r;
            }
            default -> throw new IllegalStateException("unknown operator " + op);
        };
    }

    private static boolean compare(String op, Object left, Object right) {
        return switch (op) {
            case "==" -> Py.eq(left, right);
            case "!=" -> !Py.eq(left, right);
            case "in" -> Py.contains(right, left);
            case "notin" -> !Py.contains(right, left);
            default -> Py.compareOp(left, right, op);
        };
    }
}
