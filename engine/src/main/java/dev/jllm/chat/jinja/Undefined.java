package dev.jllm.chat.jinja;

/**
 * Jinja2's lenient {@code Undefined}: the value of a missing variable, key or attribute.
 *
 * <p>It prints as {@code ''}, is falsy, iterates as empty and has length 0, but calling it,
 * indexing it, taking an attribute of it or using it in arithmetic raises {@code UndefinedError}
 * with {@link #hint}. An undefined produced by the sandbox for a refused attribute raises
 * {@code SecurityError} instead ({@link #unsafe}).
 */
record Undefined(String hint, boolean unsafe) {

    /** {@code 'name' is undefined}. */
    static Undefined name(String name) {
        return new Undefined(PyRepr.repr(name) + " is undefined", false);
    }

    /** Jinja2's message for a missing attribute/item: {@code 'dict object' has no attribute 'x'}. */
    static Undefined member(Object obj, Object key) {
        String owner = obj == null ? "None" : Py.typeName(obj) + " object";
        if (key instanceof String s) {
            return new Undefined(PyRepr.repr(owner) + " has no attribute " + PyRepr.repr(s), false);
        }
        return new Undefined(owner + " has no element " + PyRepr.repr(key), false);
    }

    static Undefined hint(String hint) {
        return new Undefined(hint, false);
    }

    /** The sandbox's answer to {@code [].append}: harmless until used. */
    static Undefined unsafe(Object obj, String attribute) {
        return new Undefined("access to attribute " + PyRepr.repr(attribute) + " of "
                + PyRepr.repr(Py.typeName(obj)) + " object is unsafe.", true);
    }

    /** The error raised when this value is used in a way Undefined does not support. */
    TemplateException error() {
        return unsafe ? new SandboxException(hint) : new UndefinedException(hint);
    }
}
