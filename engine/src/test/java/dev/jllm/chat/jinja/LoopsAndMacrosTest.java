package dev.jllm.chat.jinja;

import static dev.jllm.chat.jinja.JinjaTestSupport.map;
import static dev.jllm.chat.jinja.JinjaTestSupport.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

class LoopsAndMacrosTest {
    @Test
    void loopVariables() {
        assertEquals("1/0/3/2/True/False|2/1/2/1/False/False|3/2/1/0/False/True|", render(
                "{% for x in l %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/"
                        + "{{ loop.first }}/{{ loop.last }}|{% endfor %}", "l", List.of("a", "b", "c")));
        assertEquals("-a-b|a-b-c|b-c-|", render(
                "{% for x in l %}{{ loop.previtem }}-{{ x }}-{{ loop.nextitem }}|{% endfor %}", "l", List.of("a", "b", "c")));
    }

    @Test
    void inlineIfFiltersBeforeLoopCounts() {
        assertEquals("1/2:b 2/2:c ", render("{% for x in l if x != 'a' %}{{ loop.index }}/{{ loop.length }}:{{ x }} {% endfor %}",
                "l", List.of("a", "b", "c")));
    }

    @Test
    void tupleUnpackingAndElse() {
        assertEquals("a=1,b=2,", render("{% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %}", "d", map("a", 1, "b", 2)));
        assertEquals("empty", render("{% for x in [] %}x{% else %}empty{% endfor %}"));
        assertEquals("ValueError", assertThrows(TemplateException.class,
                () -> render("{% for a, b in [[1, 2, 3]] %}{% endfor %}")).errorType());
    }

    @Test
    void breakAndContinue() {
        assertEquals("13", render("{% for x in [1, 2, 3] %}{% if x == 2 %}{% continue %}{% endif %}{{ x }}{% endfor %}"));
        assertEquals("1", render("{% for x in [1, 2, 3] %}{% if x == 2 %}{% break %}{% endif %}{{ x }}{% endfor %}"));
    }

    @Test
    void setInsideLoopIsLocalToTheIteration() {
        assertEquals("[5][5]5", render("{% set x = 5 %}{% for i in [1, 2] %}[{{ x }}]{% set x = i %}{% endfor %}{{ x }}"));
        assertEquals("2", render("{% set x = 1 %}{% if true %}{% set x = 2 %}{% endif %}{{ x }}"));
    }

    @Test
    void namespaceCarriesStateOutOfLoops() {
        assertEquals("6 True", render("{% set ns = namespace(total=0) %}{% for i in [1, 2, 3] %}"
                + "{% set ns.total = ns.total + i %}{% set ns.seen = true %}{% endfor %}{{ ns.total }} {{ ns.seen }}"));
        assertEquals("TemplateRuntimeError", assertThrows(TemplateException.class,
                () -> render("{% set d = {} %}{% set d.x = 1 %}")).errorType());
    }

    @Test
    void recursiveLoop() {
        Object tree = List.of(map("n", "a", "c", List.of(map("n", "b", "c", List.of()))), map("n", "c", "c", List.of()));
        assertEquals("<a1<b2>><c1>", render("{% for x in t recursive %}<{{ x.n }}{{ loop.depth }}{{ loop(x.c) }}>{% endfor %}", "t", tree));
    }

    @Test
    void loopCycleAndChanged() {
        assertEquals("odd even odd ", render("{% for i in [1, 2, 3] %}{{ loop.cycle('odd', 'even') }} {% endfor %}"));
        assertEquals("TrueFalseTrue", render("{% for i in [1, 1, 2] %}{{ loop.changed(i) }}{% endfor %}"));
    }

    @Test
    void macroDefaultsKeywordsAndVarargs() {
        String m = "{% macro m(a, b=2, c='x') %}[{{ a }}{{ b }}{{ c }}]{% endmacro %}";
        assertEquals("[12x][13x][12z][02x]", render(m + "{{ m(1) }}{{ m(1, 3) }}{{ m(1, c='z') }}{{ m(b=2, a=0) }}"));
        assertEquals("[2x]", render(m + "{{ m() }}")); // a missing parameter is undefined, printed empty
        assertEquals("(2, 3){'k': 4}", render("{% macro v(a) %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ v(1, 2, 3, k=4) }}"));
        assertEquals("TypeError", assertThrows(TemplateException.class,
                () -> render("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}")).errorType());
        assertEquals("TypeError", assertThrows(TemplateException.class,
                () -> render("{% macro m(a) %}{% endmacro %}{{ m(b=1) }}")).errorType());
    }

    @Test
    void macrosRecurseAndReturnTheirText() {
        assertEquals("5*4*3*2*1", render("{% macro f(n) %}{% if n <= 1 %}1{% else %}{{ n }}*{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(5) }}"));
        assertEquals("AB", render("{% macro m() %} a b {% endmacro %}{{ (m()|trim|upper).replace(' ', '') }}"));
    }

    @Test
    void macrosSeeTheirDefiningScopeLive() {
        // like a Python closure: the latest value of the enclosing variable, not the caller's
        assertEquals("2", render("{% set v = 1 %}{% macro show() %}{{ v }}{% endmacro %}{% set v = 2 %}{{ show() }}"));
        assertEquals("[]", render("{% macro show() %}[{{ i }}]{% endmacro %}{% for i in [1] %}{{ show() }}{% endfor %}"));
    }

    @Test
    void setBlockFilterBlockAndWith() {
        assertEquals("[x 1]|ABC|HEY 1|5", render(
                "{% set b %}x {{ n }}{% endset %}[{{ b }}]|{% set u | upper %}abc{% endset %}{{ u }}|"
                        + "{% filter upper %}hey {{ n }}{% endfilter %}|{% with q = 5 %}{{ q }}{% endwith %}{{ q }}", "n", 1));
    }

    @Test
    void rangeAndNamespaceGlobals() {
        assertEquals("[0, 1, 2] [5, 3, 1] range(0, 3) 1", render(
                "{{ range(3)|list }} {{ range(5, 0, -2)|list }} {{ range(3) }} {{ namespace({'a': 1}).a }}"));
    }
}
