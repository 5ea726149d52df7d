package dev.jllm.chat.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import dev.jllm.chat.jinja.Expr.CallArgs;
import dev.jllm.chat.jinja.Stmt.Target;
import dev.jllm.chat.jinja.Token.Kind;

/**
 * Recursive-descent parser for the Jinja2 subset, following jinja2/parser.py rule by rule so that
 * precedence quirks match: filters and {@code is} tests bind tighter than any operator (so
 * {@code not x is defined} is {@code not (x is defined)} and {@code -x|abs} is {@code (-x)|abs}),
 * {@code **} is left-associative, {@code ~} sits between {@code +} and {@code *}, and comparisons
 * chain.
 */
final class Parser {
    private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", "<=", ">", ">=");
    private static final Set<String> UNSUPPORTED_TAGS = Set.of("block", "extends", "include", "import",
            "from", "call", "autoescape", "do", "trans", "print");

    private final List<Token> tokens;
    private final Limits limits;
    private int p;
    private int nesting;
    /** Loops enclosing the current position within the current macro (for break/continue). */
    private int loopDepth;

    private Parser(List<Token> tokens, Limits limits) {
        this.tokens = tokens;
        this.limits = limits;
    }

    /** Parses a whole template and runs Jinja2's compile-time checks. */
    static List<Stmt> parse(String source, Limits limits) {
        Parser parser = new Parser(Lexer.tokenize(source), limits);
        List<Stmt> body = parser.subparse(Set.of());
        if (parser.current().kind() != Kind.EOF) throw parser.fail("unexpected " + parser.current().describe());
        CompileChecks.check(body);
        return body;
    }

    // ---- token stream ------------------------------------------------------------------------

    private Token current() {
        return tokens.get(p);
    }

    private Token peek() {
        return tokens.get(Math.min(p + 1, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(p);
        if (t.kind() != Kind.EOF) p++;
        return t;
    }

    private TemplateSyntaxException fail(String message) {
        return new TemplateSyntaxException(message, current().line());
    }

    private Token expect(Kind kind, String what) {
        if (current().kind() != kind) throw fail("expected " + what + ", got " + current().describe());
        return next();
    }

    private void expectOp(String op) {
        if (!current().isOp(op)) throw fail("expected '" + op + "', got " + current().describe());
        next();
    }

    private void expectName(String name) {
        if (!current().isName(name)) throw fail("expected '" + name + "', got " + current().describe());
        next();
    }

    private boolean acceptOp(String op) {
        if (current().isOp(op)) {
            next();
            return true;
        }
        return false;
    }

    private boolean acceptName(String name) {
        if (current().isName(name)) {
            next();
            return true;
        }
        return false;
    }

    private void enter() {
        if (++nesting > limits.maxNesting()) throw fail("template nesting too deep (limit " + limits.maxNesting() + ")");
    }

    private void exit() {
        nesting--;
    }

    // ---- statements --------------------------------------------------------------------------

    /** Parses until a block whose tag name is in {@code endTags}; stops on that tag name. */
    private List<Stmt> subparse(Set<String> endTags) {
        List<Stmt> body = new ArrayList<>();
        while (true) {
            Token t = current();
            switch (t.kind()) {
                case DATA -> {
                    next();
                    body.add(new Stmt.Text((String) t.value()));
                }
                case VAR_BEGIN -> {
                    next();
                    body.add(new Stmt.Print(parseTuple(false, true, Set.of(), false)));
                    expect(Kind.VAR_END, "end of print statement");
                }
                case BLOCK_BEGIN -> {
                    next();
                    if (current().kind() == Kind.NAME && endTags.contains(current().text())) return body;
                    parseStatement(body);
                    expect(Kind.BLOCK_END, "end of statement block");
                }
                case EOF -> {
                    return body;
                }
                default -> throw fail("unexpected " + t.describe());
            }
        }
    }

    /** Jinja2's parse_statements: the tag's {@code %}}, the body, then the end tag. */
    private List<Stmt> parseBody(Set<String> endTags, boolean dropNeedle) {
        acceptOp(":");
        expect(Kind.BLOCK_END, "end of statement block");
        List<Stmt> body = subparse(endTags);
        if (current().kind() == Kind.EOF) {
            throw fail("Unexpected end of template. Jinja was looking for the following tags: "
                    + String.join(" or ", endTags.stream().sorted().map(s -> "'" + s + "'").toList())
                    + ". The innermost block that needs to be closed is the template.");
        }
        if (dropNeedle) next();
        return body;
    }

    private void parseStatement(List<Stmt> body) {
        Token tag = current();
        if (tag.kind() != Kind.NAME) throw fail("tag name expected");
        enter();
        try {
            switch (tag.text()) {
                case "if" -> body.add(parseIf());
                case "for" -> body.add(parseFor());
                case "set" -> body.add(parseSet());
                case "macro" -> body.add(parseMacro());
                case "break", "continue" -> {
                    if (loopDepth == 0) throw fail("'" + tag.text() + "' outside loop");
                    next();
                    body.add(tag.text().equals("break") ? new Stmt.Break() : new Stmt.Continue());
                }
                case "generation" -> { // transformers' assistant-mask tag: the body renders unchanged
                    next();
                    int saved = loopDepth;
                    loopDepth = 0;
                    List<Stmt> inner = parseBody(Set.of("endgeneration"), true);
                    loopDepth = saved;
                    body.add(new Stmt.Scoped(List.of(), List.of(), inner));
                }
                case "with" -> body.add(parseWith());
                case "filter" -> {
                    next();
                    int depth = nesting;
                    Expr filter = parseFilter(null, true);
                    nesting = depth;
                    body.add(new Stmt.FilterBlock(filter, parseBody(Set.of("endfilter"), true)));
                }
                default -> {
                    if (UNSUPPORTED_TAGS.contains(tag.text())) {
                        throw fail("the '" + tag.text() + "' tag is not supported in chat templates");
                    }
                    throw fail("Encountered unknown tag " + PyRepr.repr(tag.text()) + ".");
                }
            }
        } finally {
            exit();
        }
    }

    private Stmt parseIf() {
        next();
        List<Expr> tests = new ArrayList<>();
        List<List<Stmt>> bodies = new ArrayList<>();
        List<Stmt> orElse = List.of();
        while (true) {
            tests.add(parseTuple(false, false, Set.of(), false));
            bodies.add(parseBody(Set.of("elif", "else", "endif"), false));
            String t = next().text();
            if (t.equals("elif")) continue;
            if (t.equals("else")) orElse = parseBody(Set.of("endif"), true);
            break;
        }
        return new Stmt.If(tests, bodies, orElse);
    }

    private Stmt parseFor() {
        next();
        Target target = parseAssignTarget(true, false, Set.of("in"), false);
        expectName("in");
        Expr iter = parseTuple(false, false, Set.of("recursive"), false);
        Expr filter = acceptName("if") ? parseExpression(true) : null;
        boolean recursive = acceptName("recursive");
        loopDepth++;
        List<Stmt> body = parseBody(Set.of("endfor", "else"), false);
        loopDepth--;
        List<Stmt> orElse = next().text().equals("endfor") ? List.of() : parseBody(Set.of("endfor"), true);
        return new Stmt.For(target, iter, filter, recursive, body, orElse);
    }

    private Stmt parseSet() {
        next();
        Target target = parseAssignTarget(true, false, Set.of(), true);
        if (acceptOp("=")) return new Stmt.Assign(target, parseTuple(false, true, Set.of(), false));
        int depth = nesting;
        Expr filter = parseFilter(null, false);
        nesting = depth;
        return new Stmt.AssignBlock(target, filter, parseBody(Set.of("endset"), true));
    }

    private Stmt parseMacro() {
        next();
        String name = expect(Kind.NAME, "macro name").text();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        expectOp("(");
        while (!current().isOp(")")) {
            if (!params.isEmpty()) expectOp(",");
            String param = expect(Kind.NAME, "parameter name").text();
            if (acceptOp("=")) defaults.add(parseExpression(true));
            else if (!defaults.isEmpty()) throw fail("non-default argument follows default argument");
            params.add(param);
        }
        expectOp(")");
        int saved = loopDepth;
        loopDepth = 0;
        List<Stmt> body = parseBody(Set.of("endmacro"), true);
        loopDepth = saved;
        return new Stmt.MacroDef(name, params, defaults, body,
                CompileChecks.mentions(body, "varargs"), CompileChecks.mentions(body, "kwargs"));
    }

    private Stmt parseWith() {
        next();
        List<Target> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (current().kind() != Kind.BLOCK_END) {
            if (!targets.isEmpty()) expectOp(",");
            targets.add(parseAssignTarget(true, false, Set.of(), false));
            expectOp("=");
            values.add(parseExpression(true));
        }
        return new Stmt.Scoped(targets, values, parseBody(Set.of("endwith"), true));
    }

    private Target parseAssignTarget(boolean withTuple, boolean nameOnly, Set<String> extraEnd, boolean withNamespace) {
        if (withNamespace && current().kind() == Kind.NAME && peek().isOp(".")) {
            String ns = next().text();
            next();
            return new Stmt.NsTarget(ns, expect(Kind.NAME, "attribute name").text());
        }
        if (nameOnly) return new Stmt.NameTarget(expect(Kind.NAME, "name").text());
        Expr e = withTuple ? parseTuple(true, true, extraEnd, false) : parsePrimary();
        return toTarget(e);
    }

    private Target toTarget(Expr e) {
        if (e instanceof Expr.Name n) return new Stmt.NameTarget(n.name());
        if (e instanceof Expr.TupleLit t) return new Stmt.TupleTarget(t.items().stream().map(this::toTarget).toList());
        throw fail("can't assign to " + e.getClass().getSimpleName());
    }

    // ---- expressions -------------------------------------------------------------------------

    /**
     * A comma-separated expression list, a tuple if there is a comma. {@code simplified}: elements
     * are primaries (assignment targets); {@code withCondexpr}: elements may be {@code a if b else c}.
     */
    private Expr parseTuple(boolean simplified, boolean withCondexpr, Set<String> extraEnd, boolean explicitParens) {
        List<Expr> items = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!items.isEmpty()) expectOp(",");
            if (isTupleEnd(extraEnd)) break;
            items.add(simplified ? parsePrimary() : parseExpression(withCondexpr));
            if (current().isOp(",")) isTuple = true;
            else break;
        }
        if (!isTuple) {
            if (!items.isEmpty()) return items.get(0);
            if (!explicitParens) throw fail("Expected an expression, got " + current().describe());
        }
        return new Expr.TupleLit(items);
    }

    private boolean isTupleEnd(Set<String> extraEnd) {
        Token t = current();
        return t.kind() == Kind.VAR_END || t.kind() == Kind.BLOCK_END || t.isOp(")")
                || (t.kind() == Kind.NAME && extraEnd.contains(t.text()));
    }

    private Expr parseExpression(boolean withCondexpr) {
        return withCondexpr ? parseCondExpr() : parseOr();
    }

    private Expr parseCondExpr() {
        Expr expr = parseOr();
        int depth = nesting;
        while (acceptName("if")) {
            enter();
            Expr test = parseOr();
            Expr otherwise = acceptName("else") ? parseCondExpr() : null;
            expr = new Expr.CondExpr(test, expr, otherwise);
        }
        nesting = depth;
        return expr;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        int depth = nesting;
        while (acceptName("or")) {
            enter(); // a chain a or b or c nests in the tree, so it counts towards the nesting limit
            left = new Expr.Or(left, parseAnd());
        }
        nesting = depth;
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        int depth = nesting;
        while (acceptName("and")) {
            enter();
            left = new Expr.And(left, parseNot());
        }
        nesting = depth;
        return left;
    }

    private Expr parseNot() {
        if (current().isName("not")) {
            next();
            enter();
            try {
                return new Expr.Not(parseNot());
            } finally {
                exit();
            }
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        Expr first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> operands = new ArrayList<>();
        int depth = nesting;
        while (true) {
            Token t = current();
            if (t.kind() == Kind.OP && COMPARE_OPS.contains(t.text())) {
                next();
                ops.add(t.text());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
            } else if (t.isName("not") && peek().isName("in")) {
                next();
                next();
                ops.add("notin");
            } else {
                break;
            }
            enter();
            operands.add(parseMath1());
        }
        nesting = depth;
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, operands);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        int depth = nesting;
        while (current().isOp("+") || current().isOp("-")) {
            String op = next().text();
            enter();
            left = new Expr.BinOp(op, left, parseConcat());
        }
        nesting = depth;
        return left;
    }

    private Expr parseConcat() {
        Expr left = parseMath2();
        int depth = nesting;
        while (acceptOp("~")) {
            enter();
            left = new Expr.BinOp("~", left, parseMath2());
        }
        nesting = depth;
        return left;
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        int depth = nesting;
        while (current().isOp("*") || current().isOp("/") || current().isOp("//") || current().isOp("%")) {
            String op = next().text();
            enter();
            left = new Expr.BinOp(op, left, parsePow());
        }
        nesting = depth;
        return left;
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        int depth = nesting;
        while (acceptOp("**")) {
            enter();
            left = new Expr.BinOp("**", left, parseUnary(true));
        }
        nesting = depth;
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        enter();
        try {
            Expr node;
            if (current().isOp("-") || current().isOp("+")) {
                boolean negate = next().text().equals("-");
                node = new Expr.Unary(negate, parseUnary(false));
            } else {
                node = parsePrimary();
            }
            node = parsePostfix(node);
            return withFilter ? parseFilterExpr(node) : node;
        } finally {
            exit();
        }
    }

    private Expr parsePrimary() {
        Token t = current();
        switch (t.kind()) {
            case NAME -> {
                next();
                return switch (t.text()) {
                    case "true", "True" -> new Expr.Const(Boolean.TRUE);
                    case "false", "False" -> new Expr.Const(Boolean.FALSE);
                    case "none", "None" -> new Expr.Const(null);
                    default -> new Expr.Name(t.text());
                };
            }
            case STRING -> {
                // adjacent string literals are concatenated, as in Python
                StringBuilder sb = new StringBuilder();
                while (current().kind() == Kind.STRING) sb.append((String) next().value());
                return new Expr.Const(sb.toString());
            }
            case INTEGER, FLOAT -> {
                next();
                return new Expr.Const(t.value());
            }
            case OP -> {
                if (t.isOp("(")) {
                    next();
                    Expr e = parseTuple(false, true, Set.of(), true);
                    expectOp(")");
                    return e;
                }
                if (t.isOp("[")) return parseList();
                if (t.isOp("{")) return parseDict();
                throw fail("unexpected " + t.describe());
            }
            default -> throw fail("unexpected " + t.describe());
        }
    }

    private Expr parseList() {
        expectOp("[");
        List<Expr> items = new ArrayList<>();
        while (!current().isOp("]")) {
            if (!items.isEmpty()) expectOp(",");
            if (current().isOp("]")) break;
            items.add(parseExpression(true));
        }
        expectOp("]");
        return new Expr.ListLit(items);
    }

    private Expr parseDict() {
        expectOp("{");
        List<Expr> keys = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!current().isOp("}")) {
            if (!keys.isEmpty()) expectOp(",");
            if (current().isOp("}")) break;
            keys.add(parseExpression(true));
            expectOp(":");
            values.add(parseExpression(true));
        }
        expectOp("}");
        return new Expr.DictLit(keys, values);
    }

    private Expr parsePostfix(Expr node) {
        int depth = nesting;
        while (true) {
            if (current().isOp(".") || current().isOp("[")) {
                enter();
                node = parseSubscript(node);
            } else if (current().isOp("(")) {
                enter();
                node = new Expr.Call(node, parseCallArgs());
            } else {
                nesting = depth;
                return node;
            }
        }
    }

    private Expr parseFilterExpr(Expr node) {
        int depth = nesting;
        while (true) {
            if (current().isOp("|")) {
                node = parseFilter(node, false);
            } else if (current().isName("is")) {
                enter();
                node = parseTest(node);
            } else if (current().isOp("(")) {
                enter();
                node = new Expr.Call(node, parseCallArgs());
            } else {
                nesting = depth;
                return node;
            }
        }
    }

    private Expr parseSubscript(Expr node) {
        Token t = next();
        if (t.isOp(".")) {
            Token attr = next();
            if (attr.kind() == Kind.NAME) return new Expr.GetAttr(node, attr.text());
            if (attr.kind() == Kind.INTEGER) return new Expr.GetItem(node, new Expr.Const(attr.value()));
            throw fail("expected name or number");
        }
        List<Expr> args = new ArrayList<>();
        while (!current().isOp("]")) {
            if (!args.isEmpty()) expectOp(",");
            args.add(parseSubscribed());
        }
        expectOp("]");
        return new Expr.GetItem(node, args.size() == 1 ? args.get(0) : new Expr.TupleLit(args));
    }

    private Expr parseSubscribed() {
        Expr start = null;
        if (current().isOp(":")) {
            next();
        } else {
            Expr e = parseExpression(true);
            if (!current().isOp(":")) return e;
            next();
            start = e;
        }
        Expr stop = null;
        if (!current().isOp(":") && !current().isOp("]") && !current().isOp(",")) stop = parseExpression(true);
        Expr step = null;
        if (acceptOp(":") && !current().isOp("]") && !current().isOp(",")) step = parseExpression(true);
        return new Expr.SliceLit(start, stop, step);
    }

    private CallArgs parseCallArgs() {
        expectOp("(");
        List<Expr> positional = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        Expr starArgs = null, starKwargs = null;
        boolean requireComma = false;
        while (!current().isOp(")")) {
            if (requireComma) {
                expectOp(",");
                if (current().isOp(")")) break; // trailing comma
            }
            if (current().isOp("*")) {
                if (starArgs != null || starKwargs != null) throw fail("invalid syntax for function call expression");
                next();
                starArgs = parseExpression(true);
            } else if (current().isOp("**")) {
                if (starKwargs != null) throw fail("invalid syntax for function call expression");
                next();
                starKwargs = parseExpression(true);
            } else if (current().kind() == Kind.NAME && peek().isOp("=")) {
                if (starKwargs != null) throw fail("invalid syntax for function call expression");
                String name = next().text();
                next();
                names.add(name);
                values.add(parseExpression(true));
            } else {
                if (starArgs != null || starKwargs != null || !names.isEmpty()) {
                    throw fail("invalid syntax for function call expression");
                }
                positional.add(parseExpression(true));
            }
            requireComma = true;
        }
        expectOp(")");
        return new CallArgs(positional, names, values, starArgs, starKwargs);
    }

    /** {@code | name(args) | name2 ...}; {@code startInline}: the first {@code |} is implicit. */
    private Expr parseFilter(Expr node, boolean startInline) {
        while (current().isOp("|") || startInline) {
            enter(); // released by the caller's chain bookkeeping
            if (!startInline) next();
            startInline = false;
            Token nameToken = expect(Kind.NAME, "filter name");
            String name = dottedName(nameToken.text());
            CallArgs args = current().isOp("(") ? parseCallArgs() : CallArgs.NONE;
            node = new Expr.Filter(node, name, args, nameToken.line());
        }
        return node;
    }

    private String dottedName(String first) {
        StringBuilder name = new StringBuilder(first);
        while (acceptOp(".")) name.append('.').append(expect(Kind.NAME, "name").text());
        return name.toString();
    }

    private Expr parseTest(Expr node) {
        int line = next().line(); // 'is'
        boolean negated = acceptName("not");
        String name = dottedName(expect(Kind.NAME, "test name").text());
        CallArgs args = CallArgs.NONE;
        Token t = current();
        if (t.isOp("(")) {
            args = parseCallArgs();
        } else if ((t.kind() == Kind.NAME || t.kind() == Kind.STRING || t.kind() == Kind.INTEGER
                || t.kind() == Kind.FLOAT || t.isOp("(") || t.isOp("[") || t.isOp("{"))
                && !t.isName("else") && !t.isName("or") && !t.isName("and")) {
            // a single argument without parentheses: {@code x is divisibleby 3}
            if (t.isName("is")) throw fail("You cannot chain multiple tests with is");
            Expr arg = parsePostfix(parsePrimary());
            args = new CallArgs(List.of(arg), List.of(), List.of(), null, null);
        }
        Expr test = new Expr.Test(node, name, args, line);
        return negated ? new Expr.Not(test) : test;
    }
}
