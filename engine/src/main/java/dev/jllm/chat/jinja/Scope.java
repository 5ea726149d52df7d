package dev.jllm.chat.jinja;

import java.util.HashMap;
import java.util.Map;

/**
 * A frame of template variables. Lookups walk outwards; {@code set} always binds in this frame,
 * which gives Jinja2's scoping: a {@code set} inside a loop body or macro does not leak out, while
 * {@code if} blocks share their enclosing frame.
 */
final class Scope {
    static final Object MISSING = new Object();

    private final Scope parent;
    private final Map<String, ?> vars;

    /** A new, writable frame inside {@code parent} (which may be null). */
    Scope(Scope parent) {
        this.parent = parent;
        this.vars = new HashMap<String, Object>();
    }

    /** A read-only frame over caller-supplied variables; never written to. */
    Scope(Scope parent, Map<String, ?> readOnly) {
        this.parent = parent;
        this.vars = readOnly;
    }

    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            if (s.vars.containsKey(name)) return s.vars.get(name);
        }
        return MISSING;
    }

    @SuppressWarnings("unchecked")
    void set(String name, Object value) {
        ((Map<String, Object>) vars).put(name, value);
    }
}
