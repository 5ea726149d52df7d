package dev.jllm.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

import dev.jllm.tokenizer.SpecialTokenSplitter.Fragment;

/**
 * SentencePiece-style tokenizer ({@code tokenizer.ggml.model = llama}), as llama.cpp's
 * llm_tokenizer_spm.
 *
 * <p>Each text fragment gets a leading space when the vocabulary wants a space prefix and the
 * fragment starts the input or follows a special token (llama.cpp's is_prev_special); spaces
 * become {@code ▁}. The fragment is split into characters, then the adjacent pair whose
 * concatenation is the highest-scoring vocabulary token is merged, repeatedly (ties: the
 * leftmost pair). Characters that end up as no token are emitted as byte tokens
 * {@code <0xXX>}, one per UTF-8 byte.
 *
 * <p>llama.cpp also keeps a reverse-merge map to re-split a final symbol that is not a token.
 * It is never consulted for valid UTF-8 input — every merged symbol is a token by construction,
 * so only single characters can fail to be tokens — and Java strings always encode to valid
 * UTF-8, so it is left out.
 */
public final class SpmTokenizer implements Tokenizer {
    private static final char ESCAPED_SPACE = '\u2581';

    private final Vocabulary vocab;
    private final SpecialTokenSplitter splitter;
    private final TokenPieces pieces;
    private final Detokenizer detokenizer;

    SpmTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        this.splitter = new SpecialTokenSplitter(vocab);
        this.pieces = new TokenPieces(vocab);
        this.detokenizer = new Detokenizer(vocab, pieces);
    }

    @Override
    public Vocabulary vocabulary() {
        return vocab;
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        OffsetList out = new OffsetList(text.length() / 2 + 4);
        // "prefix with space if first token": true even without BOS
        boolean isPrevSpecial = true;
        if (addSpecial && vocab.addBos()) out.add(vocab.bos());
        for (Fragment f : splitter.split(text, parseSpecial)) {
            if (f.isText()) {
                String s = (vocab.addSpacePrefix() && isPrevSpecial ? " " : "") + f.in(text);
                tokenize(s.replace(' ', ESCAPED_SPACE), out);
                isPrevSpecial = false;
            } else {
                out.add(f.token());
                isPrevSpecial = true;
            }
        }
        if (addSpecial && vocab.addEos()) out.add(vocab.eos());
        return out.toArray();
    }

    /** One merge candidate: symbols {@code left} and {@code right}, merged text of {@code size} chars. */
    private record Bigram(int left, int right, float score, int size) {}

    private void tokenize(String text, OffsetList out) {
        // one symbol per code point; start/len in chars, linked list through prev/next
        int n = text.codePointCount(0, text.length());
        if (n == 0) return;
        int[] start = new int[n];
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, pos = 0; i < n; i++) {
            int cpLen = Character.charCount(text.codePointAt(pos));
            start[i] = pos;
            len[i] = cpLen;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            pos += cpLen;
        }

        // highest score first; equal scores: leftmost first (compared with < as in C++, so
        // -0.0 and 0.0 are equal, unlike Float.compare)
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> {
            if (a.score() > b.score()) return -1;
            if (a.score() < b.score()) return 1;
            return Integer.compare(a.left(), b.left());
        });
        for (int i = 1; i < n; i++) tryAddBigram(text, start, len, i - 1, i, queue);

        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int l = bigram.left();
            int r = bigram.right();
            // skip pairs of which one side has been merged meanwhile
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != bigram.size()) continue;
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            tryAddBigram(text, start, len, prev[l], l, queue);
            tryAddBigram(text, start, len, l, next[l], queue);
        }

        for (int i = 0; i != -1; i = next[i]) {
            String symbol = text.substring(start[i], start[i] + len[i]);
            int id = vocab.id(symbol);
            if (id != Vocabulary.NULL) out.add(id);
            else byteFallback(symbol, out);
        }
    }

    private void tryAddBigram(String text, int[] start, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        if (left == -1 || right == -1) return;
        int size = len[left] + len[right];
        int id = vocab.id(text.substring(start[left], start[left] + size));
        if (id == Vocabulary.NULL) return;
        queue.add(new Bigram(left, right, vocab.score(id), size));
    }

    /**
     * A character that is no token becomes its UTF-8 bytes as byte tokens. Without byte tokens
     * llama.cpp fails (std::out_of_range); here the unknown token stands for the character, as
     * SentencePiece without byte fallback does.
     */
    private void byteFallback(String symbol, OffsetList out) {
        byte[] bytes = symbol.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int j = 0; j < bytes.length; j++) {
            ids[j] = vocab.spmByteToken(bytes[j]);
            if (ids[j] == Vocabulary.NULL) {
                if (vocab.unk() == Vocabulary.NULL) {
                    throw new IllegalArgumentException("cannot tokenize '" + symbol + "': the vocabulary has neither byte tokens nor an unknown token");
                }
                out.add(vocab.unk());
                return;
            }
        }
        out.addAll(ids);
    }

    @Override
    public byte[] tokenBytes(int id, boolean renderSpecial) {
        return pieces.bytes(id, renderSpecial).clone();
    }

    @Override
    public byte[] detokenize(int[] ids, boolean removeSpecial, boolean renderSpecial) {
        return detokenizer.detokenize(ids, removeSpecial, renderSpecial);
    }
}
