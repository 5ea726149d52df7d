package dev.jllm.chat.jinja;

import static dev.jllm.chat.jinja.JinjaTestSupport.map;
import static dev.jllm.chat.jinja.JinjaTestSupport.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

class FiltersTest {
    static final List<Object> MESSAGES = List.of(
            map("role", "system", "content", "S"),
            map("role", "user", "content", "U1"),
            map("role", "assistant", "content", "A1", "tool_calls", List.of()),
            map("role", "user", "content", "U2"));

    @Test
    void selectattrRejectattrAndMapAttribute() {
        assertEquals("U1,U2", render("{{ m|selectattr('role', 'equalto', 'user')|map(attribute='content')|join(',') }}", "m", MESSAGES));
        assertEquals("S,A1", render("{{ m|rejectattr('role', 'equalto', 'user')|map(attribute='content')|join(',') }}", "m", MESSAGES));
        assertEquals("1", render("{{ m|selectattr('tool_calls', 'defined')|list|length }}", "m", MESSAGES));
        assertEquals("['x', 'x', 'x', 'x']", render("{{ m|map(attribute='nope', default='x')|list }}", "m", MESSAGES));
    }

    @Test
    void selectRejectAndMapByName() {
        assertEquals("[1, 3]", render("{{ [1, 2, 3]|select('odd')|list }}"));
        assertEquals("['b']", render("{{ ['a', 'b']|reject('equalto', 'a')|list }}"));
        assertEquals("A-B", render("{{ ['a', 'b']|map('upper')|join('-') }}"));
        assertEquals("[1, 'x']", render("{{ [0, 1, '', 'x', none]|select|list }}"));
    }

    @Test
    void generatorsAreSingleUseAndHaveNoLength() {
        assertEquals("[1][]", render("{% set g = [1]|select %}{{ g|list }}{{ g|list }}"));
        assertEquals("TypeError", assertThrows(TemplateException.class, () -> render("{{ [1]|select|length }}")).errorType());
    }

    @Test
    void itemsAndDictsort() {
        assertEquals("b=1;A=2;", render("{% for k, v in d|items %}{{ k }}={{ v }};{% endfor %}", "d", map("b", 1, "A", 2)));
        // case-insensitive by default, so 'A' sorts before 'b'
        assertEquals("[('A', 2), ('b', 1)]", render("{{ d|dictsort }}", "d", map("b", 1, "A", 2)));
        assertEquals("[('b', 1), ('A', 2)]", render("{{ d|dictsort(by='value') }}", "d", map("b", 1, "A", 2)));
    }

    @Test
    void sortIsStableAndCaseInsensitiveByDefault() {
        assertEquals("['a', 'B', 'c']", render("{{ ['c', 'B', 'a']|sort }}"));
        assertEquals("['B', 'a', 'c']", render("{{ ['c', 'B', 'a']|sort(case_sensitive=true) }}"));
        assertEquals("[3, 2, 1]", render("{{ [1, 3, 2]|sort(reverse=true) }}"));
        // equal keys keep their original order (x1 before y1)
        assertEquals("x1 y1 x2", render("{{ l|sort(attribute='n')|map(attribute='id')|join(' ') }}",
                "l", List.of(map("id", "x2", "n", 2), map("id", "x1", "n", 1), map("id", "y1", "n", 1))));
        assertEquals("TypeError", assertThrows(TemplateException.class, () -> render("{{ [1, 'a']|sort }}")).errorType());
    }

    @Test
    void uniqueKeepsFirstOccurrenceIgnoringCase() {
        assertEquals("['a', 'b', 1]", render("{{ ['a', 'A', 'b', 1, 1.0]|unique|list }}"));
    }

    @Test
    void joinUsesPythonStr() {
        assertEquals("1|None|True|1.5|[1]", render("{{ [1, none, true, 1.5, [1]]|join('|') }}"));
    }

    @Test
    void trimRemovesPythonWhitespace() {
        assertEquals("[x]", render("[{{ s|trim }}]", "s", "\u00a0\u3000\u2028 x\u001f\t\n"));
        assertEquals("[x]", render("[{{ '--x-'|trim('-') }}]"));
    }

    @Test
    void indentFollowsJinja() {
        assertEquals("a\n    b\n\n    c", render("{{ 'a\nb\n\nc'|indent }}"));
        assertEquals("  a\n  b", render("{{ 'a\nb'|indent(2, first=true) }}"));
        assertEquals("a\n  \n  b", render("{{ 'a\n\nb'|indent(2, blank=true) }}"));
    }

    @Test
    void stringConversionsAndCase() {
        assertEquals("42|[1]|None|none|ABC|Hello World|Hello-World", render(
                "{{ 42|string }}|{{ [1]|string }}|{{ none|string }}|{{ none|lower }}|{{ 'abc'|upper }}|{{ 'hello world'|title }}|{{ 'hELLO-world'|title }}"));
        assertEquals("Abc", render("{{ 'aBC'|capitalize }}"));
    }

    @Test
    void replaceLengthListFirstLast() {
        assertEquals("\"x\"", render("{{ \"'x'\"|replace(\"'\", '\"') }}"));
        assertEquals("2 3 0", render("{{ 'ab'|length }} {{ [1, 2, 3]|count }} {{ {}|length }}"));
        assertEquals("['a', 'b'] ['k'] a b", render("{{ 'ab'|list }} {{ {'k': 1}|list }} {{ 'ab'|first }} {{ 'ab'|last }}"));
    }

    @Test
    void lengthCountsCodePoints() {
        assertEquals("4", render("{{ s|length }}", "s", "a👍🏽b")); // U+1F44D U+1F3FD are one code point each
    }

    @Test
    void numericFilters() {
        assertEquals("3 42 4 0 3.5 0.0 3 2.57 2 4 2.0", render(
                "{{ 3.7|int }} {{ '42'|int }} {{ '4.9'|int }} {{ 'x'|int }} {{ '3.5'|float }} {{ 'x'|float }} {{ -3|abs }} "
                        + "{{ 2.567|round(2) }} {{ 2|round }} {{ 3.5|round|int }} {{ 2.5|round }}"));
        assertEquals("6 3 1", render("{{ [1, 2, 3]|sum }} {{ [1, 3, 2]|max }} {{ [2, 1]|min }}"));
    }

    @Test
    void formatFiltersAndStringFormatting() {
        assertEquals("a-3-02.5|x=1", render("{{ '%s-%d-%04.1f'|format('a', 3, 2.5) }}|{{ 'x=%(v)s' % {'v': 1} }}"));
        assertEquals("1 a|  a|3.14", render("{{ '{} {}'.format(1, 'a') }}|{{ '{:>3}'.format('a') }}|{{ '{:.2f}'.format(3.14159) }}"));
    }

    @Test
    void safeMarkupEscapesWhatIsAddedToIt() {
        // markupsafe: str + Markup escapes the plain string
        assertEquals("&lt;b&gt;<i>", render("{{ '<b>' + ('<i>'|safe) }}"));
        assertEquals("&lt;&amp;&gt;&#34;&#39;", render("{{ '<&>\"\\''|escape }}"));
    }

    @Test
    void batchAndSlice() {
        assertEquals("[[1, 2], [3, 0]] [[1, 2], [3]]", render("{{ [1, 2, 3]|batch(2, 0)|list }} {{ [1, 2, 3]|slice(2)|list }}"));
    }

    @Test
    void unknownFilterFailsAtCompileTimeOutsideIf() {
        TemplateException e = assertThrows(TemplateSyntaxException.class, () -> JinjaTemplate.compile("{{ x|nope }}"));
        assertEquals("TemplateAssertionError", e.errorType());
        // inside an if, Jinja2 defers the check to the moment the filter runs
        assertEquals("ok", render("{% if false %}{{ x|nope }}{% endif %}ok"));
        assertEquals("TemplateRuntimeError", assertThrows(TemplateException.class,
                () -> render("{% if true %}{{ x|nope }}{% endif %}")).errorType());
    }
}
