package dev.jllm;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.jllm.chat.BuiltinTemplate;
import dev.jllm.chat.ChatTemplate;
import dev.jllm.chat.jinja.TemplateException;
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

    ChatFormat(Tokenizer tokenizer, String ownTemplate) {
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
    }

    String source() {
        return template.source();
    }

    List<String> stopStrings() {
        return stopStrings;
    }

    /** The conversation as the template writes it. */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> msg = new LinkedHashMap<>();
            msg.put("role", m.role());
            msg.put("content", m.content());
            list.add(msg);
        }
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("messages", list);
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.put("bos_token", bosText);
        vars.put("eos_token", eosText);
        try {
            return template.render(vars);
        } catch (TemplateException e) {
            throw new JllmException("the chat template failed: " + e.getMessage(), e);
        }
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
}
