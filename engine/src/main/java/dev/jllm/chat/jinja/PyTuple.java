package dev.jllm.chat.jinja;

import java.util.AbstractList;
import java.util.List;

/** A Python tuple: an immutable list that prints as {@code (a, b)} and never equals a list. */
public final class PyTuple extends AbstractList<Object> {
    private final List<Object> items;

    public PyTuple(List<Object> items) {
        this.items = List.copyOf(nullSafe(items));
    }

    public static PyTuple of(Object... items) {
        return new PyTuple(java.util.Arrays.asList(items));
    }

    // List.copyOf rejects nulls, and None is a legitimate tuple element.
    private static List<Object> nullSafe(List<Object> items) {
        return items.stream().map(o -> o == null ? NONE : o).toList();
    }

    private static final Object NONE = new Object();

    @Override
    public Object get(int index) {
        Object o = items.get(index);
        return o == NONE ? null : o;
    }

    @Override
    public int size() {
        return items.size();
    }

    @Override
    public boolean equals(Object o) {
        return o == this || (o instanceof PyTuple t && Py.eq(this, t));
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }
}
