package dev.jllm.sampling;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs a {@link Grammar} byte by byte as a deterministic automaton built lazily: a state is the
 * set of parse stacks the bytes so far allow (llama.cpp's grammar stacks), and each state's
 * 256 successors are worked out the first time they are asked for and kept. Masking a
 * vocabulary then costs one array lookup per token byte, however complex the grammar.
 *
 * <p>Stacks are hash-consed: a stack node is (position of the next element, parent node), the
 * parent being where to continue when the alternative ends; node 0 is the empty stack, which
 * means the text so far is a complete sentence. The top of every stack in a state reads a byte
 * (references are expanded eagerly). A reference that is the last element of its alternative
 * continues straight with the parent (no new node), so repetitions written as right recursion
 * keep stacks flat and the number of states finite.
 *
 * <p>Not thread-safe; one per generation.
 */
public final class GrammarMatcher {
    /** The state of a text no sentence of the grammar begins with. */
    public static final int DEAD = -1;

    private static final int UNKNOWN = -2;
    /** Beyond this many successor tables (1 KiB each) all are dropped and rebuilt as needed. */
    private static final int MAX_TABLES = 20_000;
    /** A state with more stacks than this means an ambiguous grammar has blown up. */
    private static final int MAX_STACKS = 4_096;

    private final Grammar grammar;
    // Stack nodes.
    private int[] nodePosition = new int[256], nodeParent = new int[256];
    private int nodes = 1; // node 0: the empty stack
    private final Map<Long, Integer> nodeIds = new HashMap<>();
    // States.
    private final Map<StackSet, Integer> stateIds = new HashMap<>();
    private int[][] stateStacks = new int[64][];
    private int[][] successors = new int[64][];
    private int states, tables;
    private final int start;

    public GrammarMatcher(Grammar grammar) {
        this.grammar = grammar;
        IntSet first = new IntSet();
        for (int alt : grammar.alternatives[0]) expand(alt, 0, first);
        start = intern(first.sorted());
    }

    /** The state before any byte. */
    public int start() {
        return start;
    }

    /** The state after reading byte {@code b} (0–255) in state {@code state}, or {@link #DEAD}. */
    public int next(int state, int b) {
        int[] row = successors[state];
        if (row == null) {
            if (tables == MAX_TABLES) {
                Arrays.fill(successors, 0, states, null);
                tables = 0;
            }
            row = new int[256];
            Arrays.fill(row, UNKNOWN);
            successors[state] = row;
            tables++;
        }
        int s = row[b];
        if (s == UNKNOWN) row[b] = s = advance(state, b);
        return s;
    }

    /**
     * The successors of {@code state} for all 256 bytes ({@link #DEAD} where a byte does not fit).
     * The array belongs to the matcher: read it, do not change it.
     */
    public int[] successors(int state) {
        int[] row = null;
        for (int b = 0; b < 256; b++) {
            next(state, b);
            if (row == null) row = successors[state];
        }
        return row;
    }

    /** The state after reading {@code bytes}, or {@link #DEAD}. */
    public int next(int state, byte[] bytes) {
        for (int i = 0; i < bytes.length && state != DEAD; i++) state = next(state, bytes[i] & 0xFF);
        return state;
    }

    /** Whether the text read to {@code state} is a complete sentence. */
    public boolean accepting(int state) {
        return stateStacks[state][0] == 0; // sorted: the empty stack comes first
    }

    /** Whether the text read to {@code state} is complete and nothing may follow it. */
    public boolean finished(int state) {
        int[] s = stateStacks[state];
        return s.length == 1 && s[0] == 0;
    }

    private int advance(int state, int b) {
        IntSet out = new IntSet();
        for (int node : stateStacks[state]) {
            if (node == 0) continue;
            int pos = nodePosition[node];
            if (grammar.matches(grammar.elements[pos], b)) expand(pos + 1, nodeParent[node], out);
        }
        return out.size() == 0 ? DEAD : intern(out.sorted());
    }

    /** Adds to {@code out} every stack whose top reads a byte, starting at element {@code pos} with continuation {@code parent}. */
    private void expand(int pos, int parent, IntSet out) {
        int e = grammar.elements[pos];
        if (e == Grammar.END) {
            if (parent == 0) out.add(0);
            else expand(nodePosition[parent], nodeParent[parent], out);
        } else if (!Grammar.isRule(e)) {
            out.add(node(pos, parent));
            if (out.size() > MAX_STACKS) throw new IllegalStateException("the grammar is too ambiguous: more than " + MAX_STACKS + " parses at once");
        } else {
            int continuation = grammar.elements[pos + 1] == Grammar.END ? parent : node(pos + 1, parent);
            for (int alt : grammar.alternatives[Grammar.ruleOf(e)]) expand(alt, continuation, out);
        }
    }

    private int node(int pos, int parent) {
        long key = ((long) pos << 32) | (parent & 0xFFFFFFFFL);
        Integer id = nodeIds.get(key);
        if (id != null) return id;
        if (nodes == nodePosition.length) {
            nodePosition = Arrays.copyOf(nodePosition, nodes * 2);
            nodeParent = Arrays.copyOf(nodeParent, nodes * 2);
        }
        nodePosition[nodes] = pos;
        nodeParent[nodes] = parent;
        nodeIds.put(key, nodes);
        return nodes++;
    }

    private int intern(int[] stacks) {
        StackSet key = new StackSet(stacks);
        Integer id = stateIds.get(key);
        if (id != null) return id;
        if (states == stateStacks.length) {
            stateStacks = Arrays.copyOf(stateStacks, states * 2);
            successors = Arrays.copyOf(successors, states * 2);
        }
        stateStacks[states] = stacks;
        stateIds.put(key, states);
        return states++;
    }

    private record StackSet(int[] stacks) {
        @Override public boolean equals(Object o) {
            return o instanceof StackSet s && Arrays.equals(stacks, s.stacks);
        }

        @Override public int hashCode() {
            return Arrays.hashCode(stacks);
        }
    }

    /** A small set of ints (stack node ids). */
    private static final class IntSet {
        private int[] items = new int[8];
        private int size;

        void add(int v) {
            for (int i = 0; i < size; i++) if (items[i] == v) return;
            if (size == items.length) items = Arrays.copyOf(items, size * 2);
            items[size++] = v;
        }

        int size() {
            return size;
        }

        int[] sorted() {
            int[] out = Arrays.copyOf(items, size);
            Arrays.sort(out);
            return out;
        }
    }
}
