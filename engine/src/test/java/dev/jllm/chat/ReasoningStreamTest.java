package dev.jllm.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** {@link ReasoningStream}: whole replies split as llama.cpp's deepseek format does, and streaming in any chunking gives the same. */
class ReasoningStreamTest {
    @Test
    void wholeRepliesAreSplitAtTheThinkingBlock() {
        assertArrayEquals(new String[]{"Let me see.", "It is 4."}, ReasoningStream.split("<think>\nLet me see.\n</think>\n\nIt is 4.", false));
        assertArrayEquals(new String[]{"", "It is 4."}, ReasoningStream.split("<think>\n\n</think>\n\nIt is 4.", false), "Qwen 3 without thinking: an empty block");
        assertArrayEquals(new String[]{"hmm", "ok"}, ReasoningStream.split("  <think>hmm</think>ok", false), "whitespace before the block");
        assertArrayEquals(new String[]{"Let me see.", "It is 4."}, ReasoningStream.split("Let me see.\n</think>\n\nIt is 4.", true),
                "the prompt opened the block (QwQ, R1)");
        assertArrayEquals(new String[]{"still thinking", ""}, ReasoningStream.split("<think>still thinking", false), "cut before the block closed");
        assertArrayEquals(new String[]{"", "No thinking <think> here."}, ReasoningStream.split("No thinking <think> here.", false),
                "only a leading block is thinking");
        assertArrayEquals(new String[]{"", "<thin"}, ReasoningStream.split("<thin", false), "a partial tag at the end is text");
        assertArrayEquals(new String[]{"a</thin", ""}, ReasoningStream.split("<think>a</thin", false));
        assertTrue(ReasoningStream.opensThinking("<|im_start|>assistant\n<think>\n"));
        assertFalse(ReasoningStream.opensThinking("<|im_start|>assistant\n"));
    }

    /** Fed in random pieces (tags split anywhere), the stream labels the same text the same way, and never shows part of a tag. */
    @Test
    void streamingInAnyPiecesGivesTheSameSplit() {
        String[] replies = {"<think>\nLet me see.\n</think>\n\nIt is 4.", "  <think>a<b</think>c</think>", "plain < text <think>",
                "<think></think>", "<", "x", "<think> a  b \n</think> c", "<think>x </thi", "<think>\n\n</think>\n\n", "<thinking>no</thinking>"};
        Random r = new Random(1);
        for (String reply : replies) {
            for (boolean inside : new boolean[]{false, true}) {
                String[] whole = ReasoningStream.split(reply, inside);
                for (int trial = 0; trial < 200; trial++) {
                    ReasoningStream s = new ReasoningStream(inside);
                    List<ReasoningStream.Piece> pieces = new ArrayList<>();
                    int at = 0;
                    while (at < reply.length()) {
                        int n = 1 + r.nextInt(4);
                        pieces.addAll(s.push(reply.substring(at, Math.min(reply.length(), at + n))));
                        at += n;
                    }
                    pieces.addAll(s.flush());
                    StringBuilder reasoning = new StringBuilder(), content = new StringBuilder();
                    for (ReasoningStream.Piece p : pieces) {
                        assertFalse(p.text().isEmpty());
                        if (whole[0].indexOf("</think") < 0) assertFalse(p.reasoning() && p.text().contains("</think"), reply);
                        (p.reasoning() ? reasoning : content).append(p.text());
                    }
                    assertEquals(whole[0], reasoning.toString(), reply);
                    assertEquals(whole[1], content.toString(), reply);
                }
            }
        }
    }
}
