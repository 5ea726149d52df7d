package dev.jllm;

import java.util.ArrayList;
import java.util.List;

/**
 * A conversation with a model: the message history, rendered with the model's chat template
 * (the GGUF's {@code tokenizer.chat_template}, or a built-in one when the file has none), and a
 * {@link Session} whose KV cache keeps the conversation so far — each turn only evaluates the
 * tokens the previous turns did not already produce.
 *
 * <pre>{@code
 * ChatSession chat = model.newChatSession("You are a helpful assistant.");
 * Completion reply = chat.send("Hello!", GenerationParams.defaults(), TokenListener.NONE);
 * try (TokenStream next = chat.stream("Tell me more.", GenerationParams.defaults())) {
 *     next.forEach(System.out::print);
 * }
 * }</pre>
 *
 * <p>Tools: {@link #tools} shows functions to the model; each reply is then read for calls
 * ({@link #lastReply()}), and the results go back with {@link #addToolResult} and {@link #reply}:
 *
 * <pre>{@code
 * chat.tools(List.of(weather), ToolChoice.auto());
 * chat.send("Is it raining in Oslo?", params, TokenListener.NONE);
 * for (ToolCall call : chat.lastReply().toolCalls()) chat.addToolResult(call.id(), run(call));
 * if (!chat.lastReply().toolCalls().isEmpty()) chat.reply(params, TokenListener.NONE);
 * }</pre>
 *
 * <p>For a stateless use of the template (e.g. a server that receives the whole conversation
 * with every request) see {@link Model#chatPrompt}.
 *
 * <p><b>Thread safety:</b> not thread-safe — one conversation is used by one thread at a time
 * (a {@link #stream} counts as using it until it ends); {@link #cancel()} may be called from any
 * thread. Many chat sessions on one {@link Model} may run concurrently.
 */
public final class ChatSession {
    private final Model model;
    private final Session session;
    private final ChatFormat format;
    private final List<ChatMessage> history = new ArrayList<>();
    /**
     * The conversation's tokens as the model saw them: every prompt and every generated token,
     * including what closed each reply (see {@link #contextAfter}). Null when it may not match the
     * rendered history, which forces a full re-render next turn.
     */
    private int[] context;
    private boolean dropOldest;
    private int dropped;
    private List<Tool> tools = List.of();
    private java.util.Map<String, Object> templateArguments = java.util.Map.of();
    private ToolCalling toolCalling;
    private AssistantReply lastReply;

    ChatSession(Model model, Session session, String systemPrompt) {
        this.model = model;
        this.session = session;
        this.format = model.chatFormat();
        if (systemPrompt != null && !systemPrompt.isEmpty()) history.add(ChatMessage.system(systemPrompt));
    }

    /** The conversation so far (system prompt, user and assistant messages). */
    public List<ChatMessage> history() {
        return List.copyOf(history);
    }

    /** The template text used (the model's own, or a built-in one). */
    public String templateSource() {
        return format.source();
    }

    /** Forgets the conversation (keeping the system prompt) and the cached context. */
    public void reset() {
        history.removeIf(m -> !m.role().equals("system"));
        context = null;
        session.reset();
    }

    /**
     * Saves the conversation — its history, and its tokens with their cached keys and values —
     * to {@code file} ({@link Session#saveState}'s format, the history beside the context), so
     * that {@link #restoreState} can resume it later, in another process too, without
     * evaluating it again. Tools and template arguments are settings of the chat session, not
     * saved.
     */
    public void saveState(java.nio.file.Path file) throws java.io.IOException {
        session.saveState(file, STATE_JSON.writeValueAsBytes(new SavedChat(history, context, dropped)));
    }

    /**
     * Replaces this conversation (the system prompt too) with one {@link #saveState saved} from
     * a chat session of the same model file and {@link KvCacheType}; the next turn evaluates
     * only the new message.
     *
     * @throws SessionStateException as {@link Session#restoreState}, or if the file holds a
     *                               plain session's context without a chat history; the
     *                               conversation is then left as it was, unless the file was
     *                               refused after its keys and values began to be read (the
     *                               cache is then empty, and the next turn evaluates the whole
     *                               conversation)
     */
    public void restoreState(java.nio.file.Path file) throws java.io.IOException {
        byte[] extra = session.restoreStateWithExtra(file);
        SavedChat saved;
        try {
            saved = extra.length == 0 ? null : STATE_JSON.readValue(extra, SavedChat.class);
        } catch (java.io.IOException e) {
            throw new SessionStateException(file.getFileName() + " is damaged (its chat history does not parse: " + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
        if (saved == null || saved.history() == null) {
            throw new SessionStateException(file.getFileName() + " holds a session's context but no chat history: restore it with Session.restoreState");
        }
        history.clear();
        history.addAll(saved.history());
        context = saved.context();
        dropped = saved.dropped();
        lastReply = null;
    }

    /** What {@link #saveState} keeps beside the context. */
    private record SavedChat(List<ChatMessage> history, int[] context, int dropped) {}

    private static final com.fasterxml.jackson.databind.ObjectMapper STATE_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Ends the reply being generated after the current token; safe from any thread. */
    public void cancel() {
        session.cancel();
    }

    /**
     * What happens when a new message would not fit: by default {@link #send} throws
     * {@link ContextOverflowException}; with {@code drop} the oldest exchanges (a user message
     * and the replies to it; the system prompt stays) are dropped until the conversation fits
     * with room for the reply — {@code maxTokens} of it, at most half the context, or a quarter
     * of the context when there is no token limit. The conversation is then evaluated afresh
     * (its beginning changed, so the cache cannot be reused). {@link #droppedMessages()} counts
     * what was dropped.
     */
    public void dropOldestWhenFull(boolean drop) {
        this.dropOldest = drop;
    }

    /** How many messages {@link #dropOldestWhenFull} has dropped from this conversation so far. */
    public int droppedMessages() {
        return dropped;
    }

    /**
     * Shows these tools to the model from the next turn on, with this choice for every turn
     * until changed (an empty list: no tools). Replies are then read for calls:
     * {@link #lastReply()} has them, the history keeps them, and {@link #addToolResult} followed
     * by {@link #reply} gives the model their results.
     *
     * @throws ToolsNotSupportedException if the chat template has no tool-call syntax jllm reads
     * @throws IllegalArgumentException   if the choice names an unknown tool, or forces a call
     *                                    whose parameters cannot be enforced
     */
    public void tools(List<Tool> tools, ToolChoice choice) {
        if (tools.isEmpty()) {
            if (choice.forced()) throw new IllegalArgumentException("tool choice " + choice.mode().name().toLowerCase() + " needs tools");
            this.tools = List.of();
            this.toolCalling = null;
            return;
        }
        ToolCalling calling = format.toolCalling(tools, choice);
        this.tools = List.copyOf(tools);
        this.toolCalling = calling;
    }

    /**
     * Extra variables for the chat template from the next turn on (see
     * {@link Model#chatPrompt(List, List, ToolChoice, java.util.Map)}), e.g.
     * {@code Map.of("enable_thinking", false)}.
     *
     * @throws IllegalArgumentException if an argument would replace a variable jllm sets
     */
    public void templateArguments(java.util.Map<String, ?> arguments) {
        for (String k : arguments.keySet()) {
            if (ChatFormat.RESERVED.contains(k)) throw new IllegalArgumentException("the template argument '" + k + "' is set by jllm itself");
        }
        this.templateArguments = new java.util.LinkedHashMap<>(arguments);
        context = null; // the history may render differently now
    }

    /**
     * Whether the reply to {@code userMessage} would start inside a thinking block the template's
     * prompt opened (QwQ and DeepSeek R1 templates end the prompt with {@code <think>}): for
     * showing a streamed reply's thinking apart ({@link dev.jllm.chat.ReasoningStream}).
     */
    public boolean replyStartsThinking(String userMessage) {
        List<ChatMessage> next = new ArrayList<>(history);
        next.add(ChatMessage.user(userMessage));
        return dev.jllm.chat.ReasoningStream.opensThinking(render(next, true));
    }

    /** The last reply split into reasoning, content and tool calls (see {@link ChatPrompt#parseReply}), or null before the first. */
    public AssistantReply lastReply() {
        return lastReply;
    }

    /** Adds the result of a tool call the model made to the conversation (then {@link #reply} to let it answer). */
    public void addToolResult(String toolCallId, String result) {
        history.add(ChatMessage.tool(toolCallId, result));
    }

    /** Tokens of context in use (the conversation so far, as cached). */
    public int contextUsed() { return session.contextUsed(); }

    /** Tokens of context available in total. */
    public int contextLength() { return session.contextLength(); }

    /**
     * As {@link #send}, but the reply is generated on a background thread and pulled as a stream
     * of text pieces; the history is updated when the reply ends. Closing the stream before the
     * end cancels the reply (it is still added to the history, as far as it got). Do not use this
     * chat session again until the stream has ended or been closed.
     *
     * <pre>{@code
     * try (TokenStream reply = chat.stream("Hello!", params)) {
     *     reply.forEach(System.out::print);
     *     System.out.println(" [" + reply.completion().finishReason() + "]");
     * }
     * }</pre>
     *
     * @throws ContextOverflowException from the stream's methods if the conversation does not fit
     */
    public TokenStream stream(String userMessage, GenerationParams params) {
        return TokenStream.start(listener -> send(userMessage, params, listener));
    }

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
        history.add(ChatMessage.user(userMessage));
        return generateTurn(params, listener, true);
    }

    /**
     * Generates the assistant's next turn for the conversation as it stands, e.g. after
     * {@link #addToolResult}. As {@link #send} otherwise.
     *
     * @throws ContextOverflowException if the conversation no longer fits in the context
     */
    public Completion reply(GenerationParams params, TokenListener listener) {
        return generateTurn(params, listener, false);
    }

    private Completion generateTurn(GenerationParams params, TokenListener listener, boolean withdrawLastOnOverflow) {
        TurnPrompt turn;
        try {
            turn = nextPrompt();
            if (dropOldest) turn = dropUntilItFits(turn, params);
            if (turn.ids().length >= session.contextLength()) {
                throw new ContextOverflowException("the conversation needs " + turn.ids().length + " tokens but the context holds "
                        + session.contextLength() + "; /reset the conversation or use a larger context (--ctx)",
                        turn.ids().length, session.contextLength());
            }
        } catch (RuntimeException e) {
            if (withdrawLastOnOverflow) history.removeLast();
            throw e;
        }
        List<String> stops = new ArrayList<>(params.stopStrings());
        stops.addAll(format.stopStrings());
        GenerationParams p = params.toBuilder().stopStrings(stops).build();
        boolean opensThinking = dev.jllm.chat.ReasoningStream.opensThinking(turn.text());
        if (toolCalling != null && toolCalling.forcedCall(false) != null) p = p.withGrammar(toolCalling.forcedCall(opensThinking));
        Completion c = session.generate(turn.ids(), p, listener);
        lastReply = ChatPrompt.parse(c.text(), opensThinking, toolCalling);
        history.add(lastReply.toolCalls().isEmpty() ? ChatMessage.assistant(c.text()) : lastReply.toMessage());
        context = contextAfter(turn.ids(), c);
        return c;
    }

    /** Drops the oldest exchanges while the prompt leaves less room than the reply needs (see {@link #dropOldestWhenFull}). */
    private TurnPrompt dropUntilItFits(TurnPrompt prompt, GenerationParams params) {
        int ctx = session.contextLength();
        int reserve = params.maxTokens() >= 0 ? Math.min(params.maxTokens(), ctx / 2) : ctx / 4;
        while (prompt.ids().length + reserve > ctx) {
            int first = 0;
            while (first < history.size() && history.get(first).role().equals("system")) first++;
            if (first >= history.size() - 1) break; // only the new message is left: it does not fit on its own
            int end = first + 1; // the oldest message and what answers it, up to the next user message
            while (end < history.size() - 1 && !history.get(end).role().equals("user")) end++;
            dropped += end - first;
            history.subList(first, end).clear();
            context = null;
            prompt = wholePrompt();
        }
        return prompt;
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
    private TurnPrompt nextPrompt() {
        String full = renderPrompt();
        if (context != null) {
            String past = render(history.subList(0, history.size() - 1), false);
            if (full.startsWith(past)) {
                int[] delta = model.tokenizer().encode(full.substring(past.length()), false, true);
                int[] ids = java.util.Arrays.copyOf(context, context.length + delta.length);
                System.arraycopy(delta, 0, ids, context.length, delta.length);
                return new TurnPrompt(full, ids);
            }
        }
        return new TurnPrompt(full, format.tokenize(full));
    }

    /** The whole conversation rendered and tokenized anew, reusing nothing but what the session's cache still matches. */
    private TurnPrompt wholePrompt() {
        String full = renderPrompt();
        return new TurnPrompt(full, format.tokenize(full));
    }

    /** The rendered prompt of the next turn and the token ids it goes to the model as (which may keep earlier replies' tokens as generated). */
    private record TurnPrompt(String text, int[] ids) {}

    /** The conversation rendered for the next assistant turn, as it will be tokenized. */
    public String renderPrompt() {
        return render(history, true);
    }

    private String render(List<ChatMessage> messagesSoFar, boolean addGenerationPrompt) {
        return format.render(messagesSoFar, tools, templateArguments, addGenerationPrompt);
    }
}
