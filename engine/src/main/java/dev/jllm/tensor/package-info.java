/**
 * Tensor types and kernels: the GGML weight formats (F32, F16, BF16, Q8_0, Q4_0/1, Q5_0/1, K-quants,
 * IQ4) with their Vector API dot products and scalar twins, activation quantization, attention,
 * and the worker pool that splits a kernel call across cores.
 *
 * <p><b>Internal — not part of jllm's API.</b> The types here are public only so that jllm's own
 * packages (and its tools and benchmarks) can reach them; they may change in any release without
 * notice. Applications use the {@link dev.jllm} package: {@link dev.jllm.Model},
 * {@link dev.jllm.Session}, {@link dev.jllm.ChatSession} and their companions.
 */
package dev.jllm.tensor;
