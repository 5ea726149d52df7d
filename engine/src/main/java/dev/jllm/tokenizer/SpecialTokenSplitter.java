package dev.jllm.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts special-token texts out of the input before the tokenizer proper runs, as llama.cpp's
 * tokenizer_st_partition.
 *
 * <p>Special tokens are tried longest text first; each one splits every remaining text fragment
 * at each of its occurrences. Control and unknown tokens are only recognised when special tokens
 * are parsed; user-defined tokens are always recognised (as Hugging Face tokenizers do with added
 * tokens). A token with LSTRIP/RSTRIP also swallows the ASCII whitespace before/after it.
 */
final class SpecialTokenSplitter {

    /** A piece of the input: either a token id, or the text {@code [offset, offset + length)}. */
    record Fragment(int token, int offset, int length) {
        static Fragment text(int offset, int length) {
            return new Fragment(Vocabulary.NULL, offset, length);
        }

        boolean isText() {
            return token == Vocabulary.NULL;
        }

        String in(String source) {
            return source.substring(offset, offset + length);
        }
    }

    private final Vocabulary vocab;

    SpecialTokenSplitter(Vocabulary vocab) {
        this.vocab = vocab;
    }

    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) return fragments;
        fragments.add(Fragment.text(0, text.length()));
        for (int id : vocab.specialTokensByLength()) {
            int attr = vocab.attributes(id);
            if (!parseSpecial && (attr & (TokenAttr.CONTROL | TokenAttr.UNKNOWN)) != 0) continue;
            String token = vocab.text(id);
            if (text.indexOf(token) < 0) continue; // common case: nothing to split
            List<Fragment> next = new ArrayList<>(fragments.size() + 2);
            for (Fragment f : fragments) {
                if (f.isText()) splitFragment(text, f, id, token, attr, next);
                else next.add(f);
            }
            fragments = next;
        }
        return fragments;
    }

    private static void splitFragment(String text, Fragment f, int id, String token, int attr, List<Fragment> out) {
        int base = f.offset();
        int length = f.length();
        while (true) {
            int match = text.indexOf(token, base);
            if (match < 0 || match + token.length() > base + length) {
                if (length > 0) out.add(Fragment.text(base, length));
                return;
            }
            if (match > base) {
                int leftLength = match - base;
                if ((attr & TokenAttr.LSTRIP) != 0) {
                    while (leftLength > 0 && isSpace(text.charAt(base + leftLength - 1))) leftLength--;
                }
                if (leftLength > 0) out.add(Fragment.text(base, leftLength));
            }
            out.add(new Fragment(id, 0, 0));
            int rightOffset = match + token.length();
            int rightLength = base + length - rightOffset;
            if ((attr & TokenAttr.RSTRIP) != 0) {
                while (rightLength > 0 && isSpace(text.charAt(rightOffset))) {
                    rightOffset++;
                    rightLength--;
                }
            }
            base = rightOffset;
            length = rightLength;
        }
    }

    /** C's isspace in the "C" locale. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
