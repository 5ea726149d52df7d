package dev.jllm.chat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.jllm.chat.jinja.TemplateException;

/**
 * Renders a template over a conversations file and reports the results in the format of the
 * reference files {@code shared/templates/expected/*.json}, so a CLI command can produce documents
 * directly comparable with the Jinja2 references. Returns a plain {@code Map}/{@code List} tree
 * for the caller to serialise (the engine has no JSON dependency).
 */
public final class TemplateConformance {
    private TemplateConformance() {}

    /** The moment the reference files were rendered at: {@code strftime_now} sees this time. */
    public static final LocalDateTime REFERENCE_MOMENT = LocalDateTime.of(2024, 7, 26, 0, 0, 0);

    /**
     * Renders every conversation with the reference moment.
     *
     * @param templateName  file name recorded as {@code template}
     * @param conversations the parsed {@code conversations.json}: a list of maps with {@code name},
     *                      {@code messages}, {@code add_generation_prompt}, optional {@code tools}
     *                      and {@code chat_template_kwargs}
     */
    public static Map<String, Object> document(String templateName, String templateSource, List<?> conversations,
                                               String bosToken, String eosToken) {
        return document(templateName, templateSource, null, conversations, "shared/templates/conversations.json",
                bosToken, eosToken, REFERENCE_MOMENT);
    }

    /** As {@link #document(String, String, List, String, String)}, with every field explicit. */
    public static Map<String, Object> document(String templateName, String templateSource, String model,
                                               List<?> conversations, String conversationsFile,
                                               String bosToken, String eosToken, LocalDateTime moment) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("template", templateName);
        doc.put("template_sha256", sha256(templateSource));
        doc.put("model", model);
        doc.put("bos_token", bosToken);
        doc.put("eos_token", eosToken);
        doc.put("strftime_now", moment.format(DateTimeFormatter.ISO_LOCAL_DATE_TIME));
        doc.put("conversations_file", conversationsFile);

        Clock clock = Clock.fixed(moment.toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
        ChatTemplate template = null;
        TemplateException compileError = null;
        try {
            template = ChatTemplate.compile(templateSource).withClock(clock);
        } catch (TemplateException e) {
            compileError = e; // every case then records the compile error, as Jinja2 would raise it
        }
        List<Object> cases = new ArrayList<>();
        for (Object c : conversations) {
            Map<?, ?> conversation = (Map<?, ?>) c;
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("conversation", conversation.get("name"));
            out.put("add_generation_prompt", conversation.get("add_generation_prompt"));
            try {
                if (compileError != null) throw compileError;
                out.put("expected", template.render(variables(conversation, bosToken, eosToken)));
            } catch (TemplateException e) {
                out.put("error", e.getMessage());
                out.put("error_type", e.errorType());
            }
            cases.add(out);
        }
        doc.put("cases", cases);
        return doc;
    }

    /**
     * The variables the reference renderer passes for one conversation: {@code messages},
     * {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}, {@code tools} only when
     * the conversation has that key, and each entry of {@code chat_template_kwargs}.
     */
    public static Map<String, Object> variables(Map<?, ?> conversation, String bosToken, String eosToken) {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("messages", conversation.get("messages"));
        vars.put("add_generation_prompt", conversation.get("add_generation_prompt"));
        vars.put("bos_token", bosToken);
        vars.put("eos_token", eosToken);
        if (conversation.containsKey("tools")) vars.put("tools", conversation.get("tools"));
        if (conversation.get("chat_template_kwargs") instanceof Map<?, ?> kwargs) {
            kwargs.forEach((k, v) -> vars.put(String.valueOf(k), v));
        }
        return vars;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
