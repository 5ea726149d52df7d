package dev.jllm.chat;

import java.util.List;
import java.util.Set;

import dev.jllm.chat.jinja.JinjaTemplate;

/**
 * Fallback chat formats for models whose GGUF carries no usable {@code tokenizer.chat_template},
 * written as templates for the same Jinja engine. Message content is expected to be a string;
 * other content (null, lists of parts) renders as empty.
 */
public enum BuiltinTemplate {
    /** Llama 3 / 3.x Instruct: header-delimited turns, each closed by {@code <|eot_id|>}. */
    LLAMA3("""
            {{- bos_token }}
            {%- for message in messages %}
                {%- set content = message['content'] if message['content'] is string else '' %}
                {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + content | trim + '<|eot_id|>' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
            {%- endif %}
            """, List.of("<|eot_id|>", "<|end_of_text|>")),

    /** ChatML (Qwen, Hermes, many fine-tunes): {@code <|im_start|>role\n...<|im_end|>\n}. */
    CHATML("""
            {%- for message in messages %}
                {%- set content = message['content'] if message['content'] is string else '' %}
                {{- '<|im_start|>' + message['role'] + '\\n' + content + '<|im_end|>\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
            {%- endif %}
            """, List.of("<|im_end|>")),

    /**
     * Llama 2 chat: {@code <s>[INST] <<SYS>>\nsystem\n<</SYS>>\n\nuser [/INST] answer </s>}; the
     * system prompt goes inside the first instruction. There is no separate generation prompt.
     */
    LLAMA2("""
            {%- if messages and messages[0]['role'] == 'system' %}
                {%- set system = messages[0]['content'] %}
                {%- set loop_messages = messages[1:] %}
            {%- else %}
                {%- set system = none %}
                {%- set loop_messages = messages %}
            {%- endif %}
            {%- for message in loop_messages %}
                {%- set content = message['content'] if message['content'] is string else '' %}
                {%- if message['role'] == 'user' %}
                    {%- if loop.first and system is string %}
                        {%- set content = '<<SYS>>\\n' + system + '\\n<</SYS>>\\n\\n' + content %}
                    {%- endif %}
                    {{- bos_token + '[INST] ' + content | trim + ' [/INST]' }}
                {%- elif message['role'] == 'assistant' %}
                    {{- ' ' + content | trim + ' ' + eos_token }}
                {%- endif %}
            {%- endfor %}
            """, List.of("</s>")),

    /**
     * Mistral Instruct, tokenizer v1 format: {@code <s>[INST] user [/INST] answer</s>[INST] ...};
     * a system prompt is prepended to the first user message, separated by a blank line.
     */
    MISTRAL("""
            {{- bos_token }}
            {%- if messages and messages[0]['role'] == 'system' %}
                {%- set system = messages[0]['content'] %}
                {%- set loop_messages = messages[1:] %}
            {%- else %}
                {%- set system = none %}
                {%- set loop_messages = messages %}
            {%- endif %}
            {%- for message in loop_messages %}
                {%- set content = message['content'] if message['content'] is string else '' %}
                {%- if message['role'] == 'user' %}
                    {%- if loop.first and system is string %}
                        {%- set content = system + '\\n\\n' + content %}
                    {%- endif %}
                    {{- '[INST] ' + content + ' [/INST]' }}
                {%- elif message['role'] == 'assistant' %}
                    {{- ' ' + content + eos_token }}
                {%- endif %}
            {%- endfor %}
            """, List.of("</s>")),

    /**
     * Gemma: {@code <start_of_turn>user\n...<end_of_turn>\n}, the assistant role is called
     * {@code model}, and a system prompt is merged into the first user turn.
     */
    GEMMA("""
            {{- bos_token }}
            {%- if messages and messages[0]['role'] == 'system' %}
                {%- set system = messages[0]['content'] %}
                {%- set loop_messages = messages[1:] %}
            {%- else %}
                {%- set system = none %}
                {%- set loop_messages = messages %}
            {%- endif %}
            {%- for message in loop_messages %}
                {%- set role = 'model' if message['role'] == 'assistant' else message['role'] %}
                {%- set content = message['content'] if message['content'] is string else '' %}
                {%- if loop.first and system is string %}
                    {%- set content = system + '\\n\\n' + content %}
                {%- endif %}
                {{- '<start_of_turn>' + role + '\\n' + content | trim + '<end_of_turn>\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<start_of_turn>model\\n' }}
            {%- endif %}
            """, List.of("<end_of_turn>")),

    /** Phi-3 / 3.5: {@code <|user|>\n...<|end|>\n<|assistant|>\n}. */
    PHI3("""
            {%- for message in messages %}
                {%- set content = message['content'] if message['content'] is string else '' %}
                {%- if message['role'] in ['system', 'user', 'assistant'] and (content or message['role'] != 'system') %}
                    {{- '<|' + message['role'] + '|>\\n' + content + '<|end|>\\n' }}
                {%- endif %}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|assistant|>\\n' }}
            {%- else %}
                {{- eos_token }}
            {%- endif %}
            """, List.of("<|end|>", "<|endoftext|>"));

    private final String source;
    private final List<String> stopStrings;
    private JinjaTemplate compiled;

    BuiltinTemplate(String source, List<String> stopStrings) {
        this.source = source;
        this.stopStrings = stopStrings;
    }

    /** The Jinja source of this format. */
    public String source() {
        return source;
    }

    /** Strings that end an assistant turn (first the turn terminator, then end-of-text variants). */
    public List<String> stopStrings() {
        return stopStrings;
    }

    /** This format as a {@link ChatTemplate}. */
    public ChatTemplate template() {
        return ChatTemplate.builtin(this);
    }

    synchronized JinjaTemplate compiled() {
        if (compiled == null) compiled = JinjaTemplate.compile(source);
        return compiled;
    }

    /** See {@link ChatTemplate#detectBuiltin}. */
    static BuiltinTemplate detect(String text, Set<String> specialTokens) {
        if (text != null) {
            // Marker order follows llama.cpp's llm_chat_detect_template.
            if (text.contains("<|im_start|>")) return CHATML;
            if (text.contains("[INST]")) return text.contains("<<SYS>>") ? LLAMA2 : MISTRAL;
            if (text.contains("<|assistant|>") && text.contains("<|end|>")) return PHI3;
            if (text.contains("<start_of_turn>")) return GEMMA;
            if (text.contains("<|start_header_id|>") && text.contains("<|end_header_id|>")) return LLAMA3;
        }
        if (specialTokens.contains("<|start_header_id|>") || specialTokens.contains("<|eot_id|>")) return LLAMA3;
        if (specialTokens.contains("<|im_start|>")) return CHATML;
        if (specialTokens.contains("<start_of_turn>")) return GEMMA;
        if (specialTokens.contains("<|end|>") && (specialTokens.contains("<|assistant|>") || specialTokens.contains("<|user|>"))) {
            return PHI3;
        }
        if (specialTokens.contains("[INST]")) return MISTRAL;
        if (specialTokens.contains("<s>") && specialTokens.contains("</s>")) return LLAMA2;
        return CHATML;
    }
}
