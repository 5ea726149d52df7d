/**
 * Chat templates: a model's Jinja2 {@code tokenizer.chat_template} rendered as Hugging Face's
 * {@code apply_chat_template} does, and built-in fallback formats for models without one; the
 * tool-call syntax a template teaches ({@link dev.jllm.chat.ToolCallFormat}); and a reasoning
 * model's thinking separated from its answer ({@link dev.jllm.chat.ReasoningStream}).
 *
 * <p><b>Internal — not part of jllm's API.</b> The types here are public only so that jllm's own
 * packages (and its tools and benchmarks) can reach them; they may change in any release without
 * notice. Applications use the {@link dev.jllm} package: {@link dev.jllm.Model},
 * {@link dev.jllm.Session}, {@link dev.jllm.ChatSession} and their companions.
 */
package dev.jllm.chat;
