/**
 * Choosing the next token from logits: logit bias, repeat/presence/frequency penalties, top-k,
 * top-p, min-p, temperature and a seeded draw, in llama.cpp's order.
 *
 * <p><b>Internal — not part of jllm's API.</b> The types here are public only so that jllm's own
 * packages (and its tools and benchmarks) can reach them; they may change in any release without
 * notice. Applications use the {@link dev.jllm} package: {@link dev.jllm.Model},
 * {@link dev.jllm.Session}, {@link dev.jllm.ChatSession} and their companions.
 */
package dev.jllm.sampling;
