package dev.jllm.chat.jinja;

import static dev.jllm.chat.jinja.JinjaTestSupport.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ErrorsAndLimitsTest {
    @Test
    void raiseExceptionCarriesExactlyTheMessage() {
        RaisedException e = assertThrows(RaisedException.class,
                () -> render("{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"));
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
        assertEquals("raise_exception", e.errorType());
    }

    @Test
    void sandboxRefusesMutatingMethods() {
        for (String src : List.of("{{ l.append(1) }}", "{{ l.pop() }}", "{{ l.sort() }}", "{{ d.update({}) }}",
                "{{ d.pop('a') }}", "{{ d.setdefault('a', 1) }}", "{{ d.clear() }}")) {
            TemplateException e = assertThrows(TemplateException.class,
                    () -> render(src, "l", new java.util.ArrayList<>(List.of(1)), "d", new java.util.HashMap<>(Map.of("a", 1))), src);
            assertEquals("SecurityError", e.errorType(), src);
        }
        // merely mentioning the attribute is harmless, as in Jinja2
        assertEquals("[]", render("[{{ l.append }}]", "l", List.of()));
    }

    @Test
    void noAccessToJavaInternals() {
        assertEquals("[][][]", render("[{{ s.getClass }}][{{ s.__class__ }}][{{ l.getClass() if false }}]", "s", "x", "l", List.of()));
        assertThrows(UndefinedException.class, () -> render("{{ s.getClass() }}", "s", "x"));
        assertThrows(UndefinedException.class, () -> render("{{ o.toString() }}", "o", new Object()));
    }

    @Test
    void syntaxErrorsCarryALine() {
        TemplateSyntaxException e = assertThrows(TemplateSyntaxException.class, () -> JinjaTemplate.compile("a\n{% for %}"));
        assertEquals(2, e.line());
        assertEquals("TemplateSyntaxError", e.errorType());
        for (String src : List.of("{{ 1 + }}", "{% if x %}unclosed", "{{ 'unterminated }}", "{% endfor %}",
                "{% macro m(a=1, b) %}{% endmacro %}", "{% break %}", "{% include 'x' %}", "{{ (1 }}", "{{ ) }}",
                "{# unclosed comment", "{% raw %} no end")) {
            assertThrows(TemplateSyntaxException.class, () -> JinjaTemplate.compile(src), src);
        }
    }

    @Test
    void recursionBombFailsCleanly() {
        TemplateException e = assertThrows(TemplateException.class,
                () -> render("{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}"));
        assertEquals("RecursionError", e.errorType());
    }

    @Test
    void recursionBombFailsCleanlyOnASmallThreadStack() throws Exception {
        String bomb = "{% macro r(n) %}{% for i in [1] %}{% if true %}{{ r(n + 1) | trim }}{% endif %}{% endfor %}{% endmacro %}{{ r(0) }}";
        JinjaTemplate t = JinjaTemplate.compile(bomb);
        Throwable[] thrown = new Throwable[1];
        Thread thread = new Thread(null, () -> {
            try {
                t.render(Map.of(), JinjaTestSupport.CLOCK);
            } catch (Throwable ex) {
                thrown[0] = ex;
            }
        }, "small-stack", 256 * 1024);
        thread.start();
        thread.join();
        assertTrue(thrown[0] instanceof TemplateLimitException, String.valueOf(thrown[0]));
        assertEquals("RecursionError", ((TemplateException) thrown[0]).errorType());
    }

    @Test
    void loopBombFailsCleanly() {
        JinjaTemplate bomb = JinjaTemplate.compile("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
                Limits.DEFAULT.withMaxSteps(200_000));
        TemplateLimitException e = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> assertThrows(TemplateLimitException.class, () -> bomb.render(Map.of(), JinjaTestSupport.CLOCK)));
        assertEquals("ResourceLimitError", e.errorType());
    }

    @Test
    void outputAndStringBombsFailCleanly() {
        JinjaTemplate doubling = JinjaTemplate.compile("{% set ns = namespace(s='x') %}{% for i in range(100) %}"
                + "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}", Limits.DEFAULT.withMaxOutputChars(1 << 20));
        assertThrows(TemplateLimitException.class, () -> doubling.render(Map.of(), JinjaTestSupport.CLOCK));
        assertThrows(TemplateLimitException.class, () -> render("{{ 'x' * 1000000000000 }}"));
        JinjaTemplate printing = JinjaTemplate.compile("{% for i in range(100000) %}0123456789{% endfor %}",
                Limits.DEFAULT.withMaxOutputChars(100_000));
        assertThrows(TemplateLimitException.class, () -> printing.render(Map.of(), JinjaTestSupport.CLOCK));
        assertThrows(TemplateRuntimeException.class, () -> render("{{ range(1000000)|length }}")); // sandbox MAX_RANGE
    }

    @Test
    void deeplyNestedSourceIsRejectedAtCompileTime() {
        String deep = "{{ " + "(".repeat(5000) + "1" + ")".repeat(5000) + " }}";
        assertThrows(TemplateSyntaxException.class, () -> JinjaTemplate.compile(deep));
        String chain = "{{ " + "1 + ".repeat(5000) + "1 }}";
        assertThrows(TemplateSyntaxException.class, () -> JinjaTemplate.compile(chain));
        String blocks = "{% if true %}".repeat(5000);
        assertThrows(TemplateSyntaxException.class, () -> JinjaTemplate.compile(blocks));
    }

    @Test
    void deeplyNestedDataFailsCleanlyInTojson() {
        Object nested = List.of();
        for (int i = 0; i < 5000; i++) nested = List.of(nested);
        Object data = nested;
        assertThrows(TemplateLimitException.class, () -> render("{{ x|tojson }}", "x", data));
        assertThrows(TemplateLimitException.class, () -> render("{{ x }}", "x", data));
    }
}
