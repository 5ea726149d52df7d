package dev.jllm.chat.jinja;

import static dev.jllm.chat.jinja.JinjaTestSupport.map;
import static dev.jllm.chat.jinja.JinjaTestSupport.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Printing, operators, comparisons, indexing and string methods with Python semantics. */
class PythonValuesTest {
    @Test
    void printingUsesPythonStr() {
        assertEquals("True False None 1.0 [1, 'a'] {'k': None} (1,) ()", render(
                "{{ true }} {{ false }} {{ none }} {{ 1.0 }} {{ [1, 'a'] }} {{ {'k': none} }} {{ (1,) }} {{ () }}"));
        assertEquals("[\"it's\", 'say \"hi\"', '\\n\\\\', '\\x00', 'é', '\\xa0']",
                render("{{ l }}", "l", List.of("it's", "say \"hi\"", "\n\\", "\u0000", "é", "\u00a0")));
        assertEquals("[1, 2.5, None, True, {'a': [150.0]}]",
                render("{{ l }}", "l", Arrays.asList(1, 2.5, null, true, map("a", List.of(150.0)))));
    }

    @Test
    void floatReprMatchesPython() {
        assertEquals("150.0", PyRepr.floatRepr(150.0));
        assertEquals("129.9", PyRepr.floatRepr(129.9));
        assertEquals("0.30000000000000004", PyRepr.floatRepr(0.1 + 0.2));
        assertEquals("1e+16", PyRepr.floatRepr(1e16));
        assertEquals("1000000000000000.0", PyRepr.floatRepr(1e15));
        assertEquals("1e-05", PyRepr.floatRepr(1e-5));
        assertEquals("0.0001", PyRepr.floatRepr(1e-4));
        assertEquals("1.5e-07", PyRepr.floatRepr(1.5e-7));
        assertEquals("1.2345678901234568e+17", PyRepr.floatRepr(123456789012345678.0));
        assertEquals("-0.0 inf nan", PyRepr.floatRepr(-0.0) + " " + PyRepr.floatRepr(Double.POSITIVE_INFINITY) + " " + PyRepr.floatRepr(Double.NaN));
    }

    @Test
    void arithmeticFollowsPython() {
        assertEquals("2.5 3 -4 1 -2 2 2.0 -0.5 4 64 1180591620717411303424", render(
                "{{ 5 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 2 }} {{ 7 % -3 }} {{ true + 1 }} {{ 4 / 2 }} {{ 7.5 % -2 }} "
                        + "{{ -2 ** 2 }} {{ 2 ** 3 ** 2 }} {{ 2 ** 70 }}"));
        assertEquals("ababab [1, 2, 1, 2] xxx [1, 2]", render("{{ 'ab' * 3 }} {{ [1, 2] * 2 }} {{ 3 * 'x' }} {{ [1] + [2] }}"));
        assertEquals("ZeroDivisionError", assertThrows(TemplateException.class, () -> render("{{ 1 / 0 }}")).errorType());
    }

    @Test
    void stringPlusNonStringIsATypeError() {
        TemplateException e = assertThrows(TemplateException.class, () -> render("{{ 'a' + d }}", "d", map("k", 1)));
        assertEquals("TypeError", e.errorType());
        assertEquals("can only concatenate str (not \"dict\") to str", e.getMessage());
        assertEquals("TypeError", assertThrows(TemplateException.class, () -> render("{{ 'a' + none }}")).errorType());
        assertEquals("TypeError", assertThrows(TemplateException.class, () -> render("{{ 1 + 'a' }}")).errorType());
    }

    @Test
    void comparisonsAndMembership() {
        assertEquals("True False True True True True True True False", render(
                "{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 1 == 1.0 }} {{ true == 1 }} {{ [1, 2] < [1, 3] }} "
                        + "{{ 'ell' in 'hello' }} {{ 'k' in {'k': 1} }} {{ 3 not in [1, 2] }} {{ (1, 2) == [1, 2] }}"));
        assertEquals("TypeError", assertThrows(TemplateException.class, () -> render("{{ 1 < 'a' }}")).errorType());
        assertEquals("TypeError", assertThrows(TemplateException.class, () -> render("{{ 'a' in none }}")).errorType());
    }

    @Test
    void truthiness() {
        assertEquals("FFFFFFF TTTT", render("{% for v in [0, 0.0, '', [], {}, none, false] %}{{ 'T' if v else 'F' }}{% endfor %} "
                + "{% for v in [1, ' ', [0], {'a': none}] %}{{ 'T' if v else 'F' }}{% endfor %}"));
    }

    @Test
    void andOrReturnOperands() {
        assertEquals("x 0 b", render("{{ none or 'x' }} {{ 0 and 'y' }} {{ 'a' and 'b' }}"));
    }

    @Test
    void negativeIndexesAndSlices() {
        List<Object> l = List.of(1, 2, 3, 4);
        assertEquals("4 [2, 3, 4] [1, 2, 3] [4, 3, 2, 1] [1, 3] [4, 2] []", render(
                "{{ l[-1] }} {{ l[1:] }} {{ l[:-1] }} {{ l[::-1] }} {{ l[::2] }} {{ l[::-2] }} {{ l[10:] }}", "l", l));
        assertEquals("🏽👍a|👍🏽|bdf", render("{{ s[::-1] }}|{{ s[1:] }}|{{ 'abcdef'[1::2] }}", "s", "a👍🏽"));
    }

    @Test
    void attributeAndItemAccessAreInterchangeable() {
        Object m = map("role", "user", "items", 3);
        assertEquals("user user 3 True", render("{{ m.role }} {{ m['role'] }} {{ m['items'] }} {{ m.items is callable }}", "m", m));
        assertEquals("b c", render("{{ l.1 }} {{ l[2] }}", "l", List.of("a", "b", "c")));
    }

    @Test
    void stringMethods() {
        assertEquals("['a', 'b'] ['a', 'b,c'] ['a b', 'c'] ['x', 'y']", render(
                "{{ ' a  b '.split() }} {{ 'a,b,c'.split(',', 1) }} {{ 'a b c'.rsplit(' ', 1) }} {{ 'x\\ny'.splitlines() }}"));
        assertEquals("[x]|[x  ]|[  x]|[--x]", render("[{{ '  x  '.strip() }}]|[{{ '  x  '.lstrip() }}]|[{{ '  x  '.rstrip() }}]|[{{ '--x\\n\\n'.rstrip('\\n') }}]"));
        assertEquals("True True False", render("{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith(('x', 'c')) }} {{ 'abc'.startswith('b') }}"));
        assertEquals("a+b+c 2 -1 HI hi", render("{{ 'a-b-c'.replace('-', '+') }} {{ 'abc'.find('c') }} {{ 'abc'.find('z') }} {{ 'hi'.upper() }} {{ 'HI'.lower() }}"));
        assertEquals("x</think>y", render("{{ 'a<think>x</think>y'.split('<think>')[-1] }}"));
        assertEquals("ValueError", assertThrows(TemplateException.class, () -> render("{{ 'a'.split('') }}")).errorType());
    }

    @Test
    void stripUsesPythonWhitespace() {
        assertEquals("[x]", render("[{{ s.strip() }}]", "s", "\u2028\u3000\u00a0\u001cx\u001e\u0085"));
    }

    @Test
    void dictMethods() {
        Object d = map("a", 1, "b", null);
        assertEquals("1 None None 7 ['a', 'b'] [1, None] [('a', 1), ('b', None)]", render(
                "{{ d.get('a') }} {{ d.get('b', 5) }} {{ d.get('z') }} {{ d.get('z', 7) }} {{ d.keys()|list }} "
                        + "{{ d.values()|list }} {{ d.items()|list }}", "d", d));
    }

    @Test
    void immutableCallerMapsAcceptAnyKey() {
        // Map.of refuses containsKey(null); Python simply finds no such key
        assertEquals("False 1 False", render("{{ d[none] is defined }} {{ d[1.0] }} {{ none in d }}", "d", Map.of(1L, 1, "a", 2)));
    }

    @Test
    void stringLiteralEscapes() {
        assertEquals("ab\nAB\\q\u00e9", render("{{ 'a' 'b' }}{{ '\\n\\x41\\u0042\\\\q\\u00e9' }}"));
    }

    @Test
    void strftimeUsesTheInjectedClockAndEnglishNames() {
        assertEquals("26 Jul 2024|2024-07-26|July 26, 2024|Friday Fri 208 00 AM 12",
                render("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d') }}|{{ strftime_now('%B %d, %Y') }}|"
                        + "{{ strftime_now('%A %a %j %H %p %I') }}"));
    }
}
