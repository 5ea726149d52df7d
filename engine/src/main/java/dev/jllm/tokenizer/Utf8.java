package dev.jllm.tokenizer;

/**
 * UTF-8 decoding with the Unicode Standard's recommended replacement ("maximal subparts", also
 * what Python's {@code errors="replace"} and the WHATWG decoder do): each maximal prefix of a
 * well-formed sequence that cannot be completed becomes one U+FFFD. Java's built-in decoder
 * differs for some sequences (it turns {@code ED BE} into a single U+FFFD, the standard into
 * two), which matters when comparing generated text with llama.cpp's references.
 */
final class Utf8 {
    private Utf8() {}

    static String decode(byte[] b) {
        return decode(b, 0, b.length);
    }

    static String decode(byte[] b, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        int i = from;
        while (i < to) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                sb.append((char) b0);
                i++;
                continue;
            }
            int need = sequenceLength(b0);
            if (need == 0) { // continuation byte or a byte that starts no character
                sb.append('\uFFFD');
                i++;
                continue;
            }
            int cp = b0 & (0x7F >> need);
            int j = 1;
            while (j < need && i + j < to && isValidContinuation(b0, j, b[i + j] & 0xFF)) {
                cp = (cp << 6) | (b[i + j] & 0x3F);
                j++;
            }
            if (j == need) sb.appendCodePoint(cp);
            else sb.append('\uFFFD');
            i += j;
        }
        return sb.toString();
    }

    /** Bytes in the sequence a lead byte starts, 0 if it starts none. */
    static int sequenceLength(int b0) {
        if (b0 >= 0xC2 && b0 <= 0xDF) return 2;
        if (b0 >= 0xE0 && b0 <= 0xEF) return 3;
        if (b0 >= 0xF0 && b0 <= 0xF4) return 4;
        return b0 < 0x80 ? 1 : 0;
    }

    /** Whether {@code bj} may be byte {@code j} (1-based after the lead) of a sequence starting with {@code b0}. */
    static boolean isValidContinuation(int b0, int j, int bj) {
        if (j == 1) {
            return switch (b0) {
                case 0xE0 -> bj >= 0xA0 && bj <= 0xBF;
                case 0xED -> bj >= 0x80 && bj <= 0x9F;
                case 0xF0 -> bj >= 0x90 && bj <= 0xBF;
                case 0xF4 -> bj >= 0x80 && bj <= 0x8F;
                default -> bj >= 0x80 && bj <= 0xBF;
            };
        }
        return bj >= 0x80 && bj <= 0xBF;
    }

    /**
     * Length of the longest prefix of {@code b[0, n)} that does not end inside a sequence which
     * the next bytes could still complete.
     */
    static int completePrefixLength(byte[] b, int n) {
        int lead = n - 1;
        while (lead >= 0 && lead > n - 4 && (b[lead] & 0xC0) == 0x80) lead--;
        if (lead < 0) return n;
        int b0 = b[lead] & 0xFF;
        int need = sequenceLength(b0);
        if (need <= 1) return n;
        int have = n - lead;
        if (have >= need) return n;
        for (int j = 1; j < have; j++) {
            if (!isValidContinuation(b0, j, b[lead + j] & 0xFF)) return n; // can never complete
        }
        return lead;
    }
}
