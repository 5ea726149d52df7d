package dev.jllm.chat.jinja;

import static dev.jllm.chat.jinja.JinjaTestSupport.render;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/** trim_blocks, lstrip_blocks, the - and + modifiers, comments, raw blocks and newline handling. */
class WhitespaceControlTest {
    @Test
    void trimBlocksDropsTheNewlineAfterABlockTagButNotAfterAPrintTag() {
        assertEquals("a\nb\n", render("{% if true %}\na\n{% endif %}\n{{ 'b' }}\n\n"));
    }

    @Test
    void lstripBlocksDropsIndentationBeforeBlockTagsOnly() {
        // the {% if %} line disappears entirely; the indentation of "  b" and before {{ }} stays
        assertEquals("a\n  b\n  x\n", render("a\n  {% if true %}\n  b\n  {{ 'x' }}\n  {% endif %}\n"));
    }

    @Test
    void lstripBlocksKeepsTextThatIsNotOnlyWhitespaceBeforeTheTag() {
        assertEquals("x  y", render("x  {% if true %}y{% endif %}"));
    }

    @Test
    void lstripBlocksAppliesAtTheStartOfTheTemplateAndToTabs() {
        assertEquals("A", render(" \t{% if true %}A{% endif %}"));
    }

    @Test
    void plusModifierKeepsIndentationAndNewline() {
        assertEquals("  \nA", render("  {%+ if true +%}\nA{% endif %}"));
    }

    @Test
    void minusModifierStripsAllWhitespaceIncludingNewlines() {
        assertEquals("a|b", render("a \n\n {{- '|' -}} \n\t b"));
        assertEquals("ab", render("a\n  {%- if true -%}\n  b\n{%- endif %}"));
    }

    @Test
    void minusModifierStripsPythonWhitespaceNotJustAscii() {
        // U+3000 (ideographic space) is whitespace to Python's str.rstrip()
        assertEquals("a|", render("a\u3000{{- '|' }}"));
    }

    @Test
    void commentsDisappearWithTheirLineWhenAlone() {
        assertEquals("a\nb", render("a\n  {# note #}\nb"));
        assertEquals("ab", render("a {#- multi\nline -#} b"));
    }

    @Test
    void aSingleTrailingNewlineOfTheSourceIsDropped() {
        assertEquals("x", render("x\n"));
        assertEquals("x\n", render("x\n\n"));
    }

    @Test
    void windowsLineEndingsAreNormalised() {
        assertEquals("a\nb\n", render("a\r\n{% if true %}\r\nb\r\n{% endif %}\r\n"));
    }

    @Test
    void rawBlocksAreNotInterpreted() {
        assertEquals("a {{ x }} {% if %} b", render("a {% raw %}{{ x }} {% if %}{% endraw %} b"));
        assertEquals("a{{ x }}b", render("a {%- raw -%} {{ x }} {%- endraw -%} b"));
    }

    @Test
    void bracesInsideExpressionsDoNotCloseTheTag() {
        assertEquals("{'a': {'b': 1}}", render("{{ {'a': {'b': 1}}}}"));
    }

    @Test
    void tagsMaySpanLines() {
        assertEquals("yes", render("{%\nif\nflag\n%}yes{%\nendif\n%}", "flag", true));
    }

    @Test
    void loopBodyWhitespaceAsChatTemplatesWriteIt() {
        String src = """
                {%- for m in messages %}
                    {{- '<' + m + '>' }}
                {%- endfor %}
                """;
        assertEquals("<a><b>", render(src, "messages", List.of("a", "b")));
    }

    @Test
    void generationTagRendersItsBody() {
        assertEquals("[x]", render("[{% generation %}{{ 'x' }}{% endgeneration %}]"));
    }
}
