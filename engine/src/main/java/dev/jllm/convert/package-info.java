/**
 * Hugging Face checkpoints to GGUF: safetensors (mapped, every offset checked), config.json,
 * tokenizer.json / tokenizer.model, turned into the file llama.cpp's {@code convert_hf_to_gguf.py}
 * would write ({@link dev.jllm.convert.HfConverter}; the families are data in
 * {@link dev.jllm.convert.HfArchitecture}), and the cache of converted folders
 * {@link dev.jllm.Model#load} uses ({@link dev.jllm.convert.ConvertedModels}). Tensors stream
 * from the mapped shards through {@link dev.jllm.convert.TensorEncoder}, never onto the heap as a
 * whole.
 *
 * <p><b>Internal — not part of jllm's API.</b> The types here are public only so that jllm's own
 * packages (and its tools) can reach them; they may change in any release without notice.
 * Applications pass a checkpoint folder to {@link dev.jllm.Model#load}.
 */
package dev.jllm.convert;
