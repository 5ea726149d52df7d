package dev.jllm.chat.jinja;

import java.util.List;

/**
 * A Python generator, as returned by {@code |map}, {@code |select}, {@code |items}, ... It is
 * always truthy, has no length and can be iterated only once; templates normally follow it with
 * {@code |list} or {@code |join}. The items are computed eagerly; only the single-pass behaviour is
 * reproduced.
 */
final class PyGenerator {
    private final String name;
    private List<Object> items;

    PyGenerator(String name, List<Object> items) {
        this.name = name;
        this.items = items;
    }

    /** The remaining items; the generator is exhausted afterwards, as in Python. */
    List<Object> drain() {
        List<Object> rest = items;
        items = List.of();
        return rest;
    }

    String repr() {
        return "<generator object " + name + ">";
    }
}
