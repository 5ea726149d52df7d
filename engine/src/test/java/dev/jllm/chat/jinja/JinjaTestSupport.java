package dev.jllm.chat.jinja;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

/** Shorthand for rendering a template source with a few variables. */
final class JinjaTestSupport {
    private JinjaTestSupport() {}

    static final Clock CLOCK = Clock.fixed(Instant.parse("2024-07-26T00:00:00Z"), ZoneOffset.UTC);

    /** {@code render("{{ a }}", "a", 1)}: variables as alternating names and values. */
    static String render(String source, Object... namesAndValues) {
        return JinjaTemplate.compile(source).render(vars(namesAndValues), CLOCK);
    }

    static Map<String, Object> vars(Object... namesAndValues) {
        Map<String, Object> vars = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) vars.put((String) namesAndValues[i], namesAndValues[i + 1]);
        return vars;
    }

    /** An insertion-ordered map literal: {@code map("a", 1, "b", 2)}. */
    static Map<String, Object> map(Object... namesAndValues) {
        return vars(namesAndValues);
    }
}
