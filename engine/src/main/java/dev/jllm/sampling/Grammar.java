package dev.jllm.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A context-free grammar over bytes, the form in which output constraints (JSON schemas) reach
 * the sampler: rules made of alternatives, each a sequence of byte classes and references to
 * rules, as in llama.cpp's GBNF. Immutable once built; {@link GrammarMatcher} runs it.
 *
 * <p>Layout: all alternatives lie end to end in {@link #elements}, each closed by {@link #END};
 * an element {@code e >= 0} is byte class {@code e}, an element {@code e <= -2} refers to rule
 * {@code -e - 2}. {@link #alternatives}{@code [r]} holds where rule r's alternatives begin.
 * Rule 0 is the start. Left recursion (a rule that can reach itself without reading a byte) is
 * refused when building, because the matcher would never stop expanding it.
 */
public final class Grammar {
    static final int END = -1;

    final int[] elements;
    final int[][] alternatives;
    final long[][] classes; // 256-bit sets, four longs per class

    private Grammar(int[] elements, int[][] alternatives, long[][] classes) {
        this.elements = elements;
        this.alternatives = alternatives;
        this.classes = classes;
    }

    static boolean isRule(int element) {
        return element <= -2;
    }

    static int ruleOf(int element) {
        return -element - 2;
    }

    boolean matches(int element, int b) {
        return (classes[element][b >>> 6] & (1L << (b & 63))) != 0;
    }

    /** Builds a grammar rule by rule; rule 0, made by the first {@link #rule()} call, is the start. */
    public static final class Builder {
        private final List<List<int[]>> rules = new ArrayList<>();
        private final List<long[]> classes = new ArrayList<>();
        private final Map<String, Integer> classIds = new HashMap<>();

        /** A new rule without alternatives yet; returns its id. */
        public int rule() {
            rules.add(new ArrayList<>());
            return rules.size() - 1;
        }

        /** Adds an alternative to {@code rule}: elements from {@link #bytes}, {@link #ref}, {@link #range}, {@link #set}. */
        public Builder alt(int rule, int... elements) {
            rules.get(rule).add(elements.clone());
            return this;
        }

        /** A new rule with the given alternatives. */
        public int rule(int[]... alternatives) {
            int r = rule();
            for (int[] a : alternatives) alt(r, a);
            return r;
        }

        /** The element that reads rule {@code r}. */
        public int ref(int r) {
            return -r - 2;
        }

        /** The elements that read these exact bytes (UTF-8 of the text). */
        public int[] bytes(String text) {
            byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int[] out = new int[b.length];
            for (int i = 0; i < b.length; i++) out[i] = range(b[i] & 0xFF, b[i] & 0xFF);
            return out;
        }

        /** The element that reads one byte from {@code lo} to {@code hi}, inclusive. */
        public int range(int lo, int hi) {
            long[] set = new long[4];
            for (int b = lo; b <= hi; b++) set[b >>> 6] |= 1L << (b & 63);
            return classOf(set);
        }

        /** The element that reads one of the bytes of {@code chars} (ASCII). */
        public int set(String chars) {
            long[] set = new long[4];
            for (char c : chars.toCharArray()) set[c >>> 6] |= 1L << (c & 63);
            return classOf(set);
        }

        /**
         * A new rule reading one character as well-formed UTF-8 (RFC 3629: no overlong forms,
         * surrogates or code points past U+10FFFF): any printable ASCII byte but those of
         * {@code excluded}, the control bytes of {@code controls}, or a multi-byte sequence.
         */
        public int utf8Character(String excluded, String controls) {
            long[] ascii = new long[4];
            for (int b = 0x20; b < 0x80; b++) if (excluded.indexOf(b) < 0) ascii[b >>> 6] |= 1L << (b & 63);
            for (char c : controls.toCharArray()) ascii[c >>> 6] |= 1L << (c & 63);
            int tail = range(0x80, 0xBF);
            return rule(new int[]{classOf(ascii)},
                    new int[]{range(0xC2, 0xDF), tail},
                    new int[]{range(0xE0, 0xE0), range(0xA0, 0xBF), tail},
                    new int[]{range(0xE1, 0xEC), tail, tail},
                    new int[]{range(0xED, 0xED), range(0x80, 0x9F), tail},
                    new int[]{range(0xEE, 0xEF), tail, tail},
                    new int[]{range(0xF0, 0xF0), range(0x90, 0xBF), tail, tail},
                    new int[]{range(0xF1, 0xF3), tail, tail, tail},
                    new int[]{range(0xF4, 0xF4), range(0x80, 0x8F), tail, tail});
        }

        private int classOf(long[] set) {
            return classIds.computeIfAbsent(Arrays.toString(set), k -> {
                classes.add(set);
                return classes.size() - 1;
            });
        }

        /** Joins element sequences into one. */
        public static int[] seq(Object... parts) {
            int n = 0;
            for (Object p : parts) n += p instanceof int[] a ? a.length : 1;
            int[] out = new int[n];
            int at = 0;
            for (Object p : parts) {
                if (p instanceof int[] a) {
                    System.arraycopy(a, 0, out, at, a.length);
                    at += a.length;
                } else out[at++] = (Integer) p;
            }
            return out;
        }

        /** A rule reading {@code item} zero or more times (right recursive, so the matcher's stacks stay flat). */
        public int star(int[] item) {
            int r = rule();
            alt(r, seq(item, ref(r)));
            alt(r);
            return r;
        }

        /**
         * A rule reading UTF-8 text (printable characters and the control bytes of
         * {@code controls}) up to and including the first occurrence of {@code tag} (ASCII): the
         * text may hold anything, '<' included, but not the tag, so the tag ends it. Built as
         * the string-matching automaton of the tag (Knuth–Morris–Pratt), one rule per matched
         * prefix length: each tag character moves to the next longest prefix, any other
         * character back to none, and completing the tag ends the rule.
         */
        public int textThen(String tag, String controls) {
            int m = tag.length();
            if (m == 0) throw new IllegalArgumentException("empty tag");
            for (char c : tag.toCharArray()) if (c >= 0x80) throw new IllegalArgumentException("tag must be ASCII: " + tag);
            String tagChars = tag.chars().distinct().collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
            int[] state = new int[m];
            for (int s = 0; s < m; s++) state[s] = rule();
            int other = utf8Character(tagChars, controls.chars().filter(c -> tagChars.indexOf(c) < 0)
                    .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString());
            for (int s = 0; s < m; s++) {
                for (char c : tagChars.toCharArray()) {
                    int next = longestPrefixAfter(tag, s, c);
                    int[] read = {set(String.valueOf(c))};
                    alt(state[s], next == m ? read : seq(read, ref(state[next])));
                }
                alt(state[s], ref(other), ref(state[0]));
            }
            return state[0];
        }

        /** The length of the longest prefix of {@code tag} that ends the text "first {@code s} characters of tag, then c". */
        private static int longestPrefixAfter(String tag, int s, char c) {
            String text = tag.substring(0, s) + c;
            for (int k = Math.min(tag.length(), text.length()); k > 0; k--) {
                if (text.endsWith(tag.substring(0, k))) return k;
            }
            return 0;
        }

        /** A rule reading {@code item} from {@code min} to {@code max} times ({@code max < 0}: no limit). */
        public int repeat(int[] item, int min, int max) {
            int tail;
            if (max < 0) tail = star(item);
            else {
                tail = rule(new int[0]); // reads nothing
                for (int i = 0; i < max - min; i++) tail = rule(new int[0], seq(item, ref(tail)));
            }
            int[] body = new int[0];
            for (int i = 0; i < min; i++) body = seq(body, item);
            return rule(seq(body, ref(tail)));
        }

        /**
         * @throws IllegalArgumentException if a rule has no alternative or can reach itself
         *                                  without reading a byte
         */
        public Grammar build() {
            int n = rules.size();
            if (n == 0) throw new IllegalArgumentException("a grammar needs a rule");
            int total = 0;
            for (List<int[]> alts : rules) {
                for (int[] a : alts) total += a.length + 1;
            }
            int[] elements = new int[total];
            int[][] starts = new int[n][];
            int at = 0;
            for (int r = 0; r < n; r++) {
                List<int[]> alts = rules.get(r);
                if (alts.isEmpty()) throw new IllegalArgumentException("grammar rule " + r + " has no alternative");
                starts[r] = new int[alts.size()];
                for (int i = 0; i < alts.size(); i++) {
                    starts[r][i] = at;
                    int[] a = alts.get(i);
                    System.arraycopy(a, 0, elements, at, a.length);
                    at += a.length;
                    elements[at++] = END;
                }
            }
            Grammar g = new Grammar(elements, starts, classes.toArray(new long[0][]));
            g.refuseLeftRecursion();
            return g;
        }
    }

    /** Finds a rule that can reach itself without reading a byte (which would expand forever). */
    private void refuseLeftRecursion() {
        int n = alternatives.length;
        boolean[] nullable = new boolean[n];
        for (boolean changed = true; changed; ) {
            changed = false;
            for (int r = 0; r < n; r++) {
                if (nullable[r]) continue;
                for (int start : alternatives[r]) {
                    int p = start;
                    while (elements[p] != END && isRule(elements[p]) && nullable[ruleOf(elements[p])]) p++;
                    if (elements[p] == END) {
                        nullable[r] = true;
                        changed = true;
                        break;
                    }
                }
            }
        }
        // Edges r -> s where s can be expanded before r reads a byte; a cycle is left recursion.
        List<List<Integer>> leads = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            List<Integer> to = new ArrayList<>();
            for (int start : alternatives[r]) {
                for (int p = start; elements[p] != END && isRule(elements[p]); p++) {
                    to.add(ruleOf(elements[p]));
                    if (!nullable[ruleOf(elements[p])]) break;
                }
            }
            leads.add(to);
        }
        int[] mark = new int[n]; // 0 unvisited, 1 on the path, 2 done
        for (int r = 0; r < n; r++) if (mark[r] == 0) visit(r, leads, mark);
    }

    private static void visit(int root, List<List<Integer>> leads, int[] mark) {
        // Iterative depth-first search (schemas may nest deeply).
        int[] stack = new int[leads.size() + 1], next = new int[leads.size() + 1];
        int depth = 0;
        stack[0] = root;
        mark[root] = 1;
        while (depth >= 0) {
            int r = stack[depth];
            if (next[depth] < leads.get(r).size()) {
                int s = leads.get(r).get(next[depth]++);
                if (mark[s] == 1) throw new IllegalArgumentException("the grammar refers to itself without reading anything in between (rule " + s + ")");
                if (mark[s] == 0) {
                    mark[s] = 1;
                    stack[++depth] = s;
                    next[depth] = 0;
                }
            } else {
                mark[r] = 2;
                depth--;
            }
        }
    }
}
