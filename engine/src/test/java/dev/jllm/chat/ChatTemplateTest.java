package dev.jllm.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import dev.jllm.chat.jinja.RaisedException;
import dev.jllm.chat.jinja.TemplateSyntaxException;

class ChatTemplateTest {
    @Test
    void strftimeNowReadsTheInjectedClock() {
        ChatTemplate t = ChatTemplate.compile("{{ strftime_now('%d %b %Y') }}");
        Clock clock = Clock.fixed(Instant.parse("2023-12-31T23:30:00Z"), ZoneOffset.ofHours(2)); // local: Jan 1st
        assertEquals("01 Jan 2024", t.withClock(clock).render(Map.of()));
        String today = t.render(Map.of()); // default clock: the system's current time
        assertTrue(today.matches("\\d\\d [A-Z][a-z]{2} \\d{4}"), today);
    }

    @Test
    void variablesShadowGlobals() {
        assertEquals("mine", ChatTemplate.compile("{{ range }}").render(Map.of("range", "mine")));
    }

    @Test
    void errorsAreTyped() {
        assertThrows(TemplateSyntaxException.class, () -> ChatTemplate.compile("{% if %}"));
        RaisedException e = assertThrows(RaisedException.class,
                () -> ChatTemplate.compile("{{ raise_exception('no system role') }}").render(Map.of()));
        assertEquals("no system role", e.getMessage());
    }

    @Test
    void renderingIsThreadSafe() throws Exception {
        ChatTemplate t = ChatTemplate.compile("{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}"
                + "{{ loop.index }}:{{ m }}{% if not loop.last %},{% endif %}{% endfor %}|{{ ns.n }}");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                int n = i % 7;
                results.add(pool.submit(() -> {
                    List<Object> messages = new ArrayList<>();
                    StringBuilder expected = new StringBuilder();
                    for (int k = 0; k < n; k++) {
                        messages.add("m" + k);
                        if (k > 0) expected.append(',');
                        expected.append(k + 1).append(":m").append(k);
                    }
                    expected.append('|').append(n);
                    for (int rep = 0; rep < 50; rep++) {
                        if (!expected.toString().equals(t.render(Map.of("messages", messages)))) return false;
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) assertTrue(f.get());
        } finally {
            pool.shutdownNow();
        }
    }
}
