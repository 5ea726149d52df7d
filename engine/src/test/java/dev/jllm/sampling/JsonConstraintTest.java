package dev.jllm.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/** {@link JsonConstraint} over a toy vocabulary, with random logits that favour breaking the JSON. */
class JsonConstraintTest {
    static final String[] PIECES = {"{", "}", "\"", "a", ":", ",", "1", " ", "x", "[", "]", "\"a\"", "}}", "", "true", "\":", "-", ".5", "é"};
    static final int EOS = PIECES.length;

    static byte[][] table() {
        byte[][] t = new byte[PIECES.length][];
        for (int i = 0; i < t.length; i++) t[i] = PIECES[i].getBytes(StandardCharsets.UTF_8);
        return t;
    }

    @Test
    void everyStepKeepsAValidBeginningAndEndsWithACompleteObject() throws Exception {
        int completed = 0;
        for (int seed = 0; seed < 50; seed++) {
            Random r = new Random(seed);
            JsonConstraint c = new JsonConstraint(table(), new int[]{EOS});
            StringBuilder text = new StringBuilder();
            boolean ended = false;
            for (int step = 0; step < 400 && !ended; step++) {
                float[] logits = new float[PIECES.length + 1];
                for (int i = 0; i < logits.length; i++) logits[i] = (float) r.nextGaussian();
                logits[8] += 3;                   // "x" outside strings is invalid: the constraint must hold it back
                logits[EOS] += 2;                 // and the end, until the object is complete
                logits[1] += step / 40f;          // closing grows likelier, so that objects finish
                logits[10] += step / 40f;
                logits[2] += step / 40f;
                int allowed = c.mask(logits);
                assertTrue(allowed > 0, "something is always possible");
                assertEquals(Float.NEGATIVE_INFINITY, logits[13], "a token with no bytes (a control token) is never allowed");
                int next = 0;
                for (int i = 1; i < logits.length; i++) if (logits[i] > logits[next]) next = i;
                if (next == EOS) {
                    assertTrue(c.complete(), "the end only once the object is complete: " + text);
                    ended = true;
                    break;
                }
                c.accept(next);
                text.append(PIECES[next]);
                JsonPrefix check = new JsonPrefix();
                assertTrue(check.accept(text.toString().getBytes(StandardCharsets.UTF_8)), "a valid beginning: " + text);
            }
            if (ended) {
                completed++;
                assertTrue(new ObjectMapper().readTree(text.toString()).isObject(), text.toString());
            }
        }
        assertTrue(completed >= 40, "most runs complete their object: " + completed + " of 50");
    }

    /** The fast mask (string shortcut, first-byte table) allows exactly the tokens a full check of each allows. */
    @Test
    void theMaskEqualsCheckingEveryTokenInFull() {
        Random r = new Random(5);
        String alphabet = "{}[]:,\"\\ \n\t0123456789.-+eEtrufalsnxyzé\u0001";
        int size = 256 + 6000;
        byte[][] vocab = new byte[size + 1][];
        for (int b = 0; b < 256; b++) vocab[b] = new byte[]{(byte) b};
        for (int i = 256; i < size; i++) {
            StringBuilder t = new StringBuilder();
            for (int k = 1 + r.nextInt(6); k > 0; k--) t.append(alphabet.charAt(r.nextInt(alphabet.length())));
            vocab[i] = t.toString().getBytes(StandardCharsets.UTF_8);
        }
        vocab[size] = new byte[0]; // the end token's (control) bytes
        int steps = 0;
        for (int run = 0; run < 30; run++) {
            JsonConstraint c = new JsonConstraint(vocab, new int[]{size});
            JsonPrefix state = new JsonPrefix();
            for (int step = 0; step < 60 && !c.complete(); step++, steps++) {
                float[] logits = new float[size + 1];
                int allowed = c.mask(logits);
                int expected = 0;
                java.util.List<Integer> ok = new java.util.ArrayList<>();
                for (int i = 0; i < size; i++) {
                    JsonPrefix probe = new JsonPrefix();
                    probe.copyFrom(state);
                    boolean fits = vocab[i].length > 0 && probe.accept(vocab[i]);
                    assertEquals(fits, logits[i] == 0f, "token «" + new String(vocab[i], StandardCharsets.UTF_8) + "» at step " + step);
                    if (fits) {
                        expected++;
                        ok.add(i);
                    }
                }
                assertEquals(Float.NEGATIVE_INFINITY, logits[size], "no end before the object closes");
                assertEquals(expected, allowed);
                int next = ok.get(r.nextInt(ok.size()));
                c.accept(next);
                state.accept(vocab[next]);
            }
        }
        assertTrue(steps > 500, "many states compared: " + steps);
    }

    @Test
    void onceCompleteOnlyTheEndRemains() {
        JsonConstraint c = new JsonConstraint(table(), new int[]{EOS});
        c.accept(0);
        c.accept(1);
        float[] logits = new float[PIECES.length + 1];
        assertEquals(1, c.mask(logits));
        for (int i = 0; i < EOS; i++) assertEquals(Float.NEGATIVE_INFINITY, logits[i]);
        assertEquals(0f, logits[EOS]);
    }
}
