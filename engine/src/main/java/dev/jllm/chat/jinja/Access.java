package dev.jllm.chat.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Attribute and item access as Jinja2's sandbox does it.
 *
 * <p>{@code x.name} tries a Python attribute first (a whitelisted method such as {@code dict.items},
 * a namespace or loop attribute) and then the item {@code x['name']}; {@code x[key]} tries the item
 * first and then, for a string key, the attribute. Whatever fails yields {@link Undefined} instead
 * of an error (a missing key, an index out of range, any attribute of None). Only accessing
 * something of an undefined value raises. Mutating methods ({@code list.append}, {@code dict.update}
 * ...) come back as an "unsafe" undefined that raises {@code SecurityError} when used.
 */
final class Access {
    private Access() {}

    /** {@code obj.name}. */
    static Object getattr(Object obj, String name) {
        if (obj instanceof Undefined u) throw u.error();
        Object attr = attribute(obj, name);
        if (attr != null) return unwrap(attr);
        Object item = item(obj, name);
        return item != null ? unwrap(item) : Undefined.member(obj, name);
    }

    /** {@code obj[key]}; {@code key} may be a {@link Slice}. */
    static Object getitem(Object obj, Object key) {
        if (obj instanceof Undefined u) throw u.error();
        if (key instanceof Slice s) {
            Object sliced = slice(obj, s);
            return sliced != null ? sliced : Undefined.member(obj, key);
        }
        Object item = item(obj, key);
        if (item != null) return unwrap(item);
        if (Py.isStr(key)) {
            Object attr = attribute(obj, Py.asStr(key));
            if (attr != null) return unwrap(attr);
        }
        return Undefined.member(obj, key);
    }

    /**
     * Python attribute lookup restricted to what the sandbox allows and this engine models;
     * Java null when there is no such attribute.
     */
    static Object attribute(Object obj, String name) {
        if (obj instanceof Namespace ns) {
            return ns.attrs().containsKey(name) ? wrapNull(ns.attrs().get(name)) : null;
        }
        if (obj instanceof LoopContext loop) {
            Object v = loop.attribute(name);
            return v == LoopContext.NO_ATTR ? null : wrapNull(v);
        }
        return PyMethods.bind(obj, name);
    }

    // Java null means "no such item" below, so a present None is carried as NONE_VALUE.
    private static final Object NONE_VALUE = new Object();

    private static Object wrapNull(Object o) {
        return o == null ? NONE_VALUE : o;
    }

    private static Object unwrap(Object o) {
        return o == NONE_VALUE ? null : o;
    }

    /** {@code obj[key]} without the attribute fallback; Java null when it fails. */
    private static Object item(Object obj, Object key) {
        if (obj instanceof Map<?, ?> map) {
            if (key instanceof List<?> && !(key instanceof PyTuple) || key instanceof Map) return null; // unhashable
            Object k = Py.findKey(map, key);
            return k == Py.NO_KEY ? null : wrapNull(map.get(k));
        }
        if (!Py.isIntLike(key)) return null;
        long index = Py.toLong(key);
        if (obj instanceof List<?> list) {
            long i = index < 0 ? index + list.size() : index;
            return i >= 0 && i < list.size() ? wrapNull(list.get((int) i)) : null;
        }
        if (Py.isStr(obj)) {
            String s = Py.asStr(obj);
            int len = PyStr.length(s);
            long i = index < 0 ? index + len : index;
            if (i < 0 || i >= len) return null;
            int off = PyStr.offset(s, (int) i);
            return Character.toString(s.codePointAt(off));
        }
        return null;
    }

    /** A slice expression {@code [start:stop:step]}; absent parts are null. */
    record Slice(Object start, Object stop, Object step) {
    }

    private static Object slice(Object obj, Slice s) {
        if (!(obj instanceof List) && !Py.isStr(obj)) return null;
        int len = obj instanceof List<?> l ? l.size() : PyStr.length(Py.asStr(obj));
        int[] idx = sliceIndices(len, s);
        if (Py.isStr(obj)) {
            String str = Py.asStr(obj);
            // fast path for a contiguous slice
            if (idx.length > 0 && (s.step() == null || Py.toLong(s.step()) == 1)) {
                return str.substring(PyStr.offset(str, idx[0]), PyStr.offset(str, idx[idx.length - 1] + 1));
            }
            return PyStr.slice(str, idx);
        }
        List<?> list = (List<?>) obj;
        List<Object> out = new ArrayList<>(idx.length);
        for (int i : idx) out.add(list.get(i));
        return obj instanceof PyTuple ? new PyTuple(out) : out;
    }

    /** The indices {@code range(len)[start:stop:step]} selects, per Python's slice semantics. */
    static int[] sliceIndices(int len, Slice s) {
        long step = s.step() == null ? 1 : sliceInt(s.step());
        if (step == 0) throw TemplateRuntimeException.valueError("slice step cannot be zero");
        long start, stop;
        if (step > 0) {
            start = s.start() == null ? 0 : clamp(sliceInt(s.start()), len, 0, len);
            stop = s.stop() == null ? len : clamp(sliceInt(s.stop()), len, 0, len);
        } else {
            start = s.start() == null ? len - 1 : clamp(sliceInt(s.start()), len, -1, len - 1);
            stop = s.stop() == null ? -1 : clamp(sliceInt(s.stop()), len, -1, len - 1);
        }
        List<Integer> out = new ArrayList<>();
        if (step > 0) for (long i = start; i < stop; i += step) out.add((int) i);
        else for (long i = start; i > stop; i += step) out.add((int) i);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static long clamp(long i, int len, long lo, long hi) {
        if (i < 0) i += len;
        return Math.max(lo, Math.min(hi, i));
    }

    private static long sliceInt(Object o) {
        if (o instanceof Undefined u) throw u.error();
        if (!Py.isIntLike(o)) {
            throw TemplateRuntimeException.typeError("slice indices must be integers or None or have an __index__ method");
        }
        return Py.toLong(o);
    }
}
