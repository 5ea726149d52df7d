/**
 * The GGUF file format: a bounds-checked reader that memory-maps the file (metadata, tensor
 * table, tensor data as {@code MemorySegment}s) and a writer used by tests and conversions.
 *
 * <p><b>Internal — not part of jllm's API.</b> The types here are public only so that jllm's own
 * packages (and its tools and benchmarks) can reach them; they may change in any release without
 * notice. Applications use the {@link dev.jllm} package: {@link dev.jllm.Model},
 * {@link dev.jllm.Session}, {@link dev.jllm.ChatSession} and their companions.
 */
package dev.jllm.gguf;
