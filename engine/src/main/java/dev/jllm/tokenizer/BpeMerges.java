package dev.jllm.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * BPE merge ranks from {@code tokenizer.ggml.merges}: the merge "a b" at index i means the pair
 * (a, b) merges with rank i, lower ranks first. As in llama.cpp a merge is split at its first
 * space after the first character, and the first occurrence of a pair wins.
 */
final class BpeMerges {
    private final Map<String, Integer> ranks;

    BpeMerges(String[] merges) {
        ranks = new HashMap<>(merges.length * 4 / 3 + 16);
        for (int i = 0; i < merges.length; i++) {
            String m = merges[i];
            // "first second" is looked up as first + ' ' + second, so the merge text itself is the
            // key; a merge without a separating space becomes the empty pair, as in llama.cpp.
            String key = m.indexOf(' ', 1) < 0 ? " " : m;
            ranks.putIfAbsent(key, i);
        }
    }

    /** The rank of merging {@code left} with {@code right}, or -1 if they do not merge. */
    int rank(String left, String right) {
        Integer r = ranks.get(left + ' ' + right);
        return r == null ? -1 : r;
    }

    int size() {
        return ranks.size();
    }
}
