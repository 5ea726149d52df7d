package dev.jllm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.jllm.chat.BuiltinTemplate;
import dev.jllm.chat.ChatTemplate;
import dev.jllm.chat.ToolCallFormat;
import dev.jllm.chat.jinja.TemplateException;
import dev.jllm.sampling.JsonValues;
import dev.jllm.tokenizer.Tokenizer;
import dev.jllm.tokenizer.Vocabulary;

/**
 * A model's chat format: its template (the GGUF's own or a built-in one), the stop strings that
 * end an assistant turn, and the BOS/EOS texts the template may write. Built once per model
 * ({@link Model#chatFormat()}); immutable and thread-safe (rendering is).
 */
final class ChatFormat {
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final List<String> stopStrings;
    private final String bosText, eosText;
    private final ToolCallFormat toolFormat;
    private final Map<String, Object> defaultArguments;

    /** @param ownTemplate the template to use (the file's own, or one given instead), or null for a built-in one */
    ChatFormat(Tokenizer tokenizer, String ownTemplate) {
        this(tokenizer, ownTemplate, Map.of());
    }

    /** @param defaultArguments extra template variables for every prompt (a call's own arguments win) */
    ChatFormat(Tokenizer tokenizer, String ownTemplate, Map<String, Object> defaultArguments) {
        this.defaultArguments = new LinkedHashMap<>(defaultArguments);
        this.tokenizer = tokenizer;
        Vocabulary v = tokenizer.vocabulary();
        Set<String> specials = new HashSet<>();
        for (int id = 0; id < v.size(); id++) {
            if (v.isControl(id) || v.isUserDefined(id)) specials.add(v.text(id));
        }
        this.template = ChatTemplate.forModel(ownTemplate, specials);
        BuiltinTemplate family = ChatTemplate.detectBuiltin(ownTemplate, specials);
        this.stopStrings = template.builtinFamily() != null ? template.stopStrings() : family.stopStrings().stream()
                .filter(s -> !specials.contains(s)) // special tokens end the turn as end-of-generation ids already
                .toList();
        this.bosText = v.bos() >= 0 ? v.text(v.bos()) : "";
        this.eosText = v.eos() >= 0 ? v.text(v.eos()) : "";
        this.toolFormat = ToolCallFormat.detect(template.source());
    }

    String source() {
        return template.source();
    }

    List<String> stopStrings() {
        return stopStrings;
    }

    /** The conversation as the template writes it, with the tools shown when there are any. */
    String render(List<ChatMessage> messages, List<Tool> tools, boolean addGenerationPrompt) {
        return render(messages, tools, Map.of(), addGenerationPrompt);
    }

    /** Variables the template gets from jllm itself, which template arguments may not replace. */
    static final java.util.Set<String> RESERVED = java.util.Set.of("messages", "tools", "add_generation_prompt", "bos_token", "eos_token");

    /**
     * The conversation as the template writes it, with the tools shown when there are any and
     * extra template arguments (Hugging Face's {@code apply_chat_template} keyword arguments, e.g.
     * {@code enable_thinking}).
     */
    String render(List<ChatMessage> messages, List<Tool> tools, Map<String, ?> arguments, boolean addGenerationPrompt) {
        List<Map<String, Object>> list = new ArrayList<>();
        Map<String, String> callNames = new HashMap<>();
        for (ChatMessage m : messages) {
            Map<String, Object> msg = new LinkedHashMap<>();
            msg.put("role", m.role());
            msg.put("content", m.content());
            if (!m.toolCalls().isEmpty()) {
                List<Map<String, Object>> calls = new ArrayList<>();
                for (ToolCall c : m.toolCalls()) {
                    callNames.put(c.id(), c.name());
                    Map<String, Object> function = new LinkedHashMap<>();
                    function.put("name", c.name());
                    function.put("arguments", toTemplateValue(JsonValues.parse(c.arguments()))); // templates write it with tojson
                    Map<String, Object> call = new LinkedHashMap<>();
                    call.put("id", c.id());
                    call.put("type", "function");
                    call.put("function", function);
                    calls.add(call);
                }
                msg.put("tool_calls", calls);
            }
            if (m.toolCallId() != null) {
                msg.put("tool_call_id", m.toolCallId());
                String name = callNames.get(m.toolCallId());
                if (name != null) msg.put("name", name);
            }
            list.add(msg);
        }
        Map<String, Object> vars = new LinkedHashMap<>(defaultArguments);
        for (var a : arguments.entrySet()) {
            if (RESERVED.contains(a.getKey())) throw new IllegalArgumentException("the template argument '" + a.getKey() + "' is set by jllm itself");
            vars.put(a.getKey(), a.getValue());
        }
        vars.put("messages", list);
        if (!tools.isEmpty()) {
            List<Map<String, Object>> shown = new ArrayList<>();
            for (Tool t : tools) {
                Map<String, Object> function = new LinkedHashMap<>();
                function.put("name", t.name());
                function.put("description", t.description());
                function.put("parameters", toTemplateValue(JsonValues.parse(t.parameters())));
                Map<String, Object> tool = new LinkedHashMap<>();
                tool.put("type", "function");
                tool.put("function", function);
                shown.add(tool);
            }
            vars.put("tools", shown);
        }
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.put("bos_token", bosText);
        vars.put("eos_token", eosText);
        try {
            return template.render(vars);
        } catch (TemplateException e) {
            throw new JllmException("the chat template failed: " + e.getMessage(), e);
        }
    }

    /** The conversation as the template writes it. */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, List.of(), addGenerationPrompt);
    }

    /** A parsed JSON value in the types templates take (numbers as Long or Double, JSON null as null). */
    private static Object toTemplateValue(Object json) {
        if (json == JsonValues.NULL) return null;
        if (json instanceof java.math.BigDecimal d) {
            try {
                return d.longValueExact();
            } catch (ArithmeticException e) {
                return d.doubleValue();
            }
        }
        if (json instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (var e : m.entrySet()) out.put((String) e.getKey(), toTemplateValue(e.getValue()));
            return out;
        }
        if (json instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) out.add(toTemplateValue(o));
            return out;
        }
        return json;
    }

    /**
     * Tokenizes rendered text with special tokens recognised. BOS is added when the vocabulary
     * asks for it and the template did not already write it (as llama.cpp avoids a double BOS).
     */
    int[] tokenize(String rendered) {
        int[] ids = tokenizer.encode(rendered, false, true);
        Vocabulary v = tokenizer.vocabulary();
        if (v.addBos() && v.bos() >= 0 && (ids.length == 0 || ids[0] != v.bos())) {
            int[] withBos = new int[ids.length + 1];
            withBos[0] = v.bos();
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            ids = withBos;
        }
        return ids;
    }

    ChatPrompt prompt(List<ChatMessage> messages) {
        String text = render(messages, true);
        return new ChatPrompt(text, tokenize(text), stopStrings);
    }

    /**
     * The prompt with tools shown to the model.
     *
     * @throws ToolsNotSupportedException if the template has no tool-call syntax jllm reads
     * @throws IllegalArgumentException if the choice names an unknown tool, or forces a call
     *                                  whose parameters cannot be enforced
     */
    ChatPrompt prompt(List<ChatMessage> messages, List<Tool> tools, ToolChoice choice, Map<String, ?> arguments) {
        if (tools.isEmpty() && choice.forced()) throw new IllegalArgumentException("tool_choice " + choice.mode().name().toLowerCase() + " needs tools");
        ToolCalling calling = tools.isEmpty() ? null : toolCalling(tools, choice);
        String text = render(messages, tools, arguments, true);
        return new ChatPrompt(text, tokenize(text), stopStrings, calling);
    }

    /**
     * Tool calling with these tools and this choice in the template's syntax.
     *
     * @throws ToolsNotSupportedException if the template has no tool-call syntax jllm reads
     */
    ToolCalling toolCalling(List<Tool> tools, ToolChoice choice) {
        if (toolFormat == null) {
            throw new ToolsNotSupportedException("this model's chat template does not show tools in a syntax jllm reads (Hermes <tool_call>, "
                    + "Llama 3.1 JSON, Mistral [TOOL_CALLS], Qwen 3.5 <function=>, GLM <arg_key>); use a template that does (--chat-template) or send no tools");
        }
        return new ToolCalling(toolFormat, tools, choice);
    }
}
