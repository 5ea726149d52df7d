package dev.jllm.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.chat.jinja.TemplateException;
import dev.jllm.testing.TestData;

/**
 * Renders the 25 reference chat templates over the 10 reference conversations and compares with
 * what Jinja2 3.1.6 produced ({@code shared/templates/expected/*.json}): byte-identical text, or
 * the same failure where Jinja2 failed (same message for {@code raise_exception}).
 */
class ChatTemplateConformanceTest {
    /** JSON as Python's json module reads it: ordered dicts, int vs float kept apart. */
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_LONG_FOR_INTS);
    static final Clock REFERENCE_CLOCK = Clock.fixed(Instant.parse("2024-07-26T00:00:00Z"), ZoneOffset.UTC);

    static Object readJson(Path p) throws IOException {
        return JSON.readValue(p.toFile(), Object.class);
    }

    static List<Path> templates(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jinja")).sorted().toList();
        }
    }

    static String baseName(Path template) {
        String f = template.getFileName().toString();
        return f.substring(0, f.length() - ".jinja".length());
    }

    @TestFactory
    Stream<DynamicNode> referenceCases() throws IOException {
        Path conversationsFile = TestData.require("templates/conversations.json");
        Path dir = conversationsFile.getParent();
        @SuppressWarnings("unchecked") List<Map<String, Object>> conversations = (List<Map<String, Object>>) readJson(conversationsFile);
        List<DynamicNode> containers = new ArrayList<>();
        for (Path templateFile : templates(dir)) {
            String name = baseName(templateFile);
            String source = Files.readString(templateFile, StandardCharsets.UTF_8);
            @SuppressWarnings("unchecked") Map<String, Object> expected =
                    (Map<String, Object>) readJson(dir.resolve("expected/" + name + ".json"));
            @SuppressWarnings("unchecked") List<Map<String, Object>> cases = (List<Map<String, Object>>) expected.get("cases");
            assertEquals(conversations.size(), cases.size(), name + ": one case per conversation");
            List<DynamicNode> tests = new ArrayList<>();
            for (int i = 0; i < cases.size(); i++) {
                Map<String, Object> conversation = conversations.get(i);
                Map<String, Object> expectedCase = cases.get(i);
                String bos = (String) expected.get("bos_token");
                String eos = (String) expected.get("eos_token");
                tests.add(dynamicTest(name + " / " + conversation.get("name"), () -> {
                    assertEquals(conversation.get("name"), expectedCase.get("conversation"));
                    runCase(source, conversation, expectedCase, bos, eos);
                }));
            }
            containers.add(DynamicContainer.dynamicContainer(name, tests));
        }
        assertEquals(25, containers.size(), "number of reference templates");
        return containers.stream();
    }

    private static void runCase(String source, Map<String, Object> conversation, Map<String, Object> expectedCase,
                                String bos, String eos) {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("messages", conversation.get("messages"));
        vars.put("add_generation_prompt", conversation.get("add_generation_prompt"));
        vars.put("bos_token", bos);
        vars.put("eos_token", eos);
        if (conversation.containsKey("tools")) vars.put("tools", conversation.get("tools"));
        if (conversation.get("chat_template_kwargs") instanceof Map<?, ?> kwargs) {
            kwargs.forEach((k, v) -> vars.put((String) k, v));
        }
        ChatTemplate template = ChatTemplate.compile(source).withClock(REFERENCE_CLOCK);
        if (expectedCase.containsKey("expected")) {
            assertEquals(expectedCase.get("expected"), template.render(vars));
        } else {
            TemplateException e = assertThrows(TemplateException.class, () -> template.render(vars));
            String type = (String) expectedCase.get("error_type");
            assertEquals(type, e.errorType(), "error type; message: " + e.getMessage());
            if (type.equals("raise_exception")) assertEquals(expectedCase.get("error"), e.getMessage());
        }
    }

    /** {@link TemplateConformance#document} reproduces each reference file, field for field. */
    @TestFactory
    Stream<DynamicNode> conformanceDocuments() throws IOException {
        Path conversationsFile = TestData.require("templates/conversations.json");
        Path dir = conversationsFile.getParent();
        @SuppressWarnings("unchecked") List<Object> conversations = (List<Object>) readJson(conversationsFile);
        List<DynamicNode> tests = new ArrayList<>();
        for (Path templateFile : templates(dir)) {
            String name = baseName(templateFile);
            tests.add(dynamicTest(name, () -> {
                @SuppressWarnings("unchecked") Map<String, Object> expected =
                        (Map<String, Object>) readJson(dir.resolve("expected/" + name + ".json"));
                String source = Files.readString(templateFile, StandardCharsets.UTF_8);
                Map<String, Object> doc = TemplateConformance.document(templateFile.getFileName().toString(), source,
                        (String) expected.get("model"), conversations, (String) expected.get("conversations_file"),
                        (String) expected.get("bos_token"), (String) expected.get("eos_token"),
                        TemplateConformance.REFERENCE_MOMENT);
                assertEquals(List.copyOf(expected.keySet()), List.copyOf(doc.keySet()), "field order");
                for (String key : expected.keySet()) {
                    if (key.equals("cases")) continue;
                    assertEquals(expected.get(key), doc.get(key), key);
                }
                @SuppressWarnings("unchecked") List<Map<String, Object>> want = (List<Map<String, Object>>) expected.get("cases");
                @SuppressWarnings("unchecked") List<Map<String, Object>> got = (List<Map<String, Object>>) doc.get("cases");
                assertEquals(want.size(), got.size());
                for (int i = 0; i < want.size(); i++) {
                    Map<String, Object> w = want.get(i), g = got.get(i);
                    assertEquals(List.copyOf(w.keySet()), List.copyOf(g.keySet()), "case fields of " + w.get("conversation"));
                    // Python's own wording is only comparable for errors the template raised itself
                    if (!"raise_exception".equals(w.get("error_type")) && w.containsKey("error")) {
                        assertTrue(g.get("error") instanceof String s && !s.isEmpty());
                        assertEquals(w.get("error_type"), g.get("error_type"));
                    } else {
                        assertEquals(w, g);
                    }
                }
            }));
        }
        return tests.stream();
    }
}
