package dev.jllm.chat.jinja;

import static dev.jllm.chat.jinja.JinjaTestSupport.map;
import static dev.jllm.chat.jinja.JinjaTestSupport.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Jinja2's lenient Undefined: harmless when printed or tested, an error when really used. */
class UndefinedSemanticsTest {
    @Test
    void printsAsEmptyAndIsFalsy() {
        assertEquals("[]", render("[{{ missing }}]"));
        assertEquals("no", render("{% if missing %}yes{% else %}no{% endif %}"));
        assertEquals("none", render("{% for x in missing %}{{ x }}{% else %}none{% endfor %}"));
    }

    @Test
    void lengthIsZeroAndMembershipIsFalse() {
        assertEquals("0 False", render("{{ missing|length }} {{ 'x' in missing }}"));
    }

    @Test
    void missingKeysAndAttributesOfNoneAreUndefined() {
        assertEquals("False False False", render("{{ m.nope is defined }} {{ m['nope'] is defined }} {{ none.x is defined }}",
                "m", map("a", 1)));
        assertEquals("False", render("{{ (l[5]) is defined }}", "l", java.util.List.of(1)));
    }

    @Test
    void attributeOrItemOfUndefinedRaises() {
        assertEquals("UndefinedError", assertThrows(TemplateException.class, () -> render("{{ missing.x }}")).errorType());
        assertEquals("UndefinedError", assertThrows(TemplateException.class, () -> render("{{ missing['x'] }}")).errorType());
        assertEquals("'missing' is undefined", assertThrows(TemplateException.class, () -> render("{{ missing.x }}")).getMessage());
    }

    @Test
    void callingOrAddingUndefinedRaises() {
        assertThrows(UndefinedException.class, () -> render("{{ missing() }}"));
        assertThrows(UndefinedException.class, () -> render("{{ missing + 1 }}"));
        assertThrows(UndefinedException.class, () -> render("{{ 'a' + missing }}"));
        assertThrows(UndefinedException.class, () -> render("{{ missing < 1 }}"));
        assertThrows(UndefinedException.class, () -> render("{{ -missing }}"));
    }

    @Test
    void tildeTreatsUndefinedAsEmpty() {
        assertEquals("a|b", render("{{ 'a' ~ missing ~ '|' ~ 'b' }}"));
    }

    @Test
    void definedTestsAndNegationPrecedence() {
        // `not x is defined` is `not (x is defined)`
        assertEquals("True False True", render("{{ not x is defined }} {{ x is defined }} {{ x is undefined }}"));
    }

    @Test
    void undefinedIsIterableSequenceButNotMappingOrString() {
        // as the Python object: it has __iter__, __len__ and __getitem__
        assertEquals("True True False False False", render(
                "{{ x is iterable }} {{ x is sequence }} {{ x is mapping }} {{ x is string }} {{ x is none }}"));
    }

    @Test
    void undefinedEqualsOnlyUndefined() {
        assertEquals("True False False", render("{{ a == b }} {{ a == none }} {{ a == '' }}"));
    }

    @Test
    void defaultFilterReplacesUndefinedButNotFalsyUnlessAsked() {
        assertEquals("d||d|None", render("{{ x|default('d') }}|{{ ''|default('d') }}|{{ ''|default('d', true) }}|{{ none|default('d') }}"));
    }

    @Test
    void inlineIfWithoutElseIsUndefined() {
        assertEquals("[] False", render("[{{ 'x' if false }}] {{ ('x' if false) is defined }}"));
    }

    @Test
    void stringFiltersSeeUndefinedAsEmpty() {
        assertEquals("[][][]", render("[{{ x|trim }}][{{ x|upper }}][{{ x|string }}]"));
    }

    @Test
    void previtemAndNextitemAreUndefinedAtTheEnds() {
        assertEquals("False-True|True-False|", render(
                "{% for i in [1, 2] %}{{ loop.previtem is defined }}-{{ loop.nextitem is defined }}|{% endfor %}"));
    }
}
