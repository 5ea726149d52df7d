package dev.jllm.chat.jinja;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Evaluated call arguments: positional values and keyword values (in call order).
 * {@link #bind} maps them onto a Python-style parameter list.
 */
record Args(List<Object> positional, Map<String, Object> keyword) {
    /** Marks a parameter the call did not supply. */
    static final Object MISSING = new Object() {
        @Override
        public String toString() {
            return "MISSING";
        }
    };

    static final Args EMPTY = new Args(List.of(), Map.of());

    static Args of(Object... positional) {
        return new Args(Arrays.asList(positional), Map.of());
    }

    int size() {
        return positional.size() + keyword.size();
    }

    /**
     * Binds to {@code def fn(names...)}: returns one value per name, {@link #MISSING} where the
     * call supplied none. Raises Python's TypeError for surplus or unknown arguments.
     */
    Object[] bind(String fn, String... names) {
        if (positional.size() > names.length) {
            throw TemplateRuntimeException.typeError(fn + "() takes at most " + names.length
                    + " positional argument(s) but " + positional.size() + " were given");
        }
        Object[] out = new Object[names.length];
        Arrays.fill(out, MISSING);
        for (int i = 0; i < positional.size(); i++) out[i] = positional.get(i);
        for (Map.Entry<String, Object> e : keyword.entrySet()) {
            int idx = List.of(names).indexOf(e.getKey());
            if (idx < 0) {
                throw TemplateRuntimeException.typeError(
                        fn + "() got an unexpected keyword argument " + PyRepr.repr(e.getKey()));
            }
            if (out[idx] != MISSING) {
                throw TemplateRuntimeException.typeError(
                        fn + "() got multiple values for argument " + PyRepr.repr(e.getKey()));
            }
            out[idx] = e.getValue();
        }
        return out;
    }

    /** {@code bind} where absent values take the given defaults ({@code defaults[i]} for name i). */
    Object[] bindWithDefaults(String fn, String[] names, Object[] defaults) {
        Object[] out = bind(fn, names);
        for (int i = 0; i < out.length; i++) {
            if (out[i] == MISSING) {
                if (i >= defaults.length || defaults[i] == MISSING) {
                    throw TemplateRuntimeException.typeError(
                            fn + "() missing required argument " + PyRepr.repr(names[i]));
                }
                out[i] = defaults[i];
            }
        }
        return out;
    }

    /** A copy without the first {@code n} positional arguments. */
    Args dropPositional(int n) {
        return new Args(positional.subList(Math.min(n, positional.size()), positional.size()), keyword);
    }

    /** A copy with {@code first} prepended to the positional arguments. */
    Args prepend(Object first) {
        List<Object> all = new java.util.ArrayList<>(positional.size() + 1);
        all.add(first);
        all.addAll(positional);
        return new Args(all, keyword);
    }
}
