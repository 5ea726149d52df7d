/**
 * Choosing the next token from logits: logit bias, repeat/presence/frequency penalties, top-k,
 * top-p, min-p, temperature and a seeded draw, in llama.cpp's order; and constraining which
 * tokens may come at all ({@link dev.jllm.sampling.TokenConstraint}): one JSON object
 * ({@link dev.jllm.sampling.JsonConstraint}), or the sentences of a byte {@link
 * dev.jllm.sampling.Grammar} compiled from a JSON schema ({@link dev.jllm.sampling.JsonSchemaGrammar})
 * or from GBNF ({@link dev.jllm.sampling.Gbnf}) and run as a lazily built automaton
 * ({@link dev.jllm.sampling.GrammarMatcher}, {@link dev.jllm.sampling.GrammarConstraint}).
 *
 * <p><b>Internal — not part of jllm's API.</b> The types here are public only so that jllm's own
 * packages (and its tools and benchmarks) can reach them; they may change in any release without
 * notice. Applications use the {@link dev.jllm} package: {@link dev.jllm.Model},
 * {@link dev.jllm.Session}, {@link dev.jllm.ChatSession} and their companions.
 */
package dev.jllm.sampling;
