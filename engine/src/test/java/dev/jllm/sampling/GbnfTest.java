package dev.jllm.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * {@link Gbnf}: grammars without recursion are checked against the same language written as a
 * Java regular expression (the oracle): random texts over a small alphabet are accepted exactly
 * when the regex matches them, and random walks through the automaton end in texts it matches.
 * Recursive grammars are checked by hand-made cases.
 */
class GbnfTest {
    /** A grammar and the regex of its language. */
    record Case(String gbnf, String regex, String alphabet) {}

    static final Case[] REGULAR = {
            new Case("root ::= \"yes\" | \"no\"", "yes|no", "yesno"),
            new Case("root ::= [0-9]{1,3} (\",\" [0-9]{1,3})*", "[0-9]{1,3}(,[0-9]{1,3})*", "019,"),
            new Case("root ::= item+ \"!\"?\nitem ::= [a-c] | \"d\" [^a-c\\n]", "([a-c]|d[^a-c\\n])+!?", "abdxe!\n"),
            new Case("root ::= (\"ab\" | \"c\"){2,} x\n# comment line\nx ::= \"-\"? [0-9]{2}  # trailing comment", "(ab|c){2,}-?[0-9]{2}", "abc-09"),
            new Case("root ::= \"a\" (\n  \"b\" |\n  \"c\"\n) \"d\"{0,2}", "a(b|c)d{0,2}", "abcd"),
            new Case("root ::= [^\"\\\\]* \"\\\"\"", "[^\"\\\\]*\"", "a\"\\é日"),
            new Case("root ::= . . \"\\x41\" [\\u00e0-\\u00ff]", "..A[\\u00e0-\\u00ff]", "aAàÿé日z"),
            new Case("root ::= [α-ω]+ | [\\U0001F600-\\U0001F64F]", "[α-ω]+|[\\x{1F600}-\\x{1F64F}]", "αβωa😀🙏"),
            new Case("root ::= [^a]", "[^a]", "ab\u00e9\u65e5\ud83d\ude00"),
    };

    static boolean accepts(Grammar g, String text) {
        GrammarMatcher m = new GrammarMatcher(g);
        int s = m.next(m.start(), text.getBytes(StandardCharsets.UTF_8));
        return s != GrammarMatcher.DEAD && m.accepting(s);
    }

    @Test
    void regularGrammarsAcceptExactlyWhatTheirRegexMatches() {
        Random r = new Random(7);
        for (Case c : REGULAR) {
            Grammar g = Gbnf.parse(c.gbnf());
            Pattern regex = Pattern.compile(c.regex(), Pattern.DOTALL);
            int[] points = c.alphabet().codePoints().toArray();
            int matched = 0;
            for (int trial = 0; trial < 3000; trial++) {
                StringBuilder text = new StringBuilder();
                for (int n = r.nextInt(9); n > 0; n--) text.appendCodePoint(points[r.nextInt(points.length)]);
                boolean expected = regex.matcher(text).matches();
                assertEquals(expected, accepts(g, text.toString()), c.gbnf() + " on \"" + text + "\"");
                if (expected) matched++;
            }
            assertTrue(matched > 0 || c.gbnf().contains("{2,}"), "some random texts are sentences of " + c.gbnf());
        }
    }

    @Test
    void randomWalksEndInSentencesTheRegexMatches() {
        Random r = new Random(3);
        for (Case c : REGULAR) {
            Grammar g = Gbnf.parse(c.gbnf());
            Pattern regex = Pattern.compile(c.regex(), Pattern.DOTALL);
            GrammarMatcher m = new GrammarMatcher(g);
            int ended = 0;
            for (int walk = 0; walk < 200; walk++) {
                int s = m.start();
                java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                for (int step = 0; step < 60 && !m.finished(s); step++) {
                    if (m.accepting(s) && r.nextInt(3) == 0) break;
                    List<Integer> next = new ArrayList<>();
                    for (int b = 0; b < 256; b++) if (m.next(s, b) != GrammarMatcher.DEAD) next.add(b);
                    assertFalse(next.isEmpty(), "never stuck");
                    int b = next.get(r.nextInt(next.size()));
                    s = m.next(s, b);
                    bytes.write(b);
                }
                if (!m.accepting(s)) continue;
                ended++;
                byte[] raw = bytes.toByteArray();
                String text = new String(raw, StandardCharsets.UTF_8);
                assertTrue(java.util.Arrays.equals(raw, text.getBytes(StandardCharsets.UTF_8)), "well-formed UTF-8: " + text);
                assertTrue(regex.matcher(text).matches(), c.gbnf() + " produced \"" + text + "\"");
            }
            assertTrue(ended > 20, c.gbnf() + ": walks ended " + ended);
        }
    }

    @Test
    void recursiveGrammars() {
        Grammar arithmetic = Gbnf.parse("""
                root   ::= expr
                expr   ::= term ([-+] term)*
                term   ::= factor ([*/] factor)*
                factor ::= [0-9]+ | "(" expr ")"
                """);
        for (String ok : new String[]{"1", "1+2*3", "(1+2)*3", "((4))", "12/(3-1)+0"}) assertTrue(accepts(arithmetic, ok), ok);
        for (String bad : new String[]{"", "1+", "(1", "1)", "()", "1 + 2", "+1"}) assertFalse(accepts(arithmetic, bad), bad);

        Grammar list = Gbnf.parse("root ::= \"[\" (item (\", \" item)*)? \"]\"\nitem ::= [a-z]+ | root");
        for (String ok : new String[]{"[]", "[a]", "[a, [b, []], c]"}) assertTrue(accepts(list, ok), ok);
        for (String bad : new String[]{"[a,b]", "[a, ]", "[[]"}) assertFalse(accepts(list, bad), bad);
    }

    @Test
    void mistakesAreNamedWithTheirLineAndColumn() {
        String[][] cases = {
                {"root ::= \"a\" | b", "rule 'b' is used but not defined"},
                {"start ::= \"a\"", "no 'root' rule"},
                {"root ::= \"a\"\nroot ::= \"b\"", "line 2, column 1: rule 'root' is defined twice"},
                {"root ::= \"abc", "line 1, column 14: unterminated literal"},
                {"root ::= [a-", "unterminated character class"},
                {"root ::= [z-a]", "range ends before it begins"},
                {"root ::= * \"a\"", "'*' repeats nothing"},
                {"root ::= \"a\"{3,1}", "maximum is below the minimum"},
                {"root ::= (\"a\"", "expected ')'"},
                {"root = \"a\"", "expected '::='"},
                {"root ::= x\nx ::= x \"a\"", "refers to itself"},
                {"root ::= \"\\q\"", "unknown escape \\q"},
                {"root ::= \"a\" ]", "unexpected ']'"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gbnf.parse(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
        }
    }
}
