package dev.jllm.chat.jinja;

import java.util.AbstractList;
import java.util.List;

/** A Python tuple: an immutable list that prints as {@code (a, b)} and never equals a list. */
final class PyTuple extends AbstractList<Object> {
    private final List<Object> items;

    PyTuple(List<Object> items) {
        // an unmodifiable copy that, unlike List.copyOf, accepts None (null) elements
        this.items = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(items));
    }

    static PyTuple of(Object... items) {
        return new PyTuple(java.util.Arrays.asList(items));
    }

    @Override
    public Object get(int index) {
        return items.get(index);
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
