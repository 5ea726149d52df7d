package dev.jllm.chat;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import dev.jllm.chat.jinja.JinjaTemplate;
import dev.jllm.chat.jinja.TemplateException;
import dev.jllm.chat.jinja.TemplateSyntaxException;

/**
 * A model's chat template: Jinja2 source (usually the GGUF's {@code tokenizer.chat_template}) that
 * turns a conversation into the prompt text, rendered exactly as Hugging Face's
 * {@code apply_chat_template} would.
 *
 * <p>Compile once, render many times; rendering is thread-safe. Pass the variables transformers
 * passes: {@code messages} (a list of maps with {@code role}, {@code content}, ...),
 * {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}, optionally {@code tools}
 * and any extra keyword arguments such as {@code enable_thinking}. The engine provides the globals
 * {@code raise_exception}, {@code strftime_now}, {@code namespace} and {@code range}.
 *
 * <p>Values are plain Java objects: String, Long/Integer, Double, Boolean, null, List and Map
 * (use insertion-ordered maps: templates see keys in map order, e.g. in {@code tojson}).
 */
public final class ChatTemplate {
    private final String source;
    private final JinjaTemplate template;
    private final Clock clock;
    private final BuiltinTemplate builtin;

    private ChatTemplate(String source, JinjaTemplate template, Clock clock, BuiltinTemplate builtin) {
        this.source = source;
        this.template = template;
        this.clock = clock;
        this.builtin = builtin;
    }

    /**
     * Parses a template.
     *
     * @throws TemplateSyntaxException if the source is not a valid template (or uses a filter or
     *                                 test that does not exist outside any {@code if})
     */
    public static ChatTemplate compile(String jinjaSource) {
        Objects.requireNonNull(jinjaSource, "jinjaSource");
        return new ChatTemplate(jinjaSource, JinjaTemplate.compile(jinjaSource), Clock.systemDefaultZone(), null);
    }

    /** One of the built-in fallback templates. */
    public static ChatTemplate builtin(BuiltinTemplate family) {
        return new ChatTemplate(family.source(), family.compiled(), Clock.systemDefaultZone(), family);
    }

    /**
     * The template to use for a model: its own template when it has one that compiles, otherwise
     * the built-in family {@link #detectBuiltin} picks.
     */
    public static ChatTemplate forModel(String templateTextOrNull, Set<String> specialTokenTexts) {
        if (templateTextOrNull != null && !templateTextOrNull.isBlank()) {
            try {
                return compile(templateTextOrNull);
            } catch (TemplateSyntaxException e) {
                // fall through to a built-in family recognised from the text
            }
        }
        return builtin(detectBuiltin(templateTextOrNull, specialTokenTexts));
    }

    /**
     * The built-in family for a model: from markers in the template text when there is one (as
     * llama.cpp's template detection does), otherwise from the special tokens of the vocabulary.
     * Falls back to ChatML when nothing matches.
     */
    public static BuiltinTemplate detectBuiltin(String templateTextOrNull, Set<String> specialTokenTexts) {
        return BuiltinTemplate.detect(templateTextOrNull, specialTokenTexts == null ? Set.of() : specialTokenTexts);
    }

    /** A copy whose {@code strftime_now} reads the given clock (its zone gives the local time). */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(source, template, Objects.requireNonNull(clock, "clock"), builtin);
    }

    /**
     * Renders the prompt.
     *
     * @throws TemplateException when the template raises ({@code raise_exception}, type and
     *                           undefined-value errors, sandbox refusals, resource limits)
     */
    public String render(Map<String, ?> variables) {
        return template.render(variables, clock);
    }

    /** The Jinja2 source. */
    public String source() {
        return source;
    }

    /**
     * The strings that end an assistant turn in this template's format, for use as stop
     * sequences: known for the built-in families, empty for a model's own template (use the
     * vocabulary's end-of-generation tokens then).
     */
    public List<String> stopStrings() {
        return builtin == null ? List.of() : builtin.stopStrings();
    }

    /** The built-in family this template is, or null for a model's own template. */
    public BuiltinTemplate builtinFamily() {
        return builtin;
    }
}
