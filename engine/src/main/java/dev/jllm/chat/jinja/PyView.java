package dev.jllm.chat.jinja;

import java.util.List;

/**
 * The result of {@code dict.items()}, {@code .keys()} or {@code .values()}: iterable and sized, but
 * (unlike a list) not indexable and not a sequence, and printed as {@code dict_items([...])}.
 *
 * @param kind  {@code dict_items}, {@code dict_keys} or {@code dict_values}
 * @param items a snapshot of the entries (tuples for items)
 */
record PyView(String kind, List<Object> items) {
}
