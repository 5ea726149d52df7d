/**
 * A sandboxed Jinja2-subset template engine (lexer, parser, interpreter, filters, tests and
 * Python-like values) sufficient for the chat templates models ship.
 *
 * <p><b>Internal — not part of jllm's API.</b> The types here are public only so that jllm's own
 * packages (and its tools and benchmarks) can reach them; they may change in any release without
 * notice. Applications use the {@link dev.jllm} package: {@link dev.jllm.Model},
 * {@link dev.jllm.Session}, {@link dev.jllm.ChatSession} and their companions.
 */
package dev.jllm.chat.jinja;
