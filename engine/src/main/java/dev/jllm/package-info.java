/**
 * jllm's API: load a GGUF model and generate text with it, from any JVM application.
 *
 * <ul>
 * <li>{@link dev.jllm.Model#load(java.nio.file.Path, dev.jllm.ModelOptions)} maps the file and
 *     returns a {@link dev.jllm.Model} (closing it unmaps the file);</li>
 * <li>{@link dev.jllm.Model#newSession()} gives a {@link dev.jllm.Session} with its own KV cache:
 *     {@link dev.jllm.Session#generate(String, dev.jllm.GenerationParams, dev.jllm.TokenListener)}
 *     streams text to a {@link dev.jllm.TokenListener} and returns a {@link dev.jllm.Completion};
 *     {@link dev.jllm.Session#stream(String, dev.jllm.GenerationParams)} returns a pull-style
 *     {@link dev.jllm.TokenStream}; {@link dev.jllm.Session#saveState} and
 *     {@link dev.jllm.Session#restoreState} keep a context (its tokens, keys and values) in a file;
 *     {@link dev.jllm.ModelOptions.Builder#kvCacheType} chooses the cache's encoding
 *     ({@link dev.jllm.KvCacheType}: F16, or Q8_0 for 0.53 of the memory);</li>
 * <li>{@link dev.jllm.GenerationParams} (immutable, with a builder) sets limits, sampling, stop
 *     strings, logit bias, log-probabilities, and constraints on the reply: one JSON object, JSON
 *     valid against a schema, or a GBNF grammar;</li>
 * <li>{@link dev.jllm.ChatSession} keeps a conversation over the model's chat template, reusing
 *     the KV cache between turns; {@link dev.jllm.Model#chatPrompt} renders any message list;</li>
 * <li>tools: {@link dev.jllm.Tool}s shown through the chat template, replies read into an
 *     {@link dev.jllm.AssistantReply} (text, {@link dev.jllm.ToolCall}s, a reasoning model's
 *     thinking) by {@link dev.jllm.ChatPrompt#parseReply}, or while they stream by a
 *     {@link dev.jllm.ReplyStream}; {@link dev.jllm.ToolChoice} may force a call;</li>
 * <li>{@link dev.jllm.Model#embed(String, dev.jllm.Pooling, boolean)} gives a text's
 *     {@link dev.jllm.Embedding} (its tokens' final hidden states, pooled as {@link dev.jllm.Pooling}
 *     says), for search and retrieval;</li>
 * <li>errors are {@link dev.jllm.JllmException}s: {@link dev.jllm.ModelLoadException},
 *     {@link dev.jllm.ContextOverflowException}, {@link dev.jllm.ToolsNotSupportedException},
 *     {@link dev.jllm.SessionStateException}, each
 *     with a one-line message.</li>
 * </ul>
 *
 * <p><b>Threads:</b> a {@code Model} is shared freely; give each concurrent user its own
 * {@code Session} (or {@code ChatSession}). Concurrent sessions produce exactly the tokens they
 * would produce one at a time. Cancel from any thread with {@link dev.jllm.Session#cancel()} or
 * {@link dev.jllm.TokenStream#cancel()}, or from the listener by returning
 * {@link dev.jllm.TokenListener.Action#STOP}: generation ends within one token.
 *
 * <p>This is the only API package. The others ({@code gguf}, {@code tensor}, {@code model},
 * {@code tokenizer}, {@code sampling}, {@code chat}) are internal and may change without notice.
 * A JVM running jllm needs {@code --add-modules jdk.incubator.vector
 * --enable-native-access=ALL-UNNAMED}.
 */
package dev.jllm;
