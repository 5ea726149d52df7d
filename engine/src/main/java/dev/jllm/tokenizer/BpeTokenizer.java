package dev.jllm.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

import dev.jllm.tokenizer.SpecialTokenSplitter.Fragment;

/**
 * Byte-level BPE tokenizer ({@code tokenizer.ggml.model = gpt2}), as llama.cpp's
 * llm_tokenizer_bpe.
 *
 * <p>Each text fragment is split into words by the vocabulary's {@link PreTokenizer}; each word's
 * UTF-8 bytes are written with the GPT-2 byte characters ({@link ByteUnicode}) and split into
 * characters; then the adjacent pair with the lowest merge rank is merged, repeatedly (ties: the
 * leftmost pair). With ignore_merges (Llama 3) a word that is a token as a whole is taken
 * directly. A final symbol that is not a token is emitted byte by byte, and llama.cpp only finds
 * tokens for single ASCII bytes there — other bytes are dropped, as in llama.cpp.
 */
public final class BpeTokenizer implements Tokenizer {
    private final Vocabulary vocab;
    private final PreTokenizer preTokenizer;
    private final BpeMerges merges;
    private final SpecialTokenSplitter splitter;
    private final TokenPieces pieces;
    private final Detokenizer detokenizer;

    BpeTokenizer(Vocabulary vocab, String[] merges) {
        this.vocab = vocab;
        this.preTokenizer = PreTokenizer.forName(vocab.preTokenizerName());
        this.merges = new BpeMerges(merges);
        this.splitter = new SpecialTokenSplitter(vocab);
        this.pieces = new TokenPieces(vocab);
        this.detokenizer = new Detokenizer(vocab, pieces);
    }

    @Override
    public Vocabulary vocabulary() {
        return vocab;
    }

    /** The canonical llama.cpp pre-tokenizer type in use (e.g. {@code llama3} for {@code llama-bpe}). */
    public String preTokenizerType() {
        return preTokenizer.name();
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        OffsetList out = new OffsetList(text.length() / 3 + 4);
        if (addSpecial && vocab.addBos()) out.add(vocab.bos());
        for (Fragment f : splitter.split(text, parseSpecial)) {
            if (f.isText()) tokenize(f.in(text), out);
            else out.add(f.token());
        }
        if (addSpecial && vocab.addEos()) out.add(vocab.eos());
        return out.toArray();
    }

    /** One merge candidate: symbols {@code left} and {@code right}, merged text of {@code size} chars. */
    private record Bigram(int left, int right, int rank, int size) {}

    private void tokenize(String text, OffsetList out) {
        for (String word : preTokenizer.split(text)) {
            String encoded = ByteUnicode.encodeUtf8(word);
            if (encoded.isEmpty()) continue;
            if (vocab.flags().ignoreMerges()) {
                int id = vocab.id(encoded);
                if (id != Vocabulary.NULL) {
                    out.add(id);
                    continue;
                }
            }
            mergeWord(encoded, out);
        }
    }

    private void mergeWord(String word, OffsetList out) {
        // GPT-2 byte characters are all in the BMP: one char per symbol
        int n = word.length();
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            len[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // symbols keep their start index: symbol i starts at char i

        // lowest rank first; equal ranks: leftmost first
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> {
            int c = Integer.compare(a.rank(), b.rank());
            return c != 0 ? c : Integer.compare(a.left(), b.left());
        });
        for (int i = 1; i < n; i++) addBigram(word, len, i - 1, i, queue);

        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int l = bigram.left();
            int r = bigram.right();
            // outdated: one side was merged meanwhile (llama.cpp compares the texts; since a
            // symbol only grows to the right, comparing lengths is the same test)
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != bigram.size()) continue;
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            addBigram(word, len, prev[l], l, queue);
            addBigram(word, len, l, next[l], queue);
        }

        for (int i = 0; i != -1; i = next[i]) {
            String symbol = word.substring(i, i + len[i]);
            int id = vocab.id(symbol);
            if (id != Vocabulary.NULL) {
                out.add(id);
                continue;
            }
            // llama.cpp looks up each UTF-8 byte of the symbol as a one-byte token text; only
            // ASCII bytes can be such a text, the others are dropped
            for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
                if (b >= 0) {
                    int byteId = vocab.id(String.valueOf((char) b));
                    if (byteId != Vocabulary.NULL) out.add(byteId);
                }
            }
        }
    }

    private void addBigram(String word, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        if (left == -1 || right == -1) return;
        String l = word.substring(left, left + len[left]);
        String r = word.substring(right, right + len[right]);
        int rank = merges.rank(l, r);
        if (rank < 0) return;
        queue.add(new Bigram(left, right, rank, len[left] + len[right]));
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
