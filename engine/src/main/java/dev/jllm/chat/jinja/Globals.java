package dev.jllm.chat.jinja;

import java.time.Clock;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The global functions a chat template can call: Jinja2's {@code namespace}, {@code range},
 * {@code dict}, plus the two transformers adds, {@code raise_exception(msg)} and
 * {@code strftime_now(fmt)}.
 */
final class Globals {
    private Globals() {}

    static Map<String, Object> create(Clock clock) {
        Map<String, Object> g = new HashMap<>();
        g.put("raise_exception", (PyCallable) (in, args) -> {
            Object[] a = args.bind("raise_exception", "message");
            throw new RaisedException(PyRepr.str(a[0] == Args.MISSING ? "" : a[0]));
        });
        g.put("strftime_now", (PyCallable) (in, args) -> {
            Object[] a = args.bind("strftime_now", "format");
            if (a[0] == Args.MISSING || !Py.isStr(a[0])) {
                throw TemplateRuntimeException.typeError("strftime() argument 1 must be str");
            }
            return Strftime.format(Py.asStr(a[0]), LocalDateTime.now(clock));
        });
        g.put("namespace", (PyCallable) (in, args) -> namespace(args));
        g.put("range", (PyCallable) (in, args) -> range(args));
        g.put("dict", (PyCallable) (in, args) -> {
            Map<Object, Object> d = new LinkedHashMap<>();
            if (args.positional().size() > 1) throw TemplateRuntimeException.typeError("dict expected at most 1 argument");
            if (!args.positional().isEmpty()) putAll(d, args.positional().get(0));
            d.putAll(args.keyword());
            return d;
        });
        return g;
    }

    /** {@code namespace(mapping_or_pairs, **attrs)}. */
    private static Namespace namespace(Args args) {
        Namespace ns = new Namespace();
        if (args.positional().size() > 1) throw TemplateRuntimeException.typeError("namespace expected at most 1 argument");
        Map<Object, Object> init = new LinkedHashMap<>();
        if (!args.positional().isEmpty()) putAll(init, args.positional().get(0));
        init.forEach((k, v) -> ns.set(PyRepr.str(k), v));
        args.keyword().forEach(ns::set);
        return ns;
    }

    /** dict(x): from a mapping or an iterable of pairs. */
    private static void putAll(Map<Object, Object> into, Object source) {
        if (source instanceof Map<?, ?> m) {
            into.putAll(m);
            return;
        }
        for (Object pair : Py.iterate(source)) {
            List<Object> kv = Py.iterate(pair);
            if (kv.size() != 2) {
                throw TemplateRuntimeException.valueError("dictionary update sequence element has length "
                        + kv.size() + "; 2 is required");
            }
            Py.requireHashable(kv.get(0));
            into.put(kv.get(0), kv.get(1));
        }
    }

    private static PyRange range(Args args) {
        if (!args.keyword().isEmpty()) throw TemplateRuntimeException.typeError("range() takes no keyword arguments");
        List<Object> p = args.positional();
        for (Object o : p) {
            if (o instanceof Undefined u) throw u.error();
            if (!Py.isIntLike(o)) {
                throw TemplateRuntimeException.typeError(PyRepr.repr(Py.typeName(o)) + " object cannot be interpreted as an integer");
            }
        }
        return switch (p.size()) {
            case 1 -> new PyRange(0, Py.toLong(p.get(0)), 1);
            case 2 -> new PyRange(Py.toLong(p.get(0)), Py.toLong(p.get(1)), 1);
            case 3 -> new PyRange(Py.toLong(p.get(0)), Py.toLong(p.get(1)), Py.toLong(p.get(2)));
            default -> throw TemplateRuntimeException.typeError("range expected 1 to 3 arguments, got " + p.size());
        };
    }
}
