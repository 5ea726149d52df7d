package dev.jllm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.jllm.GenerationParams;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.Session;
import dev.jllm.TokenListener;
import dev.jllm.testing.TestData;

/** {@link TokenListener#onPromptProgress}: a call per prompt chunk, counting only what is evaluated, all before the first token. */
class PromptProgressTest {

    /** Records progress calls and tokens in the order they come. */
    static final class Recorder implements TokenListener {
        final List<String> events = new ArrayList<>();

        @Override
        public Action onToken(String piece, int tokenId) {
            events.add("token");
            return Action.CONTINUE;
        }

        @Override
        public void onPromptProgress(int evaluated, int total) {
            events.add(evaluated + "/" + total);
        }
    }

    @Test
    void oneCallPerChunkOfWhatIsEvaluatedThenTheTokens() {
        try (Model model = Model.load(TestData.require("models/stories260K-f32.gguf"), ModelOptions.builder().batchSize(4).build())) {
            Session session = model.newSession();
            int[] prompt = model.tokenize("Once upon a time there was a little dog named Max", true, false);
            assertEquals(15, prompt.length);
            Recorder first = new Recorder();
            var c = session.generate(prompt, GenerationParams.greedy(2), first);
            assertEquals(List.of("4/15", "8/15", "12/15", "15/15", "token", "token"), first.events);

            // the same prompt and its two tokens, then two more: the cached 16 are not evaluated
            // again (the second generated token never went through the model), nor reported
            int[] next = java.util.Arrays.copyOf(prompt, prompt.length + 4);
            System.arraycopy(c.tokenIds(), 0, next, prompt.length, 2);
            next[prompt.length + 2] = prompt[5];
            next[prompt.length + 3] = prompt[6];
            Recorder second = new Recorder();
            session.generate(next, GenerationParams.greedy(1), second);
            assertEquals(List.of("3/3", "token"), second.events);

            // scoring every prompt position evaluates it all
            Recorder scored = new Recorder();
            model.newSession().generate(prompt, GenerationParams.greedy(1).toBuilder().logprobs(0).promptLogprobs(true).build(), scored);
            assertEquals(List.of("4/15", "8/15", "12/15", "15/15", "token"), scored.events);
        }
    }
}
