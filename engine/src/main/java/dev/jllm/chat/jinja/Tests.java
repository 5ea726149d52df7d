package dev.jllm.chat.jinja;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Jinja2's built-in tests (jinja2/tests.py), with Python's type semantics: bool is a number but not
 * an integer, strings are iterable sequences, only dicts are mappings, and Undefined is (like the
 * Python object) iterable, a sequence and callable.
 */
final class Tests {
    private Tests() {}

    @FunctionalInterface
    interface Test {
        boolean test(Interpreter in, Object value, Args args);
    }

    private static final Map<String, Test> TESTS = new HashMap<>();

    static boolean exists(String name) {
        return TESTS.containsKey(name);
    }

    static boolean apply(Interpreter in, String name, Object value, Args args) {
        Test t = TESTS.get(name);
        if (t == null) throw TemplateRuntimeException.runtime("No test named " + PyRepr.repr(name) + " found.");
        return t.test(in, value, args);
    }

    private static void register(Test t, String... names) {
        for (String n : names) TESTS.put(n, t);
    }

    /** A test without arguments. */
    private static void unary(java.util.function.Predicate<Object> p, String... names) {
        register((in, v, a) -> {
            a.bind(names[0]);
            return p.test(v);
        }, names);
    }

    /** A test with one argument. */
    private static void binary(java.util.function.BiPredicate<Object, Object> p, String... names) {
        register((in, v, a) -> {
            Object[] args = a.bind(names[0], "other");
            if (args[0] == Args.MISSING) {
                throw TemplateRuntimeException.typeError(names[0] + "() missing 1 required positional argument");
            }
            return p.test(v, args[0]);
        }, names);
    }

    static {
        unary(v -> !(v instanceof Undefined), "defined");
        unary(v -> v instanceof Undefined, "undefined");
        unary(v -> v == null, "none");
        unary(v -> v instanceof Boolean, "boolean");
        unary(v -> Boolean.FALSE.equals(v), "false");
        unary(v -> Boolean.TRUE.equals(v), "true");
        unary(Py::isInt, "integer");
        unary(Py::isFloat, "float");
        unary(Py::isNumber, "number");
        unary(Py::isStr, "string");
        unary(v -> v instanceof Map, "mapping");
        unary(Py::isIterable, "iterable");
        // Python's test_sequence: len() and __getitem__ both work (dicts qualify, generators don't)
        unary(v -> Py.isStr(v) || v instanceof List || v instanceof Map || v instanceof Undefined, "sequence");
        unary(v -> v instanceof PyCallable || v instanceof Undefined, "callable");
        unary(v -> v instanceof Markup, "escaped");
        unary(v -> Py.isStr(v) && PyStr.isLower(Py.asStr(v)), "lower");
        unary(v -> Py.isStr(v) && PyStr.isUpper(Py.asStr(v)), "upper");
        unary(v -> integer(v) % 2 != 0, "odd");
        unary(v -> integer(v) % 2 == 0, "even");
        binary((v, n) -> {
            long d = integer(n);
            if (d == 0) throw new TemplateRuntimeException("ZeroDivisionError", "integer division or modulo by zero");
            return integer(v) % d == 0;
        }, "divisibleby");
        binary(Py::eq, "eq", "equalto", "==");
        binary((v, o) -> !Py.eq(v, o), "ne", "!=");
        binary((v, o) -> Py.compareOp(v, o, "<"), "lt", "lessthan", "<");
        binary((v, o) -> Py.compareOp(v, o, "<="), "le", "<=");
        binary((v, o) -> Py.compareOp(v, o, ">"), "gt", "greaterthan", ">");
        binary((v, o) -> Py.compareOp(v, o, ">="), "ge", ">=");
        binary((v, seq) -> Py.contains(seq, v), "in");
        // Python's `is`: None and the bools are singletons; other values compare by identity
        binary((v, o) -> v == o || (v instanceof Boolean && v.equals(o)), "sameas");
        unary(v -> Py.isStr(v) && Filters.exists(Py.asStr(v)), "filter");
        unary(v -> Py.isStr(v) && exists(Py.asStr(v)), "test");
    }

    private static long integer(Object v) {
        if (v instanceof Undefined u) throw u.error();
        if (Py.isIntLike(v)) return Py.toLong(v);
        if (Py.isFloat(v)) return (long) Py.toDouble(v);
        throw TemplateRuntimeException.typeError("not all arguments converted during string formatting");
    }
}
