package dev.jllm.chat.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Jinja2's {@code namespace()}: the one mutable object in the sandbox, which is how templates carry
 * state out of a loop body ({@code {% set ns.found = true %}}).
 */
final class Namespace {
    private final Map<String, Object> attrs = new LinkedHashMap<>();

    Object get(String name) {
        return attrs.containsKey(name) ? attrs.get(name) : Undefined.member(this, name);
    }

    void set(String name, Object value) {
        attrs.put(name, value);
    }

    Map<String, Object> attrs() {
        return attrs;
    }
}
