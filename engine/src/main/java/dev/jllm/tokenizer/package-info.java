/**
 * Text ↔ token ids exactly as llama.cpp computes them, for the tokenizers GGUF models use.
 *
 * <p>Entry point: {@link dev.jllm.tokenizer.Tokenizer#fromMetadata} picks the algorithm from
 * {@code tokenizer.ggml.model}:
 * <ul>
 * <li>{@code llama} → {@link dev.jllm.tokenizer.SpmTokenizer} (SentencePiece-style score merging,
 *     byte fallback);</li>
 * <li>{@code gpt2} → {@link dev.jllm.tokenizer.BpeTokenizer} (byte-level BPE; the pre-tokenizer
 *     regexes are chosen by {@code tokenizer.ggml.pre}: llama-bpe, qwen2, gpt-2, deepseek-llm,
 *     deepseek-coder, falcon, starcoder, refact, mpt, smollm, default and their llama.cpp
 *     aliases, plus tekken, gpt-4o, deepseek-v3, chatglm and a few more);</li>
 * <li>{@code bert} → {@link dev.jllm.tokenizer.WpmTokenizer} (WordPiece).</li>
 * </ul>
 * Anything else fails with a {@link dev.jllm.tokenizer.TokenizerException} naming the value.
 *
 * <p>Typical use:
 * <pre>{@code
 * Tokenizer tok = Tokenizer.fromMetadata(gguf.metadata());
 * int[] prompt = tok.encode(text, true, true);          // BOS as the vocabulary says, parse <|...|>
 * StreamingDecoder out = tok.streamingDecoder();
 * for (int id : generated) {
 *     if (tok.vocabulary().isEndOfGeneration(id)) break;
 *     System.out.print(out.push(id));                   // never half a character
 * }
 * System.out.print(out.flush());
 * }</pre>
 *
 * <p>Internals, one job per class: {@link dev.jllm.tokenizer.Vocabulary} (built by
 * {@code VocabularyLoader} with {@code SpecialTokenRules}), {@code SpecialTokenSplitter},
 * {@code PreTokenizer} with {@code SplitRule}/{@code CustomSplits}/{@code SplitText} and
 * {@code UnicodeFlags} (llama.cpp's Unicode 15.1 classes), {@code ByteUnicode},
 * {@code BpeMerges}, {@code TokenPieces}, {@code Detokenizer}, {@code Utf8}.
 *
 * <p><b>Internal — not part of jllm's API.</b> The types here are public only so that jllm's own
 * packages (and its tools and benchmarks) can reach them; they may change in any release without
 * notice. Applications use the {@link dev.jllm} package: {@link dev.jllm.Model},
 * {@link dev.jllm.Session}, {@link dev.jllm.ChatSession} and their companions.
 */
package dev.jllm.tokenizer;
