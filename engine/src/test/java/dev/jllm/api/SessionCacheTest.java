package dev.jllm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import dev.jllm.Completion;
import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.Session;
import dev.jllm.TokenListener;
import dev.jllm.testing.TestData;

/** {@link Session#cachedPrefixLength}: how much of a prompt a session holds, which is what its next call does not evaluate. */
class SessionCacheTest {
    @Test
    void cachedPrefixLengthIsWhatTheNextCallDoesNotEvaluate() {
        try (Model model = Model.load(TestData.require("models/stories260K-f32.gguf"), ModelOptions.builder().build())) {
            Session session = model.newSession();
            int[] prompt = model.tokenize("Once upon a time", true, false);
            assertEquals(0, session.cachedPrefixLength(prompt), "a new session holds nothing");

            Completion first = session.generate(prompt, GenerationParams.greedy(6), TokenListener.NONE);
            // the prompt, three of the generated tokens (all evaluated: three more followed), then other text
            int[] next = concat(concat(prompt, Arrays.copyOf(first.tokenIds(), 3)), model.tokenize(" The big red ball", false, false));
            int cached = session.cachedPrefixLength(next);
            assertEquals(prompt.length + 3, cached);

            Completion second = session.generate(next, GenerationParams.greedy(2), TokenListener.NONE);
            assertEquals(next.length - cached, second.timings().promptTokens(), "tokens evaluated by the next call");
            assertEquals(next.length, session.cachedPrefixLength(next), "now it holds all of that prompt");
        }
    }

    private static int[] concat(int[] x, int[] y) {
        int[] r = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, r, x.length, y.length);
        return r;
    }
}
