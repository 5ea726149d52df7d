package dev.jllm.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.testing.TestData;

/** {@link ToolCallFormat}: which templates teach which syntax, and reading replies in each. */
class ToolCallFormatTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static final Map<String, ToolCallFormat> EXPECTED = new LinkedHashMap<>();
    static {
        for (String t : new String[]{"Qwen-Qwen2.5-7B-Instruct", "Qwen-Qwen3-0.6B", "Qwen-QwQ-32B",
                "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use", "ibm-granite-granite-4.0"}) EXPECTED.put(t, ToolCallFormat.HERMES);
        EXPECTED.put("meta-llama-Llama-3.1-8B-Instruct", ToolCallFormat.LLAMA3);
        EXPECTED.put("meta-llama-Llama-3.2-3B-Instruct", ToolCallFormat.LLAMA3);
        EXPECTED.put("mistralai-Mistral-Nemo-Instruct-2407", ToolCallFormat.MISTRAL);
        EXPECTED.put("Qwen3.5-4B", ToolCallFormat.QWEN_XML);
        EXPECTED.put("GLM-4.6", ToolCallFormat.GLM);
    }

    static String template(String name) throws Exception {
        return Files.readString(TestData.require("templates/" + name + ".jinja"));
    }

    /** Every shared template is recognised as the syntax it teaches, or as none when jllm does not read its syntax. */
    @Test
    void formatsAreRecognisedFromTheTemplates() throws Exception {
        Path dir = TestData.require("templates");
        int seen = 0;
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jinja")).toList()) {
                String name = f.getFileName().toString().replace(".jinja", "");
                assertEquals(EXPECTED.get(name), ToolCallFormat.detect(Files.readString(f)), name);
                seen++;
            }
        }
        assertTrue(seen >= 20, "templates seen: " + seen);
    }

    /**
     * The reader reads what the template writes: an assistant turn with tool calls, rendered by
     * each recognised template, parses back into the same calls.
     */
    @Test
    void eachFormatReadsTheCallsItsTemplatesWrite() throws Exception {
        JsonNode conversations = JSON.readTree(TestData.require("templates/conversations.json").toFile());
        JsonNode conversation = null;
        for (JsonNode c : conversations) if (c.get("name").asText().equals("tool_call_and_result")) conversation = c;
        assertNotNull(conversation);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> messages = JSON.convertValue(conversation.get("messages"), List.class);
        Object tools = JSON.convertValue(conversation.get("tools"), List.class);
        List<Map<String, Object>> userOnly = List.of(messages.get(0));
        List<Map<String, Object>> withCall = List.of(messages.get(0), messages.get(1));
        Map<String, Object> call = ((List<Map<String, Map<String, Object>>>) messages.get(1).get("tool_calls")).get(0).get("function");
        for (var e : EXPECTED.entrySet()) {
            ChatTemplate t = ChatTemplate.compile(template(e.getKey()));
            String before = t.render(vars(userOnly, tools, true));
            String after = t.render(vars(withCall, tools, false));
            // The assistant turn is what follows the common beginning (QwQ's generation prompt opens a <think> the history does not keep).
            int common = 0;
            while (common < Math.min(before.length(), after.length()) && before.charAt(common) == after.charAt(common)) common++;
            if (common < before.length()) common = before.lastIndexOf('\n', common - 1) + 1; // back to the start of the line they differ in
            assertTrue(common > before.length() - 10, e.getKey() + ": the assistant turn follows the prompt");
            String reply = after.substring(common);
            for (String end : new String[]{"<|im_end|>", "<|eot_id|>", "<|eom_id|>", "</s>", "<|end_of_text|>"}) {
                int at = reply.lastIndexOf(end);
                if (at >= 0) reply = reply.substring(0, at);
            }
            // The schema's types, as ToolCalling passes them: location and unit are strings, include_forecast a boolean.
            // Thinking comes off first, as ChatPrompt.parseReply does (Qwen 3.5's prompt opens a <think> block
            // that its history closes; QwQ's history drops the block altogether).
            if (reply.contains("</think>")) reply = ReasoningStream.split(reply, ReasoningStream.opensThinking(before))[1];
            ToolCallFormat.Parsed parsed = e.getValue().parse(reply, (f, p) -> p.equals("include_forecast") ? "boolean" : "string");
            assertEquals(1, parsed.calls().size(), e.getKey() + " wrote " + reply);
            assertEquals(call.get("name"), parsed.calls().get(0).name());
            assertEquals(JSON.valueToTree(call.get("arguments")), JSON.readTree(parsed.calls().get(0).arguments()), e.getKey());
            assertEquals("", parsed.content(), e.getKey() + " wrote " + reply);
        }
    }

    static Map<String, Object> vars(List<Map<String, Object>> messages, Object tools, boolean generationPrompt) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("messages", new ArrayList<>(messages));
        v.put("tools", tools);
        v.put("add_generation_prompt", generationPrompt);
        v.put("bos_token", "<s>");
        v.put("eos_token", "</s>");
        return v;
    }

    /**
     * Forced calls in every syntax: the grammar accepts the calls the format's own parser reads
     * (each syntax's call for the same arguments), and after a prompt that opened a thinking block,
     * only once the block is closed.
     */
    @Test
    void forcedCallGrammarsAcceptWhatTheParsersRead() {
        Object schema = dev.jllm.sampling.JsonValues.parse("""
                {"type":"object","properties":{"city":{"type":"string","maxLength":10},"unit":{"type":"string","enum":["c","f"]},"days":{"type":"integer"}},"required":["city"]}""");
        Map<String, Object> tools = Map.of("get_weather", schema);
        Map<ToolCallFormat, String> calls = Map.of(
                ToolCallFormat.HERMES, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"days\": 3}}\n</tool_call>",
                ToolCallFormat.LLAMA3, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\", \"days\": 3}}",
                ToolCallFormat.MISTRAL, "[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"days\": 3}}]",
                ToolCallFormat.QWEN_XML, "<tool_call>\n<function=get_weather>\n<parameter=city>\nOslo\n</parameter>\n<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>",
                ToolCallFormat.GLM, "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Oslo</arg_value>\n<arg_key>days</arg_key>\n<arg_value>3</arg_value>\n</tool_call>");
        for (var e : calls.entrySet()) {
            ToolCallFormat f = e.getKey();
            String call = e.getValue();
            assertEquals(List.of(new ToolCallFormat.Call("get_weather", "{\"city\":\"Oslo\",\"days\":3}")),
                    f.parse(call, (fn, p) -> p.equals("days") ? "integer" : "string").calls(), f + " reads it");
            assertTrue(accepts(f.forcedCall(tools, false), call), f + " accepts " + call);
            assertTrue(!accepts(f.forcedCall(tools, false), call.replace("Oslo", "Oslo is a long name")), f + ": maxLength holds");
            assertTrue(accepts(f.forcedCall(tools, true), "Rain, probably.\n</think>\n\n" + call), f + " after thinking");
            assertTrue(!accepts(f.forcedCall(tools, true), call), f + ": an open thinking block must close first");
        }
        assertTrue(!accepts(ToolCallFormat.QWEN_XML.forcedCall(tools, false), calls.get(ToolCallFormat.QWEN_XML).replace("<parameter=city>\nOslo\n</parameter>\n", "")),
                "a required parameter cannot be left out");
    }

    /**
     * Text in the XML syntaxes ends at its closing tag, so it may hold '<' — code, markup,
     * comparisons — and thinking before a forced call may too; only the closing tag itself
     * cannot appear inside.
     */
    @Test
    void xmlStringValuesAndThinkingMayHoldAngleBrackets() {
        Object schema = dev.jllm.sampling.JsonValues.parse("""
                {"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}},"required":["path","content"]}""");
        Map<String, Object> tools = Map.of("write_file", schema);
        String html = "<html>\n<p>a < b</p>\n</html>";
        String qwen = "<tool_call>\n<function=write_file>\n<parameter=path>\nindex.html\n</parameter>\n<parameter=content>\n" + html
                + "\n</parameter>\n</function>\n</tool_call>";
        String glm = "<tool_call>write_file\n<arg_key>path</arg_key>\n<arg_value>index.html</arg_value>\n<arg_key>content</arg_key>\n<arg_value>" + html
                + "</arg_value>\n</tool_call>";
        assertTrue(accepts(ToolCallFormat.QWEN_XML.forcedCall(tools, false), qwen));
        assertTrue(accepts(ToolCallFormat.GLM.forcedCall(tools, false), glm));
        assertEquals(List.of(new ToolCallFormat.Call("write_file", "{\"path\":\"index.html\",\"content\":\"<html>\\n<p>a < b</p>\\n</html>\"}")),
                ToolCallFormat.QWEN_XML.parse(qwen, (fn, p) -> "string").calls(), "the parser reads such a value back");
        assertTrue(!accepts(ToolCallFormat.QWEN_XML.forcedCall(tools, false), qwen.replace(html, "x\n</parameter>\ny")),
                "the closing tag cannot be inside a value");
        assertTrue(!accepts(ToolCallFormat.GLM.forcedCall(tools, false), glm.replace(html, "x</arg_value>y")));
        assertTrue(accepts(ToolCallFormat.QWEN_XML.forcedCall(tools, true), "if a < b then <b>yes</b>\n</think>\n\n" + qwen), "thinking with '<'");
        assertTrue(!accepts(ToolCallFormat.QWEN_XML.forcedCall(tools, true), "done</think> more </think>\n" + qwen), "thinking ends at the first </think>");
    }

    /** The automaton behind those values on tags whose prefixes repeat, where a naive "no '<'" or restart-on-mismatch rule goes wrong. */
    @Test
    void textThenTagEndsAtTheFirstOccurrence() {
        var b = new dev.jllm.sampling.Grammar.Builder();
        int start = b.rule();
        b.alt(start, b.ref(b.textThen("abab", "")));
        var g = b.build();
        for (String ok : List.of("abab", "aabab", "ababab".substring(2), "abaabab", "xyzabab", "ab abaabab", "ééabab")) assertTrue(accepts(g, ok), ok);
        for (String no : List.of("", "aba", "ababab", "abab x", "ababxabab")) assertTrue(!accepts(g, no), no);
    }

    static boolean accepts(dev.jllm.sampling.Grammar g, String text) {
        var m = new dev.jllm.sampling.GrammarMatcher(g);
        int s = m.next(m.start(), text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return s != dev.jllm.sampling.GrammarMatcher.DEAD && m.accepting(s);
    }

    @Test
    void repliesAreSplitIntoTextAndCalls() {
        var hermes = ToolCallFormat.HERMES.parse("Let me look.\n<tool_call>\n{\"name\": \"a\", \"arguments\": {\"x\": 1}}\n</tool_call>\n"
                + "<tool_call>{\"name\": \"b\", \"arguments\": \"{\\\"y\\\": [true]}\"}</tool_call>");
        assertEquals("Let me look.", hermes.content());
        assertEquals(List.of(new ToolCallFormat.Call("a", "{\"x\":1}"), new ToolCallFormat.Call("b", "{\"y\":[true]}")), hermes.calls());

        var broken = ToolCallFormat.HERMES.parse("<tool_call>{\"name\": \"a\", \"arguments\": {\"x\": </tool_call> and more");
        assertEquals(List.of(), broken.calls(), "a call that does not parse stays text");
        assertEquals("<tool_call>{\"name\": \"a\", \"arguments\": {\"x\": </tool_call> and more", broken.content());

        var unclosed = ToolCallFormat.HERMES.parse("<tool_call>\n{\"name\": \"a\", \"arguments\": {}}");
        assertEquals(List.of(new ToolCallFormat.Call("a", "{}")), unclosed.calls(), "generation may end before the closing tag");

        assertEquals(List.of(new ToolCallFormat.Call("f", "{\"q\":\"x\"}")),
                ToolCallFormat.LLAMA3.parse("<|python_tag|>{\"name\": \"f\", \"parameters\": {\"q\": \"x\"}}").calls());
        assertEquals("The answer is {1}.", ToolCallFormat.LLAMA3.parse("The answer is {1}.").content());
        assertEquals(List.of(), ToolCallFormat.LLAMA3.parse("{\"city\": \"Oslo\"}").calls(), "JSON without a name is an answer");

        var mistral = ToolCallFormat.MISTRAL.parse("[{\"name\": \"f\", \"arguments\": {}}, {\"name\": \"g\", \"arguments\": {\"k\": null}}]");
        assertEquals(List.of(new ToolCallFormat.Call("f", "{}"), new ToolCallFormat.Call("g", "{\"k\":null}")), mistral.calls());
        assertEquals(1, ToolCallFormat.MISTRAL.parse("[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {}}]").calls().size());
        assertEquals("[1, 2]", ToolCallFormat.MISTRAL.parse("[1, 2]").content());

        ToolCallFormat.ParameterTypes types = (f, p) -> p.equals("city") || p.equals("code") ? "string" : null;
        var qwen = ToolCallFormat.QWEN_XML.parse("I will check.\n\n<tool_call>\n<function=get_weather>\n<parameter=city>\nSan Francisco\nCA\n</parameter>\n"
                + "<parameter=code>\n007\n</parameter>\n<parameter=days>\n3\n</parameter>\n<parameter=exact>\nTrue\n</parameter>\n"
                + "<parameter=opts>\n{\"a\": [1]}\n</parameter>\n</function>\n</tool_call>", types);
        assertEquals("I will check.", qwen.content());
        assertEquals(List.of(new ToolCallFormat.Call("get_weather",
                "{\"city\":\"San Francisco\\nCA\",\"code\":\"007\",\"days\":3,\"exact\":true,\"opts\":{\"a\":[1]}}")), qwen.calls());
        assertEquals(List.of(), ToolCallFormat.QWEN_XML.parse("<tool_call>\n<function=f>\nstray\n</function>\n</tool_call>").calls(),
                "text outside parameters is not a call");

        var glm = ToolCallFormat.GLM.parse("<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Oslo</arg_value>\n"
                + "<arg_key>days</arg_key>\n<arg_value>2</arg_value>\n</tool_call>", types);
        assertEquals(List.of(new ToolCallFormat.Call("get_weather", "{\"city\":\"Oslo\",\"days\":2}")), glm.calls());
        assertEquals(List.of(new ToolCallFormat.Call("now", "{}")), ToolCallFormat.GLM.parse("<tool_call>now</tool_call>").calls());
    }
}
