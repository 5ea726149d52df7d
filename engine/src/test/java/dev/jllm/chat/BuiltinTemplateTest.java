package dev.jllm.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.jllm.testing.TestData;

/**
 * The fallback formats. Expected prompts are written by hand from each family's published format
 * (Meta's Llama 2/3 prompt guides, ChatML, Mistral's tokenizer-v1 docs, Gemma's and Phi-3's model
 * cards).
 */
class BuiltinTemplateTest {
    static Map<String, Object> msg(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    static final List<Object> CONVERSATION = List.of(
            msg("system", "You are helpful."), msg("user", "Hi"), msg("assistant", "Hello!"), msg("user", "How are you?"));

    static String render(BuiltinTemplate t, List<Object> messages, boolean addGenerationPrompt, String bos, String eos) {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("messages", messages);
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.put("bos_token", bos);
        vars.put("eos_token", eos);
        return ChatTemplate.builtin(t).render(vars);
    }

    @Test
    void llama3() {
        assertEquals("<|begin_of_text|>"
                        + "<|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHow are you?<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                render(BuiltinTemplate.LLAMA3, CONVERSATION, true, "<|begin_of_text|>", "<|eot_id|>"));
    }

    @Test
    void chatml() {
        assertEquals("<|im_start|>system\nYou are helpful.<|im_end|>\n"
                        + "<|im_start|>user\nHi<|im_end|>\n"
                        + "<|im_start|>assistant\nHello!<|im_end|>\n"
                        + "<|im_start|>user\nHow are you?<|im_end|>\n"
                        + "<|im_start|>assistant\n",
                render(BuiltinTemplate.CHATML, CONVERSATION, true, "", "<|im_end|>"));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n",
                render(BuiltinTemplate.CHATML, List.of(msg("user", "Hi"), msg("assistant", "Hello!")), false, "", "<|im_end|>"));
    }

    @Test
    void llama2() {
        assertEquals("<s>[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] How are you? [/INST]",
                render(BuiltinTemplate.LLAMA2, CONVERSATION, true, "<s>", "</s>"));
        assertEquals("<s>[INST] Hi [/INST]", render(BuiltinTemplate.LLAMA2, List.of(msg("user", "Hi")), true, "<s>", "</s>"));
    }

    @Test
    void mistral() {
        assertEquals("<s>[INST] You are helpful.\n\nHi [/INST] Hello!</s>[INST] How are you? [/INST]",
                render(BuiltinTemplate.MISTRAL, CONVERSATION, true, "<s>", "</s>"));
    }

    @Test
    void gemma() {
        assertEquals("<bos><start_of_turn>user\nYou are helpful.\n\nHi<end_of_turn>\n"
                        + "<start_of_turn>model\nHello!<end_of_turn>\n"
                        + "<start_of_turn>user\nHow are you?<end_of_turn>\n"
                        + "<start_of_turn>model\n",
                render(BuiltinTemplate.GEMMA, CONVERSATION, true, "<bos>", "<eos>"));
    }

    @Test
    void phi3() {
        assertEquals("<|system|>\nYou are helpful.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n"
                        + "<|user|>\nHow are you?<|end|>\n<|assistant|>\n",
                render(BuiltinTemplate.PHI3, CONVERSATION, true, "<s>", "<|endoftext|>"));
        assertEquals("<|user|>\nHi<|end|>\n<|endoftext|>",
                render(BuiltinTemplate.PHI3, List.of(msg("user", "Hi")), false, "<s>", "<|endoftext|>"));
    }

    @Test
    void stopStrings() {
        assertEquals("<|eot_id|>", BuiltinTemplate.LLAMA3.stopStrings().get(0));
        assertEquals(List.of("<|im_end|>"), BuiltinTemplate.CHATML.stopStrings());
        assertEquals(List.of("<end_of_turn>"), BuiltinTemplate.GEMMA.stopStrings());
        assertEquals("<|end|>", BuiltinTemplate.PHI3.stopStrings().get(0));
        assertEquals(List.of("</s>"), BuiltinTemplate.MISTRAL.stopStrings());
        assertEquals(List.of("</s>"), ChatTemplate.builtin(BuiltinTemplate.LLAMA2).stopStrings());
        assertEquals(List.of(), ChatTemplate.compile("x").stopStrings());
    }

    @Test
    void detectsFamilyFromTemplateMarkers() {
        assertEquals(BuiltinTemplate.LLAMA3, ChatTemplate.detectBuiltin("{{ '<|start_header_id|>' + role + '<|end_header_id|>' }}", Set.of()));
        assertEquals(BuiltinTemplate.CHATML, ChatTemplate.detectBuiltin("{{ '<|im_start|>' }}", Set.of()));
        assertEquals(BuiltinTemplate.GEMMA, ChatTemplate.detectBuiltin("<start_of_turn>", Set.of()));
        assertEquals(BuiltinTemplate.PHI3, ChatTemplate.detectBuiltin("<|user|>x<|end|><|assistant|>", Set.of()));
        assertEquals(BuiltinTemplate.LLAMA2, ChatTemplate.detectBuiltin("[INST] <<SYS>>", Set.of()));
        assertEquals(BuiltinTemplate.MISTRAL, ChatTemplate.detectBuiltin("{{ '[INST] ' + content + ' [/INST]' }}", Set.of()));
        // unrecognised text falls back to the vocabulary, then to ChatML
        assertEquals(BuiltinTemplate.GEMMA, ChatTemplate.detectBuiltin("{{ weird }}", Set.of("<start_of_turn>", "<end_of_turn>")));
        assertEquals(BuiltinTemplate.CHATML, ChatTemplate.detectBuiltin("{{ weird }}", Set.of()));
    }

    @Test
    void detectsFamilyFromSpecialTokensWithoutTemplate() {
        assertEquals(BuiltinTemplate.LLAMA3, ChatTemplate.detectBuiltin(null, Set.of("<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>")));
        assertEquals(BuiltinTemplate.CHATML, ChatTemplate.detectBuiltin(null, Set.of("<|im_start|>", "<|im_end|>")));
        assertEquals(BuiltinTemplate.GEMMA, ChatTemplate.detectBuiltin(null, Set.of("<bos>", "<start_of_turn>")));
        assertEquals(BuiltinTemplate.PHI3, ChatTemplate.detectBuiltin(null, Set.of("<s>", "</s>", "<|user|>", "<|assistant|>", "<|end|>")));
        assertEquals(BuiltinTemplate.MISTRAL, ChatTemplate.detectBuiltin(null, Set.of("<s>", "</s>", "[INST]", "[/INST]")));
        assertEquals(BuiltinTemplate.LLAMA2, ChatTemplate.detectBuiltin(null, Set.of("<s>", "</s>", "<unk>")));
        assertEquals(BuiltinTemplate.CHATML, ChatTemplate.detectBuiltin(null, Set.of()));
    }

    @Test
    void detectsTheReferenceTemplates() throws IOException {
        Path dir = TestData.require("templates/conversations.json").getParent();
        Map<String, BuiltinTemplate> expected = Map.of(
                "meta-llama-Llama-3.1-8B-Instruct.jinja", BuiltinTemplate.LLAMA3,
                "Qwen-Qwen2.5-7B-Instruct.jinja", BuiltinTemplate.CHATML,
                "google-gemma-2-2b-it.jinja", BuiltinTemplate.GEMMA,
                "microsoft-Phi-3.5-mini-instruct.jinja", BuiltinTemplate.PHI3,
                "mistralai-Mistral-Nemo-Instruct-2407.jinja", BuiltinTemplate.MISTRAL);
        for (var e : expected.entrySet()) {
            assertEquals(e.getValue(), ChatTemplate.detectBuiltin(Files.readString(dir.resolve(e.getKey())), Set.of()), e.getKey());
        }
    }

    @Test
    void forModelFallsBackWhenTheTemplateDoesNotCompile() {
        ChatTemplate t = ChatTemplate.forModel("{% if '<|im_start|>' %}unterminated", Set.of());
        assertEquals(BuiltinTemplate.CHATML, t.builtinFamily());
        ChatTemplate own = ChatTemplate.forModel("{{ bos_token }}x", Set.of("<|im_start|>"));
        assertEquals(null, own.builtinFamily());
        assertEquals(BuiltinTemplate.LLAMA3, ChatTemplate.forModel(null, Set.of("<|eot_id|>")).builtinFamily());
    }
}
