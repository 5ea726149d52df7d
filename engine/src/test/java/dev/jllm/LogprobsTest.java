package dev.jllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.jllm.testing.TestData;

/**
 * Log-probabilities ({@link GenerationParams#logprobs()}): the generation loop's, taken from the
 * raw logits of each decoding step, equal the prompt path's for the same text fed back as a
 * prompt (batched prompt evaluation, another code path), whatever the sampling did.
 */
class LogprobsTest {
    static Model model;
    static final float TOLERANCE = 1e-2f;

    @BeforeAll
    static void load() {
        model = Model.load(TestData.require("models/stories260K-f32.gguf"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Feeds prompt + generated back as one prompt and compares the generated positions. */
    static void assertTeacherForcingAgrees(int[] prompt, Completion c, int top) {
        int[] all = new int[prompt.length + c.generatedTokens()];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(c.tokenIds(), 0, all, prompt.length, c.generatedTokens());
        Completion scored = model.newSession().generate(all, GenerationParams.builder().maxTokens(0).logprobs(top).promptLogprobs(true).build(),
                TokenListener.NONE);
        assertEquals(all.length - 1, scored.promptLogprobs().size(), "one entry per prompt token after the first");
        for (int i = 0; i < c.generatedTokens(); i++) {
            TokenLogprobs gen = c.logprobs().get(i), forced = scored.promptLogprobs().get(prompt.length - 1 + i);
            assertEquals(gen.tokenId(), forced.tokenId());
            // The batched prompt path sums in another order than the decoding path: logits differ by ~1e-3.
            assertEquals(forced.logprob(), gen.logprob(), TOLERANCE, "token " + i);
            assertEquals(top, gen.top().size());
            for (int k = 0; k < top; k++) {
                Logprob g = gen.top().get(k), f = forced.top().get(k);
                assertEquals(f.logprob(), g.logprob(), TOLERANCE, "alternative " + k + " of token " + i);
                boolean nearTie = k + 1 < top && Math.abs(f.logprob() - forced.top().get(k + 1).logprob()) < TOLERANCE
                        || k > 0 && Math.abs(f.logprob() - forced.top().get(k - 1).logprob()) < TOLERANCE;
                if (!nearTie) assertEquals(f.tokenId(), g.tokenId(), "alternative " + k + " of token " + i);
            }
        }
    }

    @Test
    void greedyTokensAreTheMostLikelyAndAgreeWithTheirPromptScores() {
        int[] prompt = model.tokenize("Once upon a time", true, false);
        Completion c = model.newSession().generate(prompt, GenerationParams.builder().temperature(0).maxTokens(20).logprobs(3).build(),
                TokenListener.NONE);
        assertEquals(c.generatedTokens(), c.logprobs().size());
        for (TokenLogprobs t : c.logprobs()) {
            assertEquals(t.tokenId(), t.top().get(0).tokenId(), "greedy picks the most likely");
            assertEquals(t.top().get(0).logprob(), t.logprob(), 0f);
            assertTrue(t.top().get(0).logprob() >= t.top().get(1).logprob() && t.top().get(1).logprob() >= t.top().get(2).logprob());
            double mass = 0;
            for (Logprob l : t.top()) mass += Math.exp(l.logprob());
            assertTrue(t.logprob() <= 0 && mass <= 1.0001, "probabilities: " + t);
        }
        assertTeacherForcingAgrees(prompt, c, 3);
        assertTrue(c.promptLogprobs().isEmpty(), "prompt scores only when asked for");
    }

    /** Sampling hot, or constrained to JSON, changes which tokens come, not their logprobs under the model. */
    @Test
    void logprobsAreTheModelsNotTheSamplers() {
        int[] prompt = model.tokenize("Tom said", true, false);
        Completion hot = model.newSession().generate(prompt,
                GenerationParams.builder().temperature(2).topK(0).topP(1).minP(0).seed(4).maxTokens(20).logprobs(2).build(), TokenListener.NONE);
        assertTrue(hot.logprobs().stream().anyMatch(t -> t.tokenId() != t.top().get(0).tokenId()), "a hot sample leaves the top token sometimes");
        assertTeacherForcingAgrees(prompt, hot, 2);
        Completion json = model.newSession().generate(prompt, GenerationParams.builder().temperature(0).maxTokens(20).logprobs(1).jsonObject(true).build(),
                TokenListener.NONE);
        assertTeacherForcingAgrees(prompt, json, 1);
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> GenerationParams.builder().logprobs(21).build());
        assertThrows(IllegalArgumentException.class, () -> GenerationParams.builder().promptLogprobs(true).build());
        assertEquals(List.of(), model.newSession().generate("Once", GenerationParams.greedy(3)).logprobs());
    }
}
