package dev.jllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.jllm.chat.ToolCallFormat;

/**
 * {@link ReplyStream}: fed a reply in any chunking, its parts say what {@link ChatPrompt#parseReply}
 * says of the whole reply, text before a call streams at once, and a call's tag is never shown.
 */
class ReplyStreamTest {
    static final List<Tool> TOOLS = List.of(new Tool("get_weather", "", "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"days\":{\"type\":\"integer\"}}}"));

    static ChatPrompt prompt(ToolCallFormat format, String promptText) {
        return new ChatPrompt(promptText, new int[]{1}, List.of(), new ToolCalling(format, TOOLS, ToolChoice.auto()));
    }

    record Case(ToolCallFormat format, String prompt, String reply) {}

    static final Case[] CASES = {
            new Case(ToolCallFormat.HERMES, "", "It is sunny in Oslo today."),
            new Case(ToolCallFormat.HERMES, "", "Let me check.\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>"),
            new Case(ToolCallFormat.HERMES, "", "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n</tool_call>"),
            new Case(ToolCallFormat.HERMES, "", "<think>\nThe user wants weather.\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {}}\n</tool_call>"),
            new Case(ToolCallFormat.HERMES, "", "I tried <tool_call>{\"name\": broken</tool_call> but failed."),
            new Case(ToolCallFormat.HERMES, "", "Tags like <tool are fine < here."),
            new Case(ToolCallFormat.HERMES, "<|im_start|>assistant\n<think>\n", "hmm\n</think>\n\nSunny."),
            new Case(ToolCallFormat.LLAMA3, "", "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}"),
            new Case(ToolCallFormat.LLAMA3, "", "The weather is {unknown} to me."),
            new Case(ToolCallFormat.LLAMA3, "", "{not a call at all"),
            new Case(ToolCallFormat.MISTRAL, "", "[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}]"),
            new Case(ToolCallFormat.MISTRAL, "", "No calls today."),
            new Case(ToolCallFormat.QWEN_XML, "", "Checking.\n<tool_call>\n<function=get_weather>\n<parameter=city>\nOslo\n</parameter>\n<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>"),
            new Case(ToolCallFormat.GLM, "", "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Oslo</arg_value>\n</tool_call>"),
    };

    @Test
    void partsSayWhatTheWholeReplySays() {
        Random r = new Random(2);
        for (Case c : CASES) {
            ChatPrompt p = prompt(c.format(), c.prompt());
            AssistantReply whole = p.parseReply(c.reply());
            for (int trial = 0; trial < 100; trial++) {
                ReplyStream s = p.replyStream(true);
                List<ReplyStream.Part> parts = new ArrayList<>();
                StringBuilder streamedContent = new StringBuilder();
                int at = 0;
                while (at < c.reply().length()) {
                    int n = 1 + r.nextInt(5);
                    for (ReplyStream.Part part : s.push(c.reply().substring(at, Math.min(c.reply().length(), at + n)))) {
                        parts.add(part);
                        if (part.kind() == ReplyStream.Kind.CONTENT) streamedContent.append(part.text());
                    }
                    at += n;
                }
                ReplyStream.End end = s.finish();
                parts.addAll(end.parts());
                StringBuilder reasoning = new StringBuilder(), content = new StringBuilder();
                for (ReplyStream.Part part : parts) (part.kind() == ReplyStream.Kind.REASONING ? reasoning : content).append(part.text());
                assertEquals(whole.reasoning(), reasoning.toString(), c.reply());
                assertEquals(whole.content().strip(), content.toString().strip(), c.reply());
                assertEquals(whole.toolCalls().size(), end.toolCalls().size(), c.reply());
                for (int i = 0; i < whole.toolCalls().size(); i++) {
                    assertEquals(whole.toolCalls().get(i).name(), end.toolCalls().get(i).name());
                    assertEquals(whole.toolCalls().get(i).arguments(), end.toolCalls().get(i).arguments());
                }
                if (!end.toolCalls().isEmpty()) assertFalse(content.toString().contains("<tool_call"), "a call's tag is never shown: " + content);
                if (c.reply().startsWith("Let me check.")) assertTrue(streamedContent.toString().startsWith("Let me check."), "text before a call streams at once");
            }
        }
    }

    @Test
    void withoutToolsOrWithChoiceNoneEverythingStreams() {
        ChatPrompt none = new ChatPrompt("", new int[]{1}, List.of(), new ToolCalling(ToolCallFormat.HERMES, TOOLS, ToolChoice.none()));
        String reply = "<tool_call>{\"name\": \"get_weather\", \"arguments\": {}}</tool_call>";
        ReplyStream s = none.replyStream(true);
        StringBuilder out = new StringBuilder();
        for (ReplyStream.Part p : s.push(reply)) out.append(p.text());
        assertEquals(reply, out.toString());
        assertEquals(List.of(), s.finish().toolCalls());
        ChatPrompt plain = new ChatPrompt("", new int[]{1}, List.of());
        ReplyStream raw = plain.replyStream(false);
        assertEquals(List.of(new ReplyStream.Part(ReplyStream.Kind.CONTENT, "<think>x</think>y")), raw.push("<think>x</think>y"),
                "thinking not told apart: all content, as written");
    }
}
