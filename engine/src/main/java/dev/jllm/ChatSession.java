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
import dev.jllm.tokenizer.Vocabulary;

/**
 * A conversation with a model: the message history, rendered with the model's chat template
 * (the GGUF's {@code tokenizer.chat_template}, or a built-in one when the file has none), and a
 * {@link Session} whose KV cache keeps the conversation so far — each turn only evaluates the
 * tokens the previous turns did not already produce.
 *
 * <pre>{@code
 * ChatSession chat = model.newChatSession("You are a helpful assistant.");
 * Completion reply = chat.send("Hello!", GenerationParams.defaults(), TokenListener.NONE);
 * }</pre>
 *
 * <p>Not thread-safe (one conversation = one thread at a time); {@link #cancel()} may be called
 * from any thread.
 */
public final class ChatSession {
    private final Model model;
    private final Session session;
    private final ChatTemplate template;
    private final List<String> stopStrings;
    private final String bosText, eosText;
    private final List<ChatMessage> history = new ArrayList<>();
    /**
     * The conversation's tokens as the model saw them: every prompt and every generated token,
     * including what closed each reply (see {@link #contextAfter}). Null when it may not match the
     * rendered history, which forces a full re-render next turn.
     */
    private int[] context;

    ChatSession(Model model, Session session, String systemPrompt) {
        this.model = model;
        this.session = session;
        Vocabulary v = model.tokenizer().vocabulary();
        Set<String> specials = new HashSet<>();
        for (int id = 0; id < v.size(); id++) {
            if (v.isControl(id) || v.isUserDefined(id)) specials.add(v.text(id));
        }
        String own = model.info().chatTemplate();
        this.template = ChatTemplate.forModel(own, specials);
        BuiltinTemplate family = ChatTemplate.detectBuiltin(own, specials);
        this.stopStrings = template.builtinFamily() != null ? template.stopStrings() : family.stopStrings().stream()
                .filter(s -> !specials.contains(s)) // special tokens end the turn as end-of-generation ids already
                .toList();
        this.bosText = v.bos() >= 0 ? v.text(v.bos()) : "";
        this.eosText = v.eos() >= 0 ? v.text(v.eos()) : "";
        if (systemPrompt != null && !systemPrompt.isEmpty()) history.add(ChatMessage.system(systemPrompt));
    }

    /** The conversation so far (system prompt, user and assistant messages). */
    public List<ChatMessage> history() {
        return List.copyOf(history);
    }

    /** The template text used (the model's own, or a built-in one). */
    public String templateSource() {
        return template.source();
    }

    /** Forgets the conversation (keeping the system prompt) and the cached context. */
    public void reset() {
        history.removeIf(m -> !m.role().equals("system"));
        context = null;
        session.reset();
    }

    /** Ends the reply being generated after the current token; safe from any thread. */
    public void cancel() {
        session.cancel();
    }

    /** Tokens of context in use and available. */
    public int contextUsed() { return session.contextUsed(); }
    public int contextLength() { return session.contextLength(); }

    /**
     * Sends a user message and generates the assistant's reply, streaming it to {@code listener}.
     * The reply is added to the history (also when cut short by the token limit or a
     * cancellation, so that the conversation stays consistent with what the user saw).
     *
     * @throws ContextOverflowException if the conversation no longer fits in the context; the
     *                                  user message is then not added — {@link #reset()} or start
     *                                  a session with a longer context
     */
    public Completion send(String userMessage, GenerationParams params, TokenListener listener) {
        int[] prompt;
        history.add(ChatMessage.user(userMessage));
        try {
            prompt = nextPrompt();
            if (prompt.length >= session.contextLength()) {
                throw new ContextOverflowException("the conversation needs " + prompt.length + " tokens but the context holds "
                        + session.contextLength() + "; /reset the conversation or use a larger context (--ctx)",
                        prompt.length, session.contextLength());
            }
        } catch (RuntimeException e) {
            history.removeLast();
            throw e;
        }
        List<String> stops = new ArrayList<>(params.stopStrings());
        stops.addAll(stopStrings);
        GenerationParams p = params.toBuilder().stopStrings(stops).build();
        Completion c = session.generate(prompt, p, listener);
        history.add(ChatMessage.assistant(c.text()));
        context = contextAfter(prompt, c);
        return c;
    }

    /**
     * The tokens the model has seen once a reply is done, arranged to match the rendered history.
     * A reply that ended with an end-of-generation token is followed by that token (as in
     * llama.cpp's chat). A reply cut short (token limit, cancellation) never got its end-of-turn
     * marker: the text the template writes after the reply is tokenized and appended, so the next
     * turn still continues the cached context. Null when the reply cannot be found in the render.
     */
    private int[] contextAfter(int[] prompt, Completion c) {
        int[] generated = c.tokenIds();
        int[] tail;
        int end = session.lastEndToken();
        if (end >= 0) {
            tail = new int[]{end};
        } else {
            String past = render(history, false);
            String reply = c.text().strip();
            int at = reply.isEmpty() ? -1 : past.lastIndexOf(reply);
            if (at < 0) return null;
            tail = model.tokenizer().encode(past.substring(at + reply.length()), false, true);
        }
        int[] ctx = java.util.Arrays.copyOf(prompt, prompt.length + generated.length + tail.length);
        System.arraycopy(generated, 0, ctx, prompt.length, generated.length);
        System.arraycopy(tail, 0, ctx, prompt.length + generated.length, tail.length);
        return ctx;
    }

    /**
     * The tokens for the next reply. As llama.cpp's chat does, only the new part of the
     * conversation is tokenized and appended to the tokens the model already saw (its own reply
     * tokens are kept as generated, not re-tokenized from text), so the whole previous
     * conversation is reused from the KV cache. When that is not possible the whole rendered
     * conversation is tokenized and the session reuses whatever prefix still matches.
     */
    private int[] nextPrompt() {
        if (context != null) {
            String past = render(history.subList(0, history.size() - 1), false);
            String full = render(history, true);
            if (full.startsWith(past)) {
                int[] delta = model.tokenizer().encode(full.substring(past.length()), false, true);
                int[] ids = java.util.Arrays.copyOf(context, context.length + delta.length);
                System.arraycopy(delta, 0, ids, context.length, delta.length);
                return ids;
            }
        }
        return promptTokens();
    }

    /** The conversation rendered for the next assistant turn, as it will be tokenized. */
    public String renderPrompt() {
        return render(history, true);
    }

    private String render(List<ChatMessage> messagesSoFar, boolean addGenerationPrompt) {
        List<Map<String, Object>> messages = new ArrayList<>();
        for (ChatMessage m : messagesSoFar) {
            Map<String, Object> msg = new LinkedHashMap<>();
            msg.put("role", m.role());
            msg.put("content", m.content());
            messages.add(msg);
        }
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("messages", messages);
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
     * Tokenizes the rendered conversation with special tokens recognised. BOS is added when the
     * vocabulary asks for it and the template did not already write it (as llama.cpp avoids a
     * double BOS).
     */
    int[] promptTokens() {
        String text = renderPrompt();
        int[] ids = model.tokenizer().encode(text, false, true);
        Vocabulary v = model.tokenizer().vocabulary();
        if (v.addBos() && v.bos() >= 0 && (ids.length == 0 || ids[0] != v.bos())) {
            int[] withBos = new int[ids.length + 1];
            withBos[0] = v.bos();
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            ids = withBos;
        }
        return ids;
    }
}
