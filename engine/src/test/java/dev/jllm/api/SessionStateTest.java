package dev.jllm.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jllm.Completion;
import dev.jllm.GenerationParams;
import dev.jllm.KvCacheType;
import dev.jllm.Model;
import dev.jllm.ModelOptions;
import dev.jllm.Session;
import dev.jllm.SessionStateException;
import dev.jllm.TokenListener;
import dev.jllm.testing.TestData;

/** {@link Session#saveState} and {@link Session#restoreState}: a restored context continues as the saved one would have, and bad files are refused. */
class SessionStateTest {
    @TempDir Path dir;

    static int[] concat(int[] a, int[] b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /**
     * Generates from a prompt, saves, and continues the conversation in the same session; a
     * session of a freshly loaded model restores the file and, given the same next prompt,
     * evaluates only what the saved context lacks and generates the same tokens.
     */
    void roundTrip(String modelFile, KvCacheType type) throws Exception {
        Path file = TestData.require("models/" + modelFile);
        ModelOptions options = ModelOptions.builder().kvCacheType(type).threads(2).build();
        Path state = dir.resolve("state.bin");
        int[] next;
        Completion expected;
        int saved;
        try (Model model = Model.load(file, options)) {
            Session s = model.newSession();
            int[] prompt = model.tokenize("Once upon a time, in a big forest", true, false);
            Completion first = s.generate(prompt, GenerationParams.greedy(12), TokenListener.NONE);
            s.saveState(state);
            saved = s.contextUsed();
            next = concat(concat(prompt, first.tokenIds()), model.tokenize(" Then the sun came out", false, false));
            expected = s.generate(next, GenerationParams.greedy(12), TokenListener.NONE);
        }
        try (Model model = Model.load(file, options)) {
            Session s = model.newSession();
            s.restoreState(state);
            assertEquals(saved, s.contextUsed());
            assertEquals(saved, s.cachedPrefixLength(next));
            Completion restored = s.generate(next, GenerationParams.greedy(12), TokenListener.NONE);
            assertArrayEquals(expected.tokenIds(), restored.tokenIds());
            assertEquals(next.length - saved, restored.timings().promptTokens(), "only what the saved context lacks is evaluated");
        }
    }

    @Test
    void anF16ContextRestoredContinuesAsTheSavedOneDid() throws Exception {
        roundTrip("stories260K-f32.gguf", KvCacheType.F16);
    }

    @Test
    void aQ8_0ContextRestoredContinuesAsTheSavedOneDid() throws Exception {
        roundTrip("synth-llama-q8_0.gguf", KvCacheType.Q8_0);
    }

    @Test
    void filesThatCannotBeRestoredAreRefusedWithTheReason() throws Exception {
        Path stories = TestData.require("models/stories260K-f32.gguf"), synth = TestData.require("models/synth-llama.gguf");
        Path storiesState = dir.resolve("stories.bin"), synthState = dir.resolve("synth.bin");
        try (Model m = Model.load(stories)) {
            Session s = m.newSession();
            s.generate("Once upon a time there was a little dog", GenerationParams.greedy(20));
            s.saveState(storiesState);
        }
        try (Model m = Model.load(synth)) {
            Session s = m.newSession();
            s.generate("Hello", GenerationParams.greedy(3));
            s.saveState(synthState);
        }
        byte[] bytes = Files.readAllBytes(storiesState);
        try (Model m = Model.load(stories, ModelOptions.builder().contextLength(64).build())) {
            Session s = m.newSession();
            s.generate("Lily", GenerationParams.greedy(2));
            int before = s.contextUsed();

            assertRefused(s, synthState, "was saved from another model than stories260K-f32.gguf");
            Path junk = dir.resolve("junk.bin");
            Files.writeString(junk, "hello, not a state");
            assertRefused(s, junk, "junk.bin is not a jllm session state");
            assertEquals(before, s.contextUsed(), "a file refused before its keys and values leaves the context as it was");

            try (Model small = Model.load(stories, ModelOptions.builder().contextLength(16).build())) {
                var e = assertThrows(SessionStateException.class, () -> small.newSession().restoreState(storiesState));
                assertTrue(e.getMessage().contains("more than this session's context of 16"), e.getMessage());
            }

            Path cut = dir.resolve("cut.bin");
            Files.write(cut, Arrays.copyOf(bytes, bytes.length - 100));
            assertRefused(s, cut, "cut.bin is cut short");
            assertEquals(0, s.contextUsed(), "a file refused after its keys and values began to be read leaves the context empty");

            Path damaged = dir.resolve("damaged.bin");
            byte[] flipped = bytes.clone();
            flipped[flipped.length - 40] ^= 1; // a value in the last position's keys and values
            Files.write(damaged, flipped);
            assertRefused(s, damaged, "damaged.bin is damaged (its checksum does not match)");

            s.restoreState(storiesState); // the good file still works in the same session
            assertTrue(s.contextUsed() > 20, "restored " + s.contextUsed());
        }
        try (Model q8 = Model.load(synth, ModelOptions.builder().kvCacheType(KvCacheType.Q8_0).build())) {
            assertRefused(q8.newSession(), synthState, "holds its keys and values in F16, and this model's sessions keep Q8_0");
        }
    }

    static void assertRefused(Session s, Path state, String reason) {
        var e = assertThrows(SessionStateException.class, () -> s.restoreState(state));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
}
