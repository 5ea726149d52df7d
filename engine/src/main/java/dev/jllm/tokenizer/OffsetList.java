package dev.jllm.tokenizer;

import java.util.Arrays;

/** A growable list of ints: segment lengths during pre-tokenization, token ids during encoding. */
final class OffsetList {
    private int[] values;
    private int size;

    OffsetList(int capacity) {
        values = new int[Math.max(4, capacity)];
    }

    static OffsetList of(int value) {
        OffsetList l = new OffsetList(4);
        l.add(value);
        return l;
    }

    void add(int v) {
        if (size == values.length) values = Arrays.copyOf(values, size * 2);
        values[size++] = v;
    }

    void addAll(int[] vs) {
        for (int v : vs) add(v);
    }

    int get(int i) {
        return values[i];
    }

    int size() {
        return size;
    }

    /** Drops every element from index {@code newSize} on. */
    void truncate(int newSize) {
        size = Math.min(size, newSize);
    }

    int[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
