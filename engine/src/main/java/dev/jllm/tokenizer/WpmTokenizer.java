package dev.jllm.tokenizer;

import java.util.ArrayList;
import java.util.List;

import dev.jllm.tokenizer.SpecialTokenSplitter.Fragment;

/**
 * WordPiece tokenizer ({@code tokenizer.ggml.model = bert}), as llama.cpp's llm_tokenizer_wpm.
 *
 * <p>GGUF BERT vocabularies are stored the way llama.cpp's converter writes them: a word-initial
 * piece carries a {@code ▁} prefix and a continuation piece is bare (the Hugging Face
 * {@code ##} prefix removed). So a word is looked up as {@code ▁word}, greedily by longest
 * match from the left; if some position matches nothing the whole word becomes the unknown token.
 *
 * <p>Before that the text is normalized as BERT's basic tokenizer (and llama.cpp): each code point
 * is replaced by the first code point of its canonical decomposition (which drops accents, and —
 * a llama.cpp quirk — reduces a Hangul syllable to its leading consonant), marks, controls, NUL
 * and U+FFFD are dropped, letters are lowercased, whitespace splits words, and punctuation, ASCII
 * symbols and CJK ideographs become one-character words.
 */
public final class WpmTokenizer implements Tokenizer {
    private static final String PHANTOM_SPACE = "\u2581";

    private final Vocabulary vocab;
    private final SpecialTokenSplitter splitter;
    private final TokenPieces pieces;
    private final Detokenizer detokenizer;

    WpmTokenizer(Vocabulary vocab) {
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
        OffsetList out = new OffsetList(text.length() / 3 + 4);
        if (addSpecial) out.add(require(vocab.bos(), "BOS/CLS"));
        for (Fragment f : splitter.split(text, parseSpecial)) {
            if (f.isText()) tokenize(f.in(text), out);
            else out.add(f.token());
        }
        if (addSpecial) out.add(require(vocab.sep(), "SEP"));
        return out.toArray();
    }

    private static int require(int id, String what) {
        if (id == Vocabulary.NULL) throw new IllegalStateException("the vocabulary has no " + what + " token");
        return id;
    }

    private void tokenize(String text, OffsetList out) {
        int maxChars = vocab.maxTokenLength() + 1; // a token has at most that many bytes, so at most that many chars
        for (String word : preprocess(text)) {
            if (word.isEmpty()) continue;
            String w = PHANTOM_SPACE + word;
            int n = w.length();
            int start = out.size();
            for (int i = 0; i < n; ) {
                boolean match = false;
                for (int j = Math.min(n, i + maxChars); j > i; j--) {
                    int id = vocab.id(w.substring(i, j));
                    if (id != Vocabulary.NULL) {
                        out.add(id);
                        i = j;
                        match = true;
                        break;
                    }
                }
                if (!match) { // discard the word's tokens
                    out.truncate(start);
                    break;
                }
            }
            if (out.size() == start) out.add(vocab.unk());
        }
    }

    /** BERT normalization and word split, as llama.cpp's llm_tokenizer_wpm_session::preprocess. */
    List<String> preprocess(String text) {
        boolean lowercase = vocab.flags().lowercase();
        boolean stripAccents = vocab.flags().stripAccents();
        List<String> words = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        text.codePoints().forEach(original -> {
            int cpt = stripAccents ? UnicodeFlags.nfdFirst(original) : original;
            int flags = UnicodeFlags.flags(cpt);
            if ((flags & UnicodeFlags.WHITESPACE) != 0) {
                if (!current.isEmpty()) {
                    words.add(current.toString());
                    current.setLength(0);
                }
                return;
            }
            if (cpt == 0 || cpt == 0xFFFD || (flags & UnicodeFlags.CONTROL) != 0) return;
            if (stripAccents && (flags & UnicodeFlags.ACCENT_MARK) != 0) return;
            int c = lowercase ? UnicodeFlags.toLower(cpt) : cpt;
            if ((flags & UnicodeFlags.PUNCTUATION) != 0 || (cpt < 0x7F && (flags & UnicodeFlags.SYMBOL) != 0) || isChinese(cpt)) {
                if (!current.isEmpty()) {
                    words.add(current.toString());
                    current.setLength(0);
                }
                words.add(Character.toString(c)); // a word of its own
            } else {
                current.appendCodePoint(c);
            }
        });
        if (!current.isEmpty()) words.add(current.toString());
        return words;
    }

    /** CJK ideographs as BERT (and llama.cpp) define them, including the 0x2B920 quirk of the HF code. */
    private static boolean isChinese(int cpt) {
        return (cpt >= 0x04E00 && cpt <= 0x09FFF)
            || (cpt >= 0x03400 && cpt <= 0x04DBF)
            || (cpt >= 0x20000 && cpt <= 0x2A6DF)
            || (cpt >= 0x2A700 && cpt <= 0x2B73F)
            || (cpt >= 0x2B740 && cpt <= 0x2B81F)
            || (cpt >= 0x2B920 && cpt <= 0x2CEAF)
            || (cpt >= 0x0F900 && cpt <= 0x0FAFF)
            || (cpt >= 0x2F800 && cpt <= 0x2FA1F);
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
