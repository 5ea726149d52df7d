package dev.jllm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.testing.TestData;

/**
 * Coarse performance guards with generous bounds (2 shared cores in CI): building the Llama 3
 * tokenizer (128k tokens, 280k merges) takes about 0.25 s, encoding and decoding 5,000
 * characters a few milliseconds once warm.
 */
class TokenizerPerformanceTest {

    @Test
    void llama3LoadsAndEncodesQuickly() {
        Path gguf = TestData.require("models/llama3-vocab-tiny.gguf");
        GGUFMetadata metadata = TokenizerFixtures.metadata(gguf);
        long t0 = System.nanoTime();
        Tokenizer t = Tokenizer.fromMetadata(metadata);
        long buildMillis = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(buildMillis < 3000, "building the Llama 3 tokenizer took " + buildMillis + " ms");

        String text = sampleText(5000);
        long best = Long.MAX_VALUE;
        int[] ids = null;
        for (int i = 0; i < 6; i++) {
            long s = System.nanoTime();
            ids = t.encode(text, true, true);
            String back = t.decode(ids);
            best = Math.min(best, System.nanoTime() - s);
            assertEquals(text, back, "round trip");
        }
        assertTrue(best / 1_000_000 < 200, "encode+decode of 5,000 characters took " + best / 1_000_000 + " ms at best");
        assertTrue(ids.length > 500);
    }

    private static String sampleText(int length) {
        String base = "The quick brown fox jumps over the lazy dog, doesn't it? Caf\u00E9 na\u00EFve \u00FCber 12345 "
            + "\u043F\u0440\u0438\u0432\u0435\u0442 \u6211\u60F3\u5728apple\u5DE5\u4F5C \uD83D\uDE80\n\tcode(x) { return x+1; }\n";
        StringBuilder sb = new StringBuilder();
        while (sb.length() < length) sb.append(base);
        return sb.substring(0, length - (Character.isHighSurrogate(sb.charAt(length - 1)) ? 1 : 0));
    }
}
